"""`coursebot ingest` and `coursebot ask`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ui.cli.common import (
    clean_text,
    friendly_errors,
    note,
    offline,
    quiet_libraries,
    read_stdin_text,
    settings_from,
)

if TYPE_CHECKING:
    from rag.answer import Answer


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--rebuild",
    is_flag=True,
    help="Rebuild the index from scratch, from PATHS and every source it already holds "
    "(folders, files, uploads); sources that are gone are named and dropped.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@friendly_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], rebuild: bool, as_json: bool) -> None:
    """Index documents (default: the knowledge-base folders in the settings).

    Unchanged files are skipped, removed files leave the index, and a data-quality
    report is printed and saved next to the index. Sources indexed before stay indexed.
    """
    offline()
    settings = settings_from(ctx)
    with quiet_libraries():
        from rag.components import make_embedder, make_ingestor
        from ui.cli.progress import ingest_progress

        on_progress = ingest_progress()

        ingestor = make_ingestor(settings, make_embedder(settings))
        given = list(paths) or list(settings.kb_paths)
        if rebuild:
            plan = ingestor.plan(given, rebuild=True)
            if plan.gone:
                note(
                    "these sources are gone and will be dropped from the index: "
                    + ", ".join(s.path for s in plan.gone)
                )
            note(f"rebuilding the index from {len(plan.roots)} source(s).")
        report = ingestor.run(
            given, rebuild=rebuild, on_progress=on_progress, threads=os.cpu_count()
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


def question_text(question: str | None) -> str:
    """The question from the argument or stdin, invalid UTF-8 replaced (with a note).

    Raises:
        click.ClickException: the question is empty (checked before any model loads).
    """
    if question is None or question == "-":
        text, replaced = read_stdin_text()
    else:
        text, replaced = clean_text(question)
    text = text.strip()
    if not text.replace("\ufffd", "").strip():
        raise click.ClickException(
            "Please type a question: it is empty (pass it as an argument or on stdin)."
        )
    if replaced:
        note("the question held bytes that are not UTF-8; they were replaced by \ufffd.")
    return text


@click.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the whole Answer as JSON.")
@click.option("--history", multiple=True, help="A previous question (repeatable, oldest first).")
@click.pass_context
@friendly_errors
def ask(ctx: click.Context, question: str | None, as_json: bool, history: tuple[str, ...]) -> None:
    """Answer QUESTION (or one read from standard input) from the course documents."""
    text = question_text(question)
    earlier = [clean_text(h)[0] for h in history]
    offline()
    settings = settings_from(ctx)
    from rag.pipeline.question import validate_question

    text = validate_question(text, settings.answer.max_question_chars)
    with quiet_libraries():
        from rag.assistant import Assistant

        bot = Assistant.from_settings(settings)
        answer = bot.ask(text, history=earlier)
    if as_json:
        click.echo(json.dumps(answer.model_dump(mode="json"), indent=2))
    else:
        click.echo(format_answer(answer))
