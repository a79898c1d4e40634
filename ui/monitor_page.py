"""The Monitor tab: recent turns, abstention/refusal rates, latency over time, drift alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr
import pandas as pd

from eval.monitor.config import monitor_config
from eval.monitor.drift import drift_report
from eval.monitor.errors import TurnLogMissing
from eval.monitor.review import flag_for_review
from eval.monitor.traffic import TrafficReport, traffic_report
from eval.monitor.turns import Turn, load_turns, now, parse_window
from rag.components import make_embedder
from rag.embeddings import Embedder
from rag.errors import CoursebotError
from rag.settings import Settings

WINDOWS = ["1h", "6h", "1d", "7d", "30d"]
TURN_COLUMNS = [
    "id", "time", "arm", "question", "abstained", "refused", "policy", "top score",
    "support min", "total s", "feedback",
]  # fmt: skip
LATENCY_COLUMNS = ["time", "seconds", "measure"]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _sec(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def summary_markdown(report: TrafficReport, review_count: int) -> str:
    o = report.overall
    policies = ", ".join(f"{k}: {v}" for k, v in sorted(o.refusals_by_policy.items())) or "none"
    lines = [
        f"**Last {report.window}:** {o.turns} turns, {o.sessions} sessions",
        f"- abstained {_pct(o.abstention_rate)}, refused {_pct(o.refusal_rate)} ({policies})",
        f"- latency p50 {_sec(o.p50_total_s)}, p95 {_sec(o.p95_total_s)};"
        f" first token p50 {_sec(o.p50_first_token_s)}, p95 {_sec(o.p95_first_token_s)}",
        f"- thumbs-up {_pct(o.thumbs_up_rate)} of {o.feedback} ratings",
        f"- {review_count} answered turns flagged for review (`coursebot monitor review`)",
    ]
    lines += [f"- ⚠️ {alert}" for alert in report.alerts]
    return "\n".join(lines)


def _turn_rows(turns: list[Turn], limit: int = 50) -> pd.DataFrame:
    rows = [
        [
            t.id, t.ts.strftime("%Y-%m-%d %H:%M:%S"), t.arm, t.question[:120], t.abstained,
            t.refused, t.refusal_policy or "", t.top_score, t.support_min, t.total_s, t.feedback,
        ]
        for t in reversed(turns[-limit:])
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=TURN_COLUMNS)


def _latency_rows(turns: list[Turn]) -> pd.DataFrame:
    rows: list[list[Any]] = []
    for t in turns:
        if t.total_s is not None:
            rows.append([t.ts.replace(tzinfo=None), t.total_s, "total"])
        if t.first_token_s is not None:
            rows.append([t.ts.replace(tzinfo=None), t.first_token_s, "first token"])
    return pd.DataFrame(rows, columns=LATENCY_COLUMNS)


def monitor_snapshot(settings: Settings, window: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Summary Markdown, recent-turns table and latency series for the window."""
    config = monitor_config(settings)
    try:
        span = parse_window(window)
        turn_set = load_turns(settings.db_path)
    except TurnLogMissing as exc:
        empty = pd.DataFrame([], columns=TURN_COLUMNS), pd.DataFrame([], columns=LATENCY_COLUMNS)
        return f"No turns yet. {exc}", *empty
    except CoursebotError as exc:
        return f"⚠️ {exc}", pd.DataFrame([], columns=TURN_COLUMNS), pd.DataFrame([], columns=[])
    end = now()
    recent = [t for t in turn_set.turns if t.ts >= end - span]
    report = traffic_report(recent, window, end - span, end, config, turn_set.skipped)
    review = flag_for_review(recent, config)
    return summary_markdown(report, len(review)), _turn_rows(recent), _latency_rows(recent)


def drift_markdown(
    settings: Settings, window: str, embedder_of: Callable[[], Embedder] | None = None
) -> str:
    """Drift tests of the window against the reference window.

    `embedder_of` gives the embedder to use (the web app passes the running assistant's, so
    the model is not loaded twice); by default one is built from the settings.
    """
    config = monitor_config(settings)
    try:
        turns = load_turns(settings.db_path).turns
        embedder = embedder_of() if embedder_of is not None else make_embedder(settings)
        report = drift_report(turns, now(), window, config, embedder)
    except CoursebotError as exc:
        return f"⚠️ {exc}"
    lines = [f"**Drift:** {report.current_turns} recent vs {report.reference_turns} reference"]
    for check in report.checks:
        lines.append(f"- {'⚠️ ALERT' if check.alert else '✅'} {check.name}: {check.message}")
    return "\n".join(lines)


def monitor_page(settings: Settings, embedder_of: Callable[[], Embedder] | None = None) -> None:
    """Build the Monitor tab's components inside the caller's gr.Blocks / gr.Tab context."""
    with gr.Row():
        window = gr.Dropdown(WINDOWS, value=monitor_config(settings).window, label="Window")
        refresh = gr.Button("Refresh", variant="primary")
        run_drift = gr.Button("Run drift tests")
    summary = gr.Markdown()
    latency = gr.LinePlot(
        x="time", y="seconds", color="measure", title="Latency per turn", label="Latency"
    )
    drift = gr.Markdown("Drift tests load the embedding model; press *Run drift tests*.")
    turns = gr.Dataframe(headers=TURN_COLUMNS, label="Recent turns", interactive=False)

    def _refresh(win: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
        text, table, series = monitor_snapshot(settings, win)
        return text, series, table

    refresh.click(_refresh, inputs=window, outputs=[summary, latency, turns])
    window.change(_refresh, inputs=window, outputs=[summary, latency, turns])
    run_drift.click(
        lambda win: drift_markdown(settings, win, embedder_of), inputs=window, outputs=drift
    )
