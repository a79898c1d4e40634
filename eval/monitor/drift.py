"""Drift: are recent questions and retrieval scores distributed like the reference window?

Three tests, each with a p-value and an effect size, alerting below `MonitorConfig.alpha`:
question embeddings (kernel MMD, permutation test), the share of out-of-scope questions
(two-proportion test, plus an absolute ceiling) and the best retrieval score (KS test).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from eval.monitor.config import MonitorConfig
from eval.monitor.stats import TwoSampleResult, ks_test, mmd_test, two_proportion_test
from eval.monitor.turns import Turn, parse_window
from rag.embeddings import Embedder


class DriftCheck(BaseModel):
    """One drift test: its result (None when there was too little data) and whether it alerts."""

    name: str
    result: TwoSampleResult | None = None
    alert: bool = False
    message: str


class DriftReport(BaseModel):
    reference_turns: int
    current_turns: int
    checks: list[DriftCheck] = Field(default_factory=list)

    @property
    def alerts(self) -> list[str]:
        return [c.message for c in self.checks if c.alert]


def is_out_of_scope(turn: Turn, config: MonitorConfig) -> bool:
    """Abstained, or its best passage is below the out-of-scope cosine."""
    low = turn.top_score is not None and turn.top_score < config.out_of_scope_score
    return turn.abstained or low


def _not_enough(name: str, have: int, need: int) -> DriftCheck:
    return DriftCheck(name=name, message=f"not enough data: {have} turns, need {need}")


def _question_check(
    reference: list[Turn], current: list[Turn], config: MonitorConfig, embedder: Embedder
) -> DriftCheck:
    name = "question embeddings (MMD)"
    have = min(len(reference), len(current))
    if have < config.min_turns:
        return _not_enough(name, have, config.min_turns)
    vectors = embedder.embed([t.question for t in reference + current])
    result = mmd_test(
        vectors[: len(reference)], vectors[len(reference) :], config.permutations, config.seed
    )
    alert = result.p_value < config.alpha
    verdict = "questions have drifted" if alert else "no question drift"
    return DriftCheck(
        name=name,
        result=result,
        alert=alert,
        message=f"{verdict}: MMD²={result.effect:.4f}, p={result.p_value:.3f}",
    )


def _scope_check(reference: list[Turn], current: list[Turn], config: MonitorConfig) -> DriftCheck:
    name = "out-of-scope share"
    ref = [t for t in reference if not t.refused]
    cur = [t for t in current if not t.refused]
    have = min(len(ref), len(cur))
    if have < config.min_turns:
        return _not_enough(name, have, config.min_turns)
    hits_ref = sum(is_out_of_scope(t, config) for t in ref)
    hits_cur = sum(is_out_of_scope(t, config) for t in cur)
    result = two_proportion_test(hits_ref, len(ref), hits_cur, len(cur))
    share = hits_cur / len(cur)
    rose = result.p_value < config.alpha and result.effect > 0
    too_high = share > config.max_out_of_scope_share
    detail = f"{share:.0%} now vs {hits_ref / len(ref):.0%} before, p={result.p_value:.3f}"
    if rose or too_high:
        message = f"more out-of-scope questions: {detail}"
    else:
        message = f"out-of-scope share stable: {detail}"
    return DriftCheck(name=name, result=result, alert=rose or too_high, message=message)


def _score_check(reference: list[Turn], current: list[Turn], config: MonitorConfig) -> DriftCheck:
    name = "top retrieval score (KS)"
    ref = [t.top_score for t in reference if t.top_score is not None]
    cur = [t.top_score for t in current if t.top_score is not None]
    have = min(len(ref), len(cur))
    if have < config.min_turns:
        return _not_enough(name, have, config.min_turns)
    result = ks_test(ref, cur)
    alert = result.p_value < config.alpha
    verdict = "retrieval scores have drifted" if alert else "retrieval scores stable"
    return DriftCheck(
        name=name,
        result=result,
        alert=alert,
        message=(
            f"{verdict}: KS D={result.statistic:.3f}, median change {result.effect:+.3f}, "
            f"p={result.p_value:.3f}"
        ),
    )


def drift_between(
    reference: list[Turn], current: list[Turn], config: MonitorConfig, embedder: Embedder
) -> DriftReport:
    """Run the three drift tests on the most recent `max_sample` turns of each sample."""
    reference = reference[-config.max_sample :]
    current = current[-config.max_sample :]
    return DriftReport(
        reference_turns=len(reference),
        current_turns=len(current),
        checks=[
            _question_check(reference, current, config, embedder),
            _scope_check(reference, current, config),
            _score_check(reference, current, config),
        ],
    )


def drift_report(
    turns: list[Turn], now: datetime, window: str, config: MonitorConfig, embedder: Embedder
) -> DriftReport:
    """Recent window [now - window, now) against the reference window just before it."""
    recent = parse_window(window)
    start = now - recent
    ref_start = start - parse_window(config.reference_window)
    reference = [t for t in turns if ref_start <= t.ts < start]
    current = [t for t in turns if start <= t.ts < now]
    return drift_between(reference, current, config, embedder)
