"""`coursebot monitor ...`: traffic report, drift tests, silent-failure review, A/B results,
robustness of retrieval under perturbed questions."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from eval.monitor.ab_report import ABReport, ab_report
from eval.monitor.config import MonitorConfig, monitor_config
from eval.monitor.drift import DriftReport, drift_report
from eval.monitor.review import export_review_run, flag_for_review
from eval.monitor.traffic import TrafficReport, traffic_report
from eval.monitor.turns import TurnSet, load_turns, now, parse_window
from rag.components import make_embedder
from ui.cli.common import friendly_errors, offline, settings_from


def _load(ctx: click.Context, window: str | None) -> tuple[TurnSet, MonitorConfig, Path, str]:
    settings = settings_from(ctx)
    config = monitor_config(settings)
    window = window or config.window
    parse_window(window)
    return load_turns(settings.db_path), config, settings.db_path, window


def format_traffic(report: TrafficReport) -> str:
    o = report.overall

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x:.0%}"

    def sec(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}s"

    lines = [
        f"Last {report.window}: {o.turns} turns, {o.sessions} sessions",
        f"  abstained {pct(o.abstention_rate)}, refused {pct(o.refusal_rate)}"
        + (f" {o.refusals_by_policy}" if o.refusals_by_policy else "")
        + f"; failed closed (a safety check broke) {o.fail_closed}",
        f"  latency total p50 {sec(o.p50_total_s)} p95 {sec(o.p95_total_s)};"
        f" first token p50 {sec(o.p50_first_token_s)} p95 {sec(o.p95_first_token_s)}",
        f"  feedback {o.feedback} ratings, thumbs-up {pct(o.thumbs_up_rate)}",
    ]
    if report.buckets:
        lines.append("  per bucket (start, turns, abstained, refused, p95 total):")
        for b in report.buckets:
            start = b.start.strftime("%Y-%m-%d %H:%M") if b.start else "-"
            lines.append(
                f"    {start}  {b.turns:4d}  {pct(b.abstention_rate):>4}  "
                f"{pct(b.refusal_rate):>4}  {sec(b.p95_total_s)}"
            )
    lines += [f"ALERT: {a}" for a in report.alerts] or ["No alerts."]
    return "\n".join(lines)


def format_drift(report: DriftReport) -> str:
    lines = [f"Drift: {report.current_turns} recent turns vs {report.reference_turns} reference"]
    for check in report.checks:
        lines.append(f"  {'ALERT' if check.alert else 'ok   '} {check.name}: {check.message}")
    return "\n".join(lines)


def format_ab(report: ABReport) -> str:
    lines = [f"A/B (control: {report.control}, per-test alpha {report.alpha:.4f})"]
    for o in report.outcomes:
        up = "-" if o.thumbs_up_rate is None else f"{o.thumbs_up_rate:.0%}"
        lat = "-" if o.median_total_s is None else f"{o.median_total_s:.2f}s"
        lines.append(
            f"  {o.arm}: {o.turns} turns, {o.sessions} sessions, {o.rated} rated, thumbs-up {up},"
            f" abstained {o.abstention_rate:.0%}, median latency {lat}"
        )
    for c in report.comparisons:
        mark = "*" if c.significant else " "
        lines.append(
            f"  {mark} {c.arm} {c.metric}: {c.result.test} effect {c.result.effect:+.3g},"
            f" p={c.result.p_value:.3g}"
        )
    lines.append(report.recommendation)
    return "\n".join(lines)


@click.group(name="monitor")
def command() -> None:
    """Watch the deployed assistant: traffic, drift, silent failures, A/B, robustness."""


@command.command()
@click.option("--window", default=None, help="Recent window, e.g. 1h, 1d, 7d (default: settings).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
@friendly_errors
def report(ctx: click.Context, window: str | None, as_json: bool) -> None:
    """Traffic, abstention and refusal rates, latency percentiles, with alerts."""
    turns, config, _path, window = _load(ctx, window)
    end = now()
    result = traffic_report(
        turns.turns, window, end - parse_window(window), end, config, turns.skipped
    )
    click.echo(result.model_dump_json(indent=2) if as_json else format_traffic(result))


@command.command()
@click.option("--window", default=None, help="Recent window tested against the one before it.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def drift(ctx: click.Context, window: str | None, as_json: bool) -> None:
    """Two-sample tests of recent questions and retrieval scores against a reference window."""
    offline()
    turns, config, _path, window = _load(ctx, window)
    settings = settings_from(ctx)
    result = drift_report(turns.turns, now(), window, config, make_embedder(settings))
    if as_json:
        click.echo(
            json.dumps({**result.model_dump(mode="json"), "alerts": result.alerts}, indent=2)
        )
    else:
        click.echo(format_drift(result))


@command.command()
@click.option("--window", default=None)
@click.option(
    "--export",
    "export_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write a run directory (run.json + results.jsonl) for the rating harness.",
)
@click.option("--limit", type=int, default=20, show_default=True, help="Items to print.")
@click.pass_context
@friendly_errors
def review(ctx: click.Context, window: str | None, export_dir: Path | None, limit: int) -> None:
    """List answered turns with weak support or low retrieval scores (possible silent failures)."""
    turns, config, path, window = _load(ctx, window)
    since = now() - parse_window(window)
    items = flag_for_review([t for t in turns.turns if t.ts >= since], config)
    click.echo(f"{len(items)} answered turns in the last {window} flagged for review")
    for item in items[:limit]:
        click.echo(f"  #{item.turn_id} {item.question[:70]!r}: {'; '.join(item.reasons)}")
    if export_dir is not None:
        export_review_run(items, export_dir, path)
        click.echo(f"Exported {len(items)} items to {export_dir}")


@command.command()
@click.option("--window", default="30d", show_default=True)
@click.option("--control", default=None, help="The control arm (default: 'default' or first).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def ab(ctx: click.Context, window: str, control: str | None, as_json: bool) -> None:
    """Outcomes per A/B arm and whether the differences are significant."""
    turns, config, _path, window = _load(ctx, window)
    since: datetime = now() - parse_window(window)
    settings = settings_from(ctx)
    ab_config = getattr(settings, "ab", None)
    control = control or (ab_config.control if ab_config is not None else None)
    result = ab_report([t for t in turns.turns if t.ts >= since], config, control)
    click.echo(result.model_dump_json(indent=2) if as_json else format_ab(result))


@command.command()
@click.option(
    "--questions",
    type=click.Path(path_type=Path),
    default=Path("eval/data/questions.jsonl"),
    show_default=True,
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@click.option("--answers/--no-answers", default=False, help="Also compare full answers (slow).")
@click.option("--limit", type=int, default=None)
@click.option("--seed", type=int, default=0, show_default=True)
@click.pass_context
@friendly_errors
def robustness(
    ctx: click.Context, questions: Path, out_dir: Path, answers: bool, limit: int | None, seed: int
) -> None:
    """Perturb questions (typos, casing, synonyms, word order); measure retrieval stability."""
    from eval.robustness.assistant_run import run_on_assistant
    from eval.robustness.runner import format_report

    offline()
    result = run_on_assistant(questions, out_dir, settings_from(ctx), answers, limit, seed)
    click.echo(format_report(result))
    click.echo(f"Wrote {out_dir}/robustness.json, items.jsonl, robustness.md")
