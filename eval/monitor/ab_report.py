"""A/B report: outcomes per arm, differences against the control with significance tests.

Rates (thumbs-up among rated turns, abstention among turns) use a two-proportion z-test
(Fisher's exact test for small counts); latency uses Mann-Whitney U. The significance level
is Bonferroni-corrected over all comparisons made. A verdict is given only when a difference
is significant; with too little data the report says so instead.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from eval.monitor.config import MonitorConfig
from eval.monitor.stats import TwoSampleResult, mann_whitney, two_proportion_test
from eval.monitor.turns import Turn


class ArmOutcome(BaseModel):
    arm: str
    turns: int
    sessions: int
    rated: int
    thumbs_up_rate: float | None
    abstention_rate: float
    median_total_s: float | None


class Comparison(BaseModel):
    """One metric of one arm against the control; `better` is None when not significant."""

    arm: str
    metric: str
    result: TwoSampleResult
    significant: bool
    better: bool | None = None


class ABReport(BaseModel):
    control: str
    alpha: float
    outcomes: list[ArmOutcome]
    comparisons: list[Comparison] = Field(default_factory=list)
    recommendation: str


def _outcome(arm: str, turns: list[Turn]) -> ArmOutcome:
    rated = [t.feedback for t in turns if t.feedback is not None]
    totals = sorted(t.total_s for t in turns if t.total_s is not None)
    return ArmOutcome(
        arm=arm,
        turns=len(turns),
        sessions=len({t.session_id for t in turns if t.session_id}),
        rated=len(rated),
        thumbs_up_rate=(sum(v > 0 for v in rated) / len(rated)) if rated else None,
        abstention_rate=sum(t.abstained for t in turns) / len(turns) if turns else 0.0,
        median_total_s=totals[len(totals) // 2] if totals else None,
    )


def _compare(
    arm: str, control: list[Turn], treated: list[Turn], config: MonitorConfig
) -> list[tuple[str, TwoSampleResult, bool]]:
    """(metric, result, higher_is_better) for each metric with enough data."""
    found: list[tuple[str, TwoSampleResult, bool]] = []
    rated_c = [t.feedback for t in control if t.feedback is not None]
    rated_t = [t.feedback for t in treated if t.feedback is not None]
    if len(rated_c) >= config.ab_min_feedback and len(rated_t) >= config.ab_min_feedback:
        result = two_proportion_test(
            sum(v > 0 for v in rated_c), len(rated_c), sum(v > 0 for v in rated_t), len(rated_t)
        )
        found.append(("thumbs_up_rate", result, True))
    result = two_proportion_test(
        sum(t.abstained for t in control),
        len(control),
        sum(t.abstained for t in treated),
        len(treated),
    )
    found.append(("abstention_rate", result, False))
    lat_c = [t.total_s for t in control if t.total_s is not None]
    lat_t = [t.total_s for t in treated if t.total_s is not None]
    if len(lat_c) >= 2 and len(lat_t) >= 2:
        found.append(("total_s", mann_whitney(lat_c, lat_t), False))
    return found


def _recommend(control: str, comparisons: list[Comparison]) -> str:
    lines = []
    for arm in dict.fromkeys(c.arm for c in comparisons):
        mine = [c for c in comparisons if c.arm == arm and c.significant]
        if not mine:
            lines.append(f"{arm} vs {control}: no significant difference; keep collecting.")
            continue
        parts = [
            f"{c.metric} {'better' if c.better else 'worse'} ({c.result.effect:+.3g}, "
            f"p={c.result.p_value:.3g})"
            for c in mine
        ]
        if all(c.better for c in mine):
            verdict = f"consider promoting {arm}"
        elif not any(c.better for c in mine):
            verdict = f"keep {control}"
        else:
            verdict = "a trade-off; decide which metric matters"
        lines.append(f"{arm} vs {control}: {'; '.join(parts)} -> {verdict}.")
    return " ".join(lines)


def ab_report(turns: list[Turn], config: MonitorConfig, control: str | None = None) -> ABReport:
    """Compare every arm seen in `turns` with the control arm."""
    by_arm: dict[str, list[Turn]] = defaultdict(list)
    for turn in turns:
        by_arm[turn.arm].append(turn)
    arms = sorted(by_arm)
    if control is None or control not in by_arm:
        control = "default" if "default" in by_arm else (arms[0] if arms else "default")
    outcomes = [_outcome(a, by_arm[a]) for a in arms]
    others = [a for a in arms if a != control]
    if not others:
        return ABReport(
            control=control,
            alpha=config.ab_alpha,
            outcomes=outcomes,
            recommendation=f"only one arm ({control}) in the log: no experiment to report.",
        )
    short = [o for o in outcomes if o.turns < config.ab_min_turns]
    if short:
        need = ", ".join(f"{o.arm} has {o.turns}" for o in short)
        return ABReport(
            control=control,
            alpha=config.ab_alpha,
            outcomes=outcomes,
            recommendation=(
                f"not enough data: {need} turns, need {config.ab_min_turns} per arm; "
                "keep collecting."
            ),
        )
    raw = [(arm, *c) for arm in others for c in _compare(arm, by_arm[control], by_arm[arm], config)]
    alpha = config.ab_alpha / max(len(raw), 1)
    comparisons = []
    for arm, metric, result, higher_better in raw:
        significant = result.p_value < alpha
        better = ((result.effect > 0) == higher_better) if significant else None
        comparisons.append(
            Comparison(
                arm=arm, metric=metric, result=result, significant=significant, better=better
            )
        )
    return ABReport(
        control=control,
        alpha=alpha,
        outcomes=outcomes,
        comparisons=comparisons,
        recommendation=_recommend(control, comparisons),
    )
