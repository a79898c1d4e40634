"""Traffic report: volume, abstention and refusal rates, latency percentiles, per time bucket."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
from pydantic import BaseModel, Field

from eval.monitor.config import MonitorConfig
from eval.monitor.turns import Turn


class TrafficStats(BaseModel):
    """Outcome rates and latency of a group of turns."""

    start: datetime | None = None
    turns: int = 0
    sessions: int = 0
    abstention_rate: float | None = None
    refusal_rate: float | None = None
    refusals_by_policy: dict[str, int] = Field(default_factory=dict)
    fail_closed: int = Field(
        0, description="Turns refused because a safety check failed (a broken model)."
    )
    feedback: int = 0
    thumbs_up_rate: float | None = None
    p50_total_s: float | None = None
    p95_total_s: float | None = None
    p50_first_token_s: float | None = None
    p95_first_token_s: float | None = None


class TrafficReport(BaseModel):
    """The whole window, its buckets, the alerts raised and how many log rows were unreadable."""

    window: str
    overall: TrafficStats
    buckets: list[TrafficStats]
    alerts: list[str] = Field(default_factory=list)
    skipped_rows: int = 0


def _percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def traffic_stats(turns: list[Turn], start: datetime | None = None) -> TrafficStats:
    """Rates and latency percentiles over `turns` (refusals counted by their policy name)."""
    n = len(turns)
    if n == 0:
        return TrafficStats(start=start)
    totals = [t.total_s for t in turns if t.total_s is not None]
    firsts = [t.first_token_s for t in turns if t.first_token_s is not None]
    rated = [t.feedback for t in turns if t.feedback is not None]
    policies = Counter((t.refusal_policy or "unspecified") for t in turns if t.refused)
    return TrafficStats(
        start=start,
        turns=n,
        sessions=len({t.session_id for t in turns if t.session_id}),
        abstention_rate=sum(t.abstained for t in turns) / n,
        refusal_rate=sum(t.refused for t in turns) / n,
        refusals_by_policy=dict(policies),
        fail_closed=sum(t.fail_closed for t in turns),
        feedback=len(rated),
        thumbs_up_rate=(sum(v > 0 for v in rated) / len(rated)) if rated else None,
        p50_total_s=_percentile(totals, 50),
        p95_total_s=_percentile(totals, 95),
        p50_first_token_s=_percentile(firsts, 50),
        p95_first_token_s=_percentile(firsts, 95),
    )


def bucket_size(window: timedelta) -> timedelta:
    """About a dozen buckets per window, on round sizes."""
    for size in (
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(days=1),
        timedelta(weeks=1),
    ):
        if window / size <= 24:
            return size
    return timedelta(days=30)


def traffic_report(
    turns: list[Turn],
    window: str,
    start: datetime,
    end: datetime,
    config: MonitorConfig,
    skipped_rows: int = 0,
) -> TrafficReport:
    """Summarise the turns in [start, end) overall and per bucket, with threshold alerts."""
    inside = [t for t in turns if start <= t.ts < end]
    size = bucket_size(end - start)
    buckets: list[TrafficStats] = []
    cursor = start
    while cursor < end:
        upper = min(cursor + size, end)
        group = [t for t in inside if cursor <= t.ts < upper]
        if group:
            buckets.append(traffic_stats(group, cursor))
        cursor = upper
    overall = traffic_stats(inside, start)
    alerts: list[str] = []
    if overall.turns < config.min_turns:
        alerts.append(
            f"not enough data for rate alerts: {overall.turns} turns, need {config.min_turns}"
        )
    elif overall.turns:
        if (overall.abstention_rate or 0.0) > config.max_abstention_rate:
            alerts.append(
                f"abstention rate {overall.abstention_rate:.0%} is above "
                f"{config.max_abstention_rate:.0%}"
            )
        if (overall.p95_total_s or 0.0) > config.max_p95_latency_s:
            alerts.append(
                f"p95 latency {overall.p95_total_s:.1f} s is above {config.max_p95_latency_s:.1f} s"
            )
    if overall.fail_closed:
        alerts.append(
            f"{overall.fail_closed} turns were refused because a safety check failed (fail "
            "closed): a safety model is broken; see the log warnings and reinstall or rebuild it"
        )
    if skipped_rows:
        alerts.append(f"{skipped_rows} unreadable turn-log rows were skipped")
    return TrafficReport(
        window=window, overall=overall, buckets=buckets, alerts=alerts, skipped_rows=skipped_rows
    )
