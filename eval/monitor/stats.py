"""Two-sample tests used by the drift and A/B reports, each returning an effect and a p-value."""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel
from scipy import stats


class TwoSampleResult(BaseModel):
    """The outcome of one two-sample test."""

    test: str
    statistic: float
    p_value: float
    effect: float
    n_a: int
    n_b: int


def _rbf_gram(x: np.ndarray, bandwidth: float) -> np.ndarray:
    sq = np.sum(x * x, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * x @ x.T, 0.0)
    return np.asarray(np.exp(-d2 / (2.0 * bandwidth * bandwidth)))


def _mmd2(gram: np.ndarray, idx_a: np.ndarray, idx_b: np.ndarray) -> float:
    """Unbiased squared MMD from a pooled Gram matrix and the index sets of the two samples."""
    kaa = gram[np.ix_(idx_a, idx_a)]
    kbb = gram[np.ix_(idx_b, idx_b)]
    kab = gram[np.ix_(idx_a, idx_b)]
    m, n = len(idx_a), len(idx_b)
    term_a = (kaa.sum() - np.trace(kaa)) / (m * (m - 1))
    term_b = (kbb.sum() - np.trace(kbb)) / (n * (n - 1))
    return float(term_a + term_b - 2.0 * kab.mean())


def mmd_test(
    a: np.ndarray, b: np.ndarray, permutations: int = 200, seed: int = 0
) -> TwoSampleResult:
    """Kernel two-sample test (Gretton et al., 2012): RBF kernel, median-distance bandwidth,
    p-value from label permutations. `effect` is the unbiased MMD² itself."""
    if len(a) < 2 or len(b) < 2:
        raise ValueError("each sample needs at least 2 points")
    pooled = np.vstack([a, b]).astype(np.float64)
    sq = np.sum(pooled * pooled, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * pooled @ pooled.T, 0.0)
    off_diag = d2[np.triu_indices(len(pooled), k=1)]
    bandwidth = math.sqrt(float(np.median(off_diag)) / 2.0) or 1.0
    gram = _rbf_gram(pooled, bandwidth)
    m = len(a)
    labels = np.arange(len(pooled))
    observed = _mmd2(gram, labels[:m], labels[m:])
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(permutations):
        perm = rng.permutation(len(pooled))
        if _mmd2(gram, perm[:m], perm[m:]) >= observed:
            exceed += 1
    p_value = (exceed + 1) / (permutations + 1)
    return TwoSampleResult(
        test="mmd-permutation",
        statistic=observed,
        p_value=p_value,
        effect=observed,
        n_a=m,
        n_b=len(b),
    )


def ks_test(a: list[float], b: list[float]) -> TwoSampleResult:
    """Two-sample Kolmogorov-Smirnov; `effect` is the difference of medians (b - a)."""
    result = stats.ks_2samp(a, b)
    return TwoSampleResult(
        test="ks",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        effect=float(np.median(b) - np.median(a)),
        n_a=len(a),
        n_b=len(b),
    )


def two_proportion_test(hits_a: int, n_a: int, hits_b: int, n_b: int) -> TwoSampleResult:
    """Pooled two-proportion z-test, or Fisher's exact test when an expected count is under 5.
    `effect` is the rate difference (b - a)."""
    if n_a == 0 or n_b == 0:
        raise ValueError("both groups need at least one observation")
    rate_a, rate_b = hits_a / n_a, hits_b / n_b
    pooled = (hits_a + hits_b) / (n_a + n_b)
    expected = min(pooled * n_a, pooled * n_b, (1 - pooled) * n_a, (1 - pooled) * n_b)
    if expected < 5:
        table = [[hits_a, n_a - hits_a], [hits_b, n_b - hits_b]]
        odds, p = stats.fisher_exact(table)
        return TwoSampleResult(
            test="fisher",
            statistic=float(odds),
            p_value=float(p),
            effect=rate_b - rate_a,
            n_a=n_a,
            n_b=n_b,
        )
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (rate_b - rate_a) / se
    p = float(2 * stats.norm.sf(abs(z)))
    return TwoSampleResult(
        test="two-proportion-z", statistic=z, p_value=p, effect=rate_b - rate_a, n_a=n_a, n_b=n_b
    )


def mann_whitney(a: list[float], b: list[float]) -> TwoSampleResult:
    """Mann-Whitney U; `effect` is the difference of medians (b - a)."""
    result = stats.mannwhitneyu(a, b, alternative="two-sided")
    return TwoSampleResult(
        test="mann-whitney",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        effect=float(np.median(b) - np.median(a)),
        n_a=len(a),
        n_b=len(b),
    )
