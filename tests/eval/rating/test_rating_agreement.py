"""Krippendorff's alpha and weighted kappa against published and hand-computed values."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from eval.rating.agreement import coincidence_matrix, krippendorff_alpha, weighted_kappa

nan = np.nan
# K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: four
# observers x twelve units with missing values; the same matrix is the "C" example in R's
# irr::kripp.alpha documentation. Published: nominal .743, ordinal .815, interval .849.
KRIPPENDORFF_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
).T


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_matches_krippendorffs_worked_example(level: str, published: float) -> None:
    assert krippendorff_alpha(KRIPPENDORFF_C, level) == pytest.approx(published, abs=5e-4)  # type: ignore[arg-type]


def test_coincidence_matrix_drops_lone_values_and_counts_pairable_ones() -> None:
    values, o = coincidence_matrix(KRIPPENDORFF_C)
    assert list(values) == [1, 2, 3, 4, 5]
    assert o.sum() == pytest.approx(40)  # n.. in the worked example: unit 12's lone 3 is dropped
    assert np.allclose(o, o.T)


def test_alpha_is_one_for_perfect_agreement_and_nan_without_pairs() -> None:
    perfect = np.array([[1, 1], [3, 3], [5, 5], [2, 2]], dtype=float)
    assert krippendorff_alpha(perfect) == pytest.approx(1.0)
    assert math.isnan(krippendorff_alpha(np.array([[1, nan], [nan, 2]])))


def test_alpha_falls_as_simulated_raters_get_noisier() -> None:
    rng = np.random.default_rng(7)
    truth = rng.integers(1, 6, size=200)
    alphas = []
    for noise in (0.0, 0.5, 1.0, 2.0, 4.0):
        ratings = np.clip(np.rint(truth[:, None] + rng.normal(0, noise, (200, 3))), 1, 5)
        ratings[rng.random((200, 3)) < 0.2] = nan
        alphas.append(krippendorff_alpha(ratings, "ordinal"))
    assert alphas[0] == pytest.approx(1.0)
    assert all(a > b for a, b in itertools.pairwise(alphas))
    assert alphas[-1] < 0.5


def test_quadratic_kappa_hand_computed() -> None:
    # a: 1 2 3 1 2, b: 1 2 3 2 3; weights (i-j)^2/4. Observed weighted disagreement
    # 0.25 + 0.25 = 0.5; expected sum r_i c_j w_ij / 5 = 8/5; kappa = 1 - 0.5/1.6 = 11/16.
    assert weighted_kappa([1, 2, 3, 1, 2], [1, 2, 3, 2, 3], categories=(1, 2, 3)) == pytest.approx(
        11 / 16
    )


def test_kappa_agrees_with_sklearn_when_installed() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    a = rng.integers(1, 6, 60)
    b = np.clip(a + rng.integers(-1, 2, 60), 1, 5)
    ours = weighted_kappa(a, b)
    assert ours == pytest.approx(metrics.cohen_kappa_score(a, b, weights="quadratic"))


def test_kappa_rejects_scores_outside_the_categories() -> None:
    with pytest.raises(ValueError, match="not one of the categories"):
        weighted_kappa([1, 7], [1, 2])
