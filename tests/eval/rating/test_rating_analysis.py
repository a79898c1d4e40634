"""The report's numbers from a simulated rating campaign stored in real SQLite."""

from __future__ import annotations

import numpy as np
import pytest

from eval.rating.analysis import summarise
from eval.rating.models import NewItem
from eval.rating.rubric import DIMENSIONS
from eval.rating.store import RatingStore
from rag.settings import Settings


def test_summary_from_simulated_raters() -> None:
    rng = np.random.default_rng(11)
    store = RatingStore.from_settings(Settings(), raters_per_item=3, seed=5)
    quality = rng.uniform(1, 5, size=30)
    store.add_items(
        [
            NewItem(
                kind="likert",
                question_id=f"q{k}",
                question="q",
                answer_a={"text": "a"},
                config_a="good" if k % 2 else "bad",
                metrics_a={"faithfulness": float(q / 5 + rng.normal(0, 0.05)), "flag": True},
            )
            for k, q in enumerate(quality)
        ]
    )
    for name in ("r1", "r2", "r3"):
        store.add_rater(name)
    for rater in ("r1", "r2", "r3"):
        while (view := store.next_item(rater)) is not None:
            true = quality[int(view.item_id) - 1]
            score = int(np.clip(np.rint(true + rng.normal(0, 0.4)), 1, 5))
            store.submit_likert(rater, view.item_id, dict.fromkeys(DIMENSIONS, score))
    summary = summarise(store, n_boot=10)
    assert summary.likert_ratings == 90
    for agreement in summary.agreement:
        assert agreement.units == 30
        assert agreement.ordinal > 0.8
        assert agreement.interval > 0.8
    assert {(k.rater_a, k.rater_b) for k in summary.kappas} == {
        ("r1", "r2"),
        ("r1", "r3"),
        ("r2", "r3"),
    }
    assert all(k.kappa > 0.7 for k in summary.kappas)
    faith = next(
        c
        for c in summary.correlations
        if c.dimension == "faithfulness" and c.metric == "faithfulness"
    )
    assert faith.n == 30 and faith.rho > 0.8 and faith.p_value < 1e-3
    assert not any(c.metric == "flag" for c in summary.correlations)  # booleans are not metrics
    assert summary.leaderboard == [] and summary.position_bias.decisive == 0
    assert set(summary.config_means) == {"good", "bad"}
    assert summary.config_means["good"]["safety"] == pytest.approx(
        np.mean([r["safety"] for r in store.ratings() if r["config"] == "good"])
    )
