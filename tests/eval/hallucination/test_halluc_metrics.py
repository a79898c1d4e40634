"""Metric definitions on hand-made per-question records, and the bootstrap intervals."""

from __future__ import annotations

import random

import pytest

from eval.hallucination.metrics import (
    QuestionMetrics,
    abstention_f1,
    abstention_precision,
    abstention_recall,
    claim_faithfulness,
    hallucination_rate,
    trap_failure_rate,
)
from eval.hallucination.stats import bootstrap_ci, paired_bootstrap_diff


def record(kind: str, declined: bool, unsupported: int = 0, claims: int = 2) -> QuestionMetrics:
    return QuestionMetrics(
        kind=kind,
        declined=declined,
        n_claims=0 if declined else claims,
        n_unsupported=0 if declined else unsupported,
        hallucinated=None if declined else unsupported > 0,
        trap_failure=None if kind != "trap" else unsupported > 0,
    )


def test_abstention_precision_recall_f1_count_correct_refusals() -> None:
    records = [
        record("unanswerable", declined=True),  # correct refusal: true positive
        record("unanswerable", declined=True),
        record("unanswerable", declined=False, unsupported=1),  # answered: false negative
        record("answerable", declined=True),  # wrongly declined: false positive
        record("answerable", declined=False),
        record("trap", declined=True),  # traps are not part of the abstention metrics
    ]
    assert abstention_precision(records) == pytest.approx(2 / 3)
    assert abstention_recall(records) == pytest.approx(2 / 3)
    assert abstention_f1(records) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))


def test_hallucination_rate_ignores_declined_and_counts_claims() -> None:
    records = [
        record("answerable", False, unsupported=1),
        record("answerable", False),
        record("unanswerable", True),
        record("trap", False, unsupported=2),
    ]
    assert hallucination_rate(records) == pytest.approx(2 / 3)
    assert claim_faithfulness(records) == pytest.approx(3 / 6)
    assert trap_failure_rate(records) == 1.0
    assert abstention_f1([record("answerable", False)]) is None


def share(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def test_bootstrap_ci_contains_estimate_and_narrows_with_n() -> None:
    rng = random.Random(1)
    small = [float(rng.random() < 0.3) for _ in range(40)]
    large = [float(rng.random() < 0.3) for _ in range(1000)]
    a = bootstrap_ci(small, share, reps=1000, seed=0)
    b = bootstrap_ci(large, share, reps=1000, seed=0)
    for est in (a, b):
        assert est.low is not None and est.high is not None and est.value is not None
        assert est.low <= est.value <= est.high
    assert (b.high - b.low) < (a.high - a.low) / 2  # type: ignore[operator]
    assert bootstrap_ci(small, share, seed=7) == bootstrap_ci(small, share, seed=7)


def test_paired_difference_detects_a_real_change_and_not_a_null_one() -> None:
    rng = random.Random(2)
    base = [float(rng.random() < 0.5) for _ in range(200)]
    worse = [1.0 if rng.random() < 0.3 else x for x in base]
    diff = paired_bootstrap_diff(list(zip(base, worse, strict=True)), share, reps=1000)
    assert diff.low is not None and diff.low > 0
    same = paired_bootstrap_diff(list(zip(base, base, strict=True)), share, reps=200)
    assert same.value == 0 and same.low == 0 and same.high == 0
