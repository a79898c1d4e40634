"""Offline A/B test of two runs: each metric's difference (B - A) with a paired bootstrap CI."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from eval.hallucination.errors import RunDirError
from eval.hallucination.metrics import LOWER_IS_BETTER, RATES, QuestionMetrics
from eval.hallucination.runner import load_run
from eval.hallucination.stats import Estimate, bootstrap_ci, paired_bootstrap_diff


class MetricComparison(BaseModel):
    metric: str
    a: Estimate
    b: Estimate
    diff: Estimate
    lower_is_better: bool

    @property
    def verdict(self) -> str:
        low, high = self.diff.low, self.diff.high
        if low is None or high is None or low <= 0 <= high:
            return "no clear difference"
        better = (high < 0) == self.lower_is_better
        return "B better" if better else "B worse"


class Comparison(BaseModel):
    run_a: str
    run_b: str
    shared_questions: int
    metrics: list[MetricComparison]


def compare_runs(run_a: Path, run_b: Path, reps: int = 2000, seed: int = 0) -> Comparison:
    """Pair the two runs' results by question id and bootstrap the differences."""
    _, records_a = load_run(run_a)
    _, records_b = load_run(run_b)
    by_id_b = {r["id"]: r for r in records_b}
    pairs = [
        (
            QuestionMetrics.model_validate(r["metrics"]),
            QuestionMetrics.model_validate(by_id_b[r["id"]]["metrics"]),
        )
        for r in records_a
        if r["id"] in by_id_b
    ]
    if not pairs:
        raise RunDirError(f"{run_a} and {run_b} share no question ids; nothing to compare.")
    rows = []
    for name, fn in RATES.items():
        rows.append(
            MetricComparison(
                metric=name,
                a=bootstrap_ci([p[0] for p in pairs], fn, reps=reps, seed=seed),
                b=bootstrap_ci([p[1] for p in pairs], fn, reps=reps, seed=seed),
                diff=paired_bootstrap_diff(pairs, fn, reps=reps, seed=seed),
                lower_is_better=name in LOWER_IS_BETTER,
            )
        )
    return Comparison(run_a=str(run_a), run_b=str(run_b), shared_questions=len(pairs), metrics=rows)
