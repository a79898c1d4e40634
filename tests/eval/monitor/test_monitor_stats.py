"""The tests behind the alerts: quiet at the chosen false-alarm rate, firing on a real shift."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from eval.monitor.stats import ks_test, mann_whitney, mmd_test, two_proportion_test


def _fake_embeddings(rng: np.random.Generator, n: int, shift: float = 0.0) -> np.ndarray:
    x = rng.normal(size=(n, 16))
    x[:, 0] += shift
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_mmd_null_trials_stay_quiet_at_alpha() -> None:
    alpha = 0.05
    alarms = 0
    p_values = []
    for trial in range(20):
        rng = np.random.default_rng(trial)
        result = mmd_test(_fake_embeddings(rng, 30), _fake_embeddings(rng, 30), 100, seed=trial)
        p_values.append(result.p_value)
        alarms += result.p_value < alpha
    # Expected 1 alarm in 20 at alpha 0.05; 4 or more has probability < 2%.
    assert alarms <= 3
    assert 0.2 < float(np.mean(p_values)) < 0.8  # roughly uniform under the null


def test_mmd_fires_on_shift() -> None:
    rng = np.random.default_rng(0)
    result = mmd_test(_fake_embeddings(rng, 30), _fake_embeddings(rng, 30, shift=1.5), 100)
    assert result.p_value < 0.02
    assert result.effect > 0


def test_mmd_is_deterministic_given_seed() -> None:
    rng = np.random.default_rng(1)
    a, b = _fake_embeddings(rng, 20), _fake_embeddings(rng, 20)
    assert mmd_test(a, b, 50, seed=3) == mmd_test(a, b, 50, seed=3)
    with pytest.raises(ValueError):
        mmd_test(a[:1], b)


def test_two_proportion_matches_scipy_chi2_and_falls_back_to_fisher() -> None:
    z = two_proportion_test(40, 100, 60, 100)
    chi2 = stats.chi2_contingency([[40, 60], [60, 40]], correction=False)
    assert z.test == "two-proportion-z"
    assert z.p_value == pytest.approx(chi2.pvalue)
    assert z.effect == pytest.approx(0.2)
    small = two_proportion_test(1, 10, 4, 10)
    assert small.test == "fisher"
    assert small.p_value == pytest.approx(stats.fisher_exact([[1, 9], [4, 6]]).pvalue)


def test_ks_and_mann_whitney_effects() -> None:
    rng = np.random.default_rng(2)
    a = list(rng.normal(0.6, 0.05, 50))
    b = list(rng.normal(0.4, 0.05, 50))
    assert ks_test(a, b).p_value < 1e-6 and ks_test(a, b).effect < 0
    assert mann_whitney(a, b).p_value < 1e-6 and mann_whitney(a, a).p_value > 0.9
