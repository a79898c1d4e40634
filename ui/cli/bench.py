"""`coursebot bench`: the pipeline benchmark (see eval/bench/pipeline.py)."""

from __future__ import annotations

from pathlib import Path

import click

from ui.cli.common import friendly_errors, settings_from


@click.command(name="bench")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench-results"),
    show_default=True,
)
@click.option("--rounds", default=8, show_default=True, help="Paired pipeline/raw runs.")
@click.option("--cold-runs", default=2, show_default=True, help="Fresh-process starts.")
@click.pass_context
@friendly_errors
def command(ctx: click.Context, out: Path, rounds: int, cold_runs: int) -> None:
    """Measure pipeline overhead over raw llama.cpp, first-token time, retrieval latency,
    ingestion throughput and cold start, side by side in one run."""
    from eval.bench.pipeline import run

    run(settings_from(ctx), out, rounds=rounds, cold_runs=cold_runs)
    click.echo((out / "pipeline.md").read_text())
    click.echo(f"Written: {out / 'pipeline.json'}")
