"""Ranking configurations from side-by-side votes: Bradley-Terry, win rates, position bias.

Bradley-Terry is fitted with Hunter's (2004) MM iteration p_i <- W_i / sum_j n_ij/(p_i+p_j);
ties (and "both bad") count half a win to each side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel
from scipy.stats import binomtest

Vote = tuple[str, str, float]
"""(configuration i, configuration j, score of i: 1 win, 0.5 tie, 0 loss)."""


class LeaderboardRow(BaseModel):
    config: str
    strength: float
    log_strength: float
    ci_low: float
    ci_high: float
    comparisons: int


class PositionBias(BaseModel):
    decisive: int
    first_wins: int
    first_rate: float
    p_value: float


def _tally(
    votes: Sequence[Vote], names: list[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wins matrix W[i, j] (i over j, ties halved) and games matrix N[i, j]."""
    index = {name: k for k, name in enumerate(names)}
    wins = np.zeros((len(names), len(names)))
    for first, second, score in votes:
        i, j = index[first], index[second]
        wins[i, j] += score
        wins[j, i] += 1.0 - score
    return wins, wins + wins.T


def fit_bradley_terry(
    wins: NDArray[np.float64], prior: float = 0.1, tol: float = 1e-10, max_iter: int = 10_000
) -> NDArray[np.float64]:
    """Strengths (summing to 1) from a wins matrix by the MM algorithm.

    `prior` adds that many virtual ties between every pair, so a configuration that never
    won keeps a finite strength and an unconnected comparison graph still has a solution.
    """
    k = wins.shape[0]
    w = wins + prior / 2.0 * (1.0 - np.eye(k))
    games = w + w.T
    total_wins = w.sum(axis=1)
    p = np.full(k, 1.0 / k)
    for _ in range(max_iter):
        denom = (games / (p[:, None] + p[None, :])).sum(axis=1)
        new = total_wins / denom
        new /= new.sum()
        if np.max(np.abs(new - p)) < tol:
            return np.asarray(new, dtype=float)
        p = new
    return np.asarray(p, dtype=float)


def leaderboard(
    votes: Sequence[Vote], n_boot: int = 500, seed: int = 0, prior: float = 0.1
) -> list[LeaderboardRow]:
    """Bradley-Terry leaderboard with percentile bootstrap 95% intervals on log-strength.

    Log-strengths are centred to mean 0; the bootstrap resamples whole votes.
    """
    names = sorted({v[0] for v in votes} | {v[1] for v in votes})
    if not names:
        return []
    wins, games = _tally(votes, names)

    def centred_log(p: NDArray[np.float64]) -> NDArray[np.float64]:
        logs = np.log(p)
        return np.asarray(logs - logs.mean(), dtype=float)

    strength = fit_bradley_terry(wins, prior)
    rng = np.random.default_rng(seed)
    samples = np.empty((n_boot, len(names)))
    for b in range(n_boot):
        picks = rng.integers(0, len(votes), size=len(votes))
        resampled = [votes[i] for i in picks]
        samples[b] = centred_log(fit_bradley_terry(_tally(resampled, names)[0], prior))
    low, high = np.percentile(samples, [2.5, 97.5], axis=0) if n_boot else (None, None)
    logs = centred_log(strength)
    rows = [
        LeaderboardRow(
            config=name,
            strength=float(strength[k]),
            log_strength=float(logs[k]),
            ci_low=float(low[k]) if low is not None else float("nan"),
            ci_high=float(high[k]) if high is not None else float("nan"),
            comparisons=int(games[k].sum()),
        )
        for k, name in enumerate(names)
    ]
    return sorted(rows, key=lambda r: r.strength, reverse=True)


def win_rate_matrix(votes: Sequence[Vote]) -> tuple[list[str], NDArray[np.float64]]:
    """Row config's win rate against column config (ties halved); NaN where never compared."""
    names = sorted({v[0] for v in votes} | {v[1] for v in votes})
    wins, games = _tally(votes, names)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.where(games > 0, wins / np.where(games > 0, games, 1.0), np.nan)
    return names, rates


def position_bias(first_side_won: Sequence[bool]) -> PositionBias:
    """Do raters pick the first (left) answer more often than chance? Two-sided binomial test.

    Takes one boolean per decisive vote (ties and 'both bad' excluded): True when the
    answer shown first won.
    """
    n = len(first_side_won)
    k = int(sum(first_side_won))
    p_value = float(binomtest(k, n, 0.5).pvalue) if n else 1.0
    return PositionBias(
        decisive=n, first_wins=k, first_rate=k / n if n else float("nan"), p_value=p_value
    )
