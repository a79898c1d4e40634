"""`coursebot eval hallucination` and `coursebot eval compare`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from eval.hallucination.compare import compare_runs
from eval.hallucination.evaluate import (
    DEFAULT_QUESTIONS,
    calibrated_verifier,
    evaluate,
    knowledge_base_overrides,
    load_questions,
    select,
    verifier_embedder,
)
from eval.hallucination.questions import Split
from eval.hallucination.report import fmt
from eval.hallucination.runinfo import describe_run
from rag.errors import ConfigError
from ui.cli.common import friendly_errors, offline, quiet_libraries, real_stderr, settings_from


def parse_overrides(pairs: tuple[str, ...]) -> dict[str, Any]:
    """`key=value` pairs into Settings overrides; `a.b=1` nests; JSON values are parsed."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {pair!r} (e.g. --set grounding=off).")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        target = overrides
        *parents, leaf = key.strip().split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return overrides


@click.command("hallucination")
@click.option(
    "--questions",
    "questions_file",
    type=click.Path(path_type=Path),
    default=DEFAULT_QUESTIONS,
    show_default=True,
    help="Question set (JSONL).",
)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Run directory."
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Only the first N questions."
)
@click.option(
    "--split",
    type=click.Choice(["dev", "test"]),
    default=None,
    help="Only the questions of this split (tune on dev; report test once).",
)
@click.option(
    "--kb",
    "kb_dirs",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Answer from these documents instead of the configured knowledge base "
    "(indexed in --data-dir). Repeatable.",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where the --kb index is built and kept (default: OUT/kb-data).",
)
@click.option(
    "--set", "sets", multiple=True, metavar="KEY=VALUE", help="Settings override, repeatable."
)
@click.option("--name", default=None, help="Run name (default: the --out folder name).")
@click.option("--progress/--no-progress", default=True)
@click.pass_context
@friendly_errors
def hallucination(
    ctx: click.Context,
    questions_file: Path,
    out_dir: Path,
    limit: int | None,
    split: Split | None,
    kb_dirs: tuple[Path, ...],
    data_dir: Path | None,
    sets: tuple[str, ...],
    name: str | None,
    progress: bool,
) -> None:
    """Measure how often coursebot says what the course does not support (resumable)."""
    offline()
    questions = select(load_questions(questions_file), limit, split)
    overrides = parse_overrides(sets)
    if kb_dirs:
        overrides |= knowledge_base_overrides(list(kb_dirs), data_dir or out_dir / "kb-data")
    settings = settings_from(ctx, **overrides)
    from rag import Assistant
    from rag.paths import bundled_embedding_path

    click.echo(f"{len(questions)} questions -> {out_dir}", err=True)
    with quiet_libraries():
        assistant = Assistant.from_settings(settings)
        if kb_dirs:
            report = assistant.ingest()
            click.echo(f"knowledge base: {report.totals}", file=real_stderr())
        embedder = verifier_embedder(
            assistant.embedder, settings.index.embedding_path or bundled_embedding_path()
        )
        verifier, calibration = calibrated_verifier(embedder, out_dir)
        info = describe_run(name or out_dir.name, settings, questions_file, overrides)
        info["split"] = split
        metrics = evaluate(
            assistant,
            questions,
            out_dir,
            verifier,
            calibration,
            info,
            progress=progress,
            progress_to=real_stderr(),
        )
    for metric, estimate in metrics.rates.items():
        click.echo(f"{metric:24s} {fmt(estimate)}  (n={estimate.n})")
    s = calibration.cross_validated
    click.echo(
        f"verifier (cross-validated, n={s.n}): accuracy {s.accuracy:.3f} precision "
        f"{s.precision:.3f} recall {s.recall:.3f} F1 {s.f1:.3f}"
    )
    click.echo(f"report: {out_dir / 'report.html'}  ({datetime.now(UTC):%H:%M:%S} UTC)")


@click.command("compare")
@click.argument("run_a", type=click.Path(path_type=Path, file_okay=False))
@click.argument("run_b", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@friendly_errors
def compare(run_a: Path, run_b: Path, as_json: bool) -> None:
    """Difference of each metric (B - A) with a paired bootstrap 95% interval."""
    result = compare_runs(run_a, run_b)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
        return
    click.echo(f"A = {run_a}\nB = {run_b}\n{result.shared_questions} shared questions\n")
    click.echo(f"{'metric':24s} {'A':>24s} {'B':>24s} {'B - A [95% CI]':>28s}  verdict")
    for row in result.metrics:
        click.echo(
            f"{row.metric:24s} {fmt(row.a):>24s} {fmt(row.b):>24s} "
            f"{fmt(row.diff):>28s}  {row.verdict}"
        )


commands: list[click.Command] = [hallucination, compare]
