"""Stability of retrieval and answers between a question and its perturbed twin."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    """|A ∩ B| / |A ∪ B| of two retrieved id lists (1.0 when both are empty)."""
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def overlap_at_k(a: Sequence[str], b: Sequence[str], k: int) -> float:
    """Share of the top-k of `a` that is also in the top-k of `b`."""
    top_a, top_b = list(a)[:k], set(list(b)[:k])
    if not top_a:
        return 1.0 if not top_b else 0.0
    return sum(x in top_b for x in top_a) / len(top_a)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 1.0 if na == nb else 0.0
    return float(np.dot(a, b) / (na * nb))
