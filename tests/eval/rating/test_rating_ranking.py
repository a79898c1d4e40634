"""Bradley-Terry recovers a known order; win rates and the position-bias test behave."""

from __future__ import annotations

import numpy as np
import pytest

from eval.rating.ranking import Vote, leaderboard, position_bias, win_rate_matrix


def simulate(strengths: dict[str, float], n: int, seed: int, tie_rate: float = 0.1) -> list[Vote]:
    rng = np.random.default_rng(seed)
    names = list(strengths)
    votes: list[Vote] = []
    for _ in range(n):
        i, j = rng.choice(len(names), size=2, replace=False)
        a, b = names[i], names[j]
        if rng.random() < tie_rate:
            votes.append((a, b, 0.5))
            continue
        p = strengths[a] / (strengths[a] + strengths[b])
        votes.append((a, b, 1.0 if rng.random() < p else 0.0))
    return votes


def test_bradley_terry_recovers_the_simulated_order() -> None:
    truth = {"hybrid": 8.0, "dense": 4.0, "keyword": 2.0, "off": 1.0}
    board = leaderboard(simulate(truth, 1500, seed=1), n_boot=100)
    assert [row.config for row in board] == ["hybrid", "dense", "keyword", "off"]
    ratio = board[0].strength / board[-1].strength
    assert 5 < ratio < 13  # true 8
    for row in board:
        assert row.ci_low < row.log_strength < row.ci_high


def test_bootstrap_intervals_shrink_with_more_votes() -> None:
    truth = {"a": 2.0, "b": 1.0}
    few = leaderboard(simulate(truth, 40, seed=2), n_boot=200)
    many = leaderboard(simulate(truth, 1000, seed=2), n_boot=200)
    width = lambda board: board[0].ci_high - board[0].ci_low  # noqa: E731
    assert width(many) < width(few)


def test_a_configuration_that_never_wins_keeps_a_finite_strength() -> None:
    board = leaderboard([("a", "b", 1.0)] * 10, n_boot=20)
    assert board[0].config == "a"
    assert all(np.isfinite(r.log_strength) for r in board)


def test_win_rate_matrix_counts_ties_as_half() -> None:
    names, rates = win_rate_matrix(
        [("a", "b", 1.0), ("a", "b", 0.5), ("b", "a", 1.0), ("a", "c", 1.0)]
    )
    assert names == ["a", "b", "c"]
    assert rates[0, 1] == pytest.approx(1.5 / 3)
    assert rates[1, 0] == pytest.approx(1.5 / 3)
    assert rates[0, 2] == 1.0
    assert np.isnan(rates[1, 2])


def test_position_bias_flags_raters_who_favour_the_first_answer() -> None:
    rng = np.random.default_rng(4)
    fair = position_bias(list(rng.random(300) < 0.5))
    biased = position_bias(list(rng.random(300) < 0.7))
    assert fair.p_value > 0.01
    assert biased.p_value < 0.001
    assert biased.first_rate > 0.6
    assert position_bias([]).decisive == 0
