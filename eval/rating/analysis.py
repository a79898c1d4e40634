"""Turn the stored ratings into the numbers of the report: agreement, scores, rankings."""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np
from pydantic import BaseModel
from scipy.stats import spearmanr

from eval.rating.agreement import krippendorff_alpha, weighted_kappa
from eval.rating.models import GoldResult
from eval.rating.ranking import (
    LeaderboardRow,
    PositionBias,
    Vote,
    leaderboard,
    position_bias,
    win_rate_matrix,
)
from eval.rating.rubric import DIMENSIONS
from eval.rating.store import RatingStore

WINNER_SCORE = {"a": 1.0, "b": 0.0, "tie": 0.5, "both_bad": 0.5}


class DimensionAgreement(BaseModel):
    dimension: str
    ordinal: float
    interval: float
    nominal: float
    units: int


class PairKappa(BaseModel):
    rater_a: str
    rater_b: str
    dimension: str
    kappa: float
    shared_items: int


class MetricCorrelation(BaseModel):
    dimension: str
    metric: str
    rho: float
    p_value: float
    n: int


class Summary(BaseModel):
    items: int
    likert_ratings: int
    comparisons: int
    raters: list[str]
    agreement: list[DimensionAgreement]
    kappas: list[PairKappa]
    config_means: dict[str, dict[str, float]]
    leaderboard: list[LeaderboardRow]
    win_names: list[str]
    win_rates: list[list[float | None]]
    verdict_counts: dict[str, int]
    position_bias: PositionBias
    correlations: list[MetricCorrelation]
    gold: list[GoldResult]


def _nan_to_none(x: float) -> float | None:
    return None if math.isnan(x) else x


def votes_from(comparisons: list[dict[str, Any]]) -> list[Vote]:
    return [(c["config_a"], c["config_b"], WINNER_SCORE[c["winner"]]) for c in comparisons]


def _agreement(ratings: list[dict[str, Any]]) -> tuple[list[DimensionAgreement], list[PairKappa]]:
    items = sorted({r["item_id"] for r in ratings})
    raters = sorted({r["rater_id"] for r in ratings})
    row, col = {i: k for k, i in enumerate(items)}, {r: k for k, r in enumerate(raters)}
    agreement, kappas = [], []
    for dim in DIMENSIONS:
        data = np.full((len(items), len(raters)), np.nan)
        for r in ratings:
            data[row[r["item_id"]], col[r["rater_id"]]] = r[dim]
        units = int(((~np.isnan(data)).sum(axis=1) >= 2).sum()) if items else 0
        agreement.append(
            DimensionAgreement(
                dimension=dim,
                ordinal=krippendorff_alpha(data, "ordinal") if units else math.nan,
                interval=krippendorff_alpha(data, "interval") if units else math.nan,
                nominal=krippendorff_alpha(data, "nominal") if units else math.nan,
                units=units,
            )
        )
        for a, b in combinations(raters, 2):
            x, y = data[:, col[a]], data[:, col[b]]
            shared = int((~np.isnan(x) & ~np.isnan(y)).sum())
            if shared >= 2:
                kappas.append(
                    PairKappa(
                        rater_a=a,
                        rater_b=b,
                        dimension=dim,
                        kappa=weighted_kappa(x, y),
                        shared_items=shared,
                    )
                )
    return agreement, kappas


def _correlations(ratings: list[dict[str, Any]]) -> list[MetricCorrelation]:
    """Spearman rho between each item's mean human score and each automatic metric."""
    per_item: dict[int, dict[str, Any]] = {}
    for r in ratings:
        entry = per_item.setdefault(
            r["item_id"], {"metrics": r["metrics"], **{d: [] for d in DIMENSIONS}}
        )
        for dim in DIMENSIONS:
            entry[dim].append(r[dim])
    metric_names = sorted(
        {
            name
            for e in per_item.values()
            for name, value in e["metrics"].items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
    )
    out = []
    for dim in DIMENSIONS:
        for metric in metric_names:
            pairs = [
                (float(np.mean(e[dim])), float(e["metrics"][metric]))
                for e in per_item.values()
                if isinstance(e["metrics"].get(metric), int | float)
                and not isinstance(e["metrics"].get(metric), bool)
                and not math.isnan(float(e["metrics"][metric]))
            ]
            if len(pairs) < 3:
                continue
            human, auto = np.array(pairs).T
            if np.ptp(human) == 0 or np.ptp(auto) == 0:
                continue
            result = spearmanr(human, auto)
            out.append(
                MetricCorrelation(
                    dimension=dim,
                    metric=metric,
                    rho=float(result.statistic),
                    p_value=float(result.pvalue),
                    n=len(pairs),
                )
            )
    return out


def summarise(store: RatingStore, n_boot: int = 500, seed: int = 0) -> Summary:
    """Every statistic of the report, from the store's current contents."""
    ratings, comparisons = store.ratings(), store.comparisons()
    agreement, kappas = _agreement(ratings)
    means: dict[str, dict[str, float]] = {}
    for config in sorted({r["config"] for r in ratings}):
        mine = [r for r in ratings if r["config"] == config]
        means[config] = {dim: float(np.mean([r[dim] for r in mine])) for dim in DIMENSIONS}
    votes = votes_from(comparisons)
    names, rates = win_rate_matrix(votes)
    decisive = [c["choice"] == "A" for c in comparisons if c["choice"] in ("A", "B")]
    counts = {v: sum(c["winner"] == v for c in comparisons) for v in ("a", "b", "tie", "both_bad")}
    return Summary(
        items=len(store.items()),
        likert_ratings=len(ratings),
        comparisons=len(comparisons),
        raters=[r.id for r in store.raters()],
        agreement=agreement,
        kappas=kappas,
        config_means=means,
        leaderboard=leaderboard(votes, n_boot=n_boot, seed=seed) if votes else [],
        win_names=names,
        win_rates=[[_nan_to_none(float(x)) for x in row] for row in rates],
        verdict_counts=counts,
        position_bias=position_bias(decisive),
        correlations=_correlations(ratings),
        gold=store.gold_results(),
    )
