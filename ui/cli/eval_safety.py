"""`coursebot eval safety`: measure the input guard per family and write Markdown plus JSON."""

from __future__ import annotations

from pathlib import Path

import click

from eval.safety.benchmark import DEFAULT_ADVBENCH, run
from eval.safety.encoders import app_guard_encoder
from eval.safety.report import to_markdown, write
from safety import InputGuard, OutputGuard, SafetyError
from ui.cli.common import friendly_errors, offline, settings_from


@click.command(name="safety")
@click.option(
    "--split",
    type=click.Choice(["test", "dev"]),
    default="test",
    show_default=True,
    help="Split of the labelled set: test to report, dev to tune on.",
)
@click.option(
    "--advbench",
    type=click.Path(path_type=Path),
    default=DEFAULT_ADVBENCH,
    show_default=True,
    help="JSONL of harmful requests (field `prompt`), reported as a measuring-only family.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("safety-eval"),
    show_default=True,
    help="Folder for safety_report.json and safety_report.md.",
)
@click.option(
    "--sample",
    type=int,
    default=0,
    show_default=True,
    help="Use only the first N items of each family (0 = all); for quick checks.",
)
@click.pass_context
@friendly_errors
def command(ctx: click.Context, split: str, advbench: Path, out: Path, sample: int) -> None:
    """Refusals per attack family, passes per benign family, policies, latency, fairness."""
    offline()
    settings = settings_from(ctx)
    try:
        encoder = app_guard_encoder(settings)  # the app's guards' own, at their precision
        guard = InputGuard(settings.safety, encoder=encoder)
        output_guard = OutputGuard(settings.safety, encoder=encoder)
    except SafetyError as exc:
        raise click.ClickException(str(exc)) from exc
    report = run(guard, "dev" if split == "dev" else "test", advbench, sample, output_guard)
    json_path, md_path = write(report, out)
    click.echo(to_markdown(report))
    click.echo(f"wrote {json_path} and {md_path}")
