"""`coursebot rate ...`: queue answers for human rating, register raters, report, export."""

from __future__ import annotations

from pathlib import Path

import click

from eval.rating.analysis import summarise
from eval.rating.errors import InvalidRating
from eval.rating.export import export_all
from eval.rating.importer import import_runs
from eval.rating.report import write_report
from eval.rating.store import RatingStore
from ui.cli.common import friendly_errors, offline, settings_from


def _store(ctx: click.Context) -> RatingStore:
    return RatingStore.from_settings(settings_from(ctx))


@click.group(name="rate")
def command() -> None:
    """Human rating of answers: Likert scores and blind side-by-side comparisons."""
    offline()


@command.command(name="import")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("run_dir_b", required=False, type=click.Path(path_type=Path))
@click.pass_context
@friendly_errors
def import_cmd(ctx: click.Context, run_dir: Path, run_dir_b: Path | None) -> None:
    """Queue RUN_DIR's answers for Likert rating, or RUN_DIR vs RUN_DIR_B side by side."""
    report = import_runs(_store(ctx), run_dir, run_dir_b)
    what = "Likert" if report.kind == "likert" else "side-by-side"
    click.echo(
        f"Queued {report.added} {what} items from {' vs '.join(report.runs)}"
        f" ({report.skipped} already queued)."
    )


@command.group(name="raters")
def raters_group() -> None:
    """Register and list raters."""


@raters_group.command(name="add")
@click.argument("name")
@click.option(
    "--id", "rater_id", default=None, help="The ID the rater types in (default: from NAME)."
)
@click.pass_context
@friendly_errors
def raters_add(ctx: click.Context, name: str, rater_id: str | None) -> None:
    """Register a rater; prints the ID they enter on the Rate page."""
    rater = _store(ctx).add_rater(name, rater_id)
    click.echo(f"Registered {rater.name}: rater ID {rater.id}")


@raters_group.command(name="list")
@click.pass_context
@friendly_errors
def raters_list(ctx: click.Context) -> None:
    """List registered raters."""
    for rater in _store(ctx).raters():
        click.echo(f"{rater.id}\t{rater.name}\t{rater.created_at}")


@command.command(name="gold")
@click.argument("item_id", type=int)
@click.option(
    "--expect",
    "expects",
    multiple=True,
    required=True,
    help="DIMENSION=SCORE for a Likert item (repeatable) or winner=a|b|tie|both_bad for a pair.",
)
@click.pass_context
@friendly_errors
def gold_cmd(ctx: click.Context, item_id: int, expects: tuple[str, ...]) -> None:
    """Make ITEM_ID a gold check with a known verdict, to flag careless raters."""
    gold: dict[str, object] = {}
    for expect in expects:
        key, sep, value = expect.partition("=")
        if not sep:
            raise InvalidRating(f"--expect {expect!r} must look like faithfulness=1 or winner=a.")
        gold[key.strip()] = int(value) if value.strip().isdigit() else value.strip()
    _store(ctx).set_gold(item_id, gold)
    click.echo(f"Item {item_id} is now a gold check: {gold}")


@command.command(name="report")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path))
@click.option("--bootstrap", default=500, show_default=True, help="Bootstrap resamples for CIs.")
@click.pass_context
@friendly_errors
def report_cmd(ctx: click.Context, out: Path, bootstrap: int) -> None:
    """Write report.md and report.html (agreement, scores, leaderboard, plots) into OUT."""
    md, page = write_report(summarise(_store(ctx), n_boot=bootstrap), out)
    click.echo(f"Wrote {md} and {page}")


@command.command(name="export")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path))
@click.pass_context
@friendly_errors
def export_cmd(ctx: click.Context, out: Path) -> None:
    """Export items, raters, assignments, ratings and comparisons as CSV and JSONL."""
    files = export_all(_store(ctx), out)
    click.echo(f"Wrote {len(files)} files to {out}")
