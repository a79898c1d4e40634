"""`coursebot ingest` and `coursebot ask`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rag.answer import Answer
from ui.cli.common import friendly_errors, settings_from


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--rebuild", is_flag=True, help="Rebuild the index from scratch.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@friendly_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], rebuild: bool, as_json: bool) -> None:
    """Index documents (default: the knowledge-base folders in the settings).

    Unchanged files are skipped, removed files leave the index, and a data-quality
    report is printed and saved next to the index.
    """
    from rag.components import go_offline, make_embedder, make_ingestor

    go_offline()
    settings = settings_from(ctx)
    report = make_ingestor(settings, make_embedder(settings)).run(
        list(paths) or settings.kb_paths, rebuild=rebuild
    )
    click.echo(report.model_dump_json(indent=2) if as_json else report.to_markdown())


def format_answer(answer: Answer) -> str:
    """The answer followed by its numbered sources, for a terminal."""
    lines = [answer.text]
    if answer.refused:
        lines.append(f"\n[refused: {answer.safety.policy or 'safety'} policy]")
    elif answer.abstained:
        lines.append("\n[not in the course documents]")
    if answer.citations:
        lines.append("\nSources:")
        for c in answer.citations:
            lines.append(f"  [{c.n}] {c.source} > {c.section}  (support {c.score:.2f})")
    return "\n".join(lines)


@click.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the whole Answer as JSON.")
@click.option("--history", multiple=True, help="A previous question (repeatable, oldest first).")
@click.pass_context
@friendly_errors
def ask(ctx: click.Context, question: str | None, as_json: bool, history: tuple[str, ...]) -> None:
    """Answer QUESTION (or one read from standard input) from the course documents."""
    from rag.assistant import Assistant

    if question is None or question == "-":
        question = sys.stdin.read()
    bot = Assistant.from_settings(settings_from(ctx))
    answer = bot.ask(question, history=list(history))
    if as_json:
        click.echo(json.dumps(answer.model_dump(mode="json"), indent=2))
    else:
        click.echo(format_answer(answer))
