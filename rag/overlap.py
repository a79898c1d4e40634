"""How much of a question a candidate sentence holds, counting its distinctive words most.

Every sentence retrieved for "Are Python's sorts stable?" is about sorting; the one that
answers says "stable". An unweighted share of the question's terms ranks "The Timsort
algorithm used in Python does multiple sorts ..." (python, sort) level with "Sorts are
guaranteed to be stable." (sort, stable). Weighting each term by its inverse frequency
among the candidates themselves makes the words all of them share (the topic) count
little and the word that tells them apart (what was asked) count much: the idea of IDF,
taken over the passages at hand instead of the whole index, so it needs no statistics of
any particular course.

The weights are scaled so that a sentence holding every question term some candidate
holds scores what the plain share gives it: thresholds set on the plain share (the
quote's minimum similarity) keep their meaning, and only the order among the others moves.
Half of each weight stays flat: over a handful of candidates an incidental word of the
question ("value" in "What value does the example give?") is as rare as the one that was
asked, and weights by rarity alone pushed the right sentence under that minimum.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def plain_overlap(question_terms: set[str], candidates: Sequence[set[str]]) -> list[float]:
    """Each candidate's share of the question's terms, every term alike."""
    if not question_terms:
        return [0.0] * len(candidates)
    return [len(question_terms & held) / len(question_terms) for held in candidates]


def distinctive_weights(
    question_terms: set[str], candidates: Sequence[set[str]]
) -> dict[str, float]:
    """The weight of each question term some candidate holds: log(1 + N / (1 + n)) for N
    candidates, n of them holding it, scaled to sum to the number of such terms (so a
    candidate holding them all scores the plain share), then averaged with 1 (half of
    each weight flat; the sum is unchanged)."""
    holding = Counter(t for held in candidates for t in held & question_terms)
    raw = {t: math.log(1 + len(candidates) / (1 + n)) for t, n in holding.items()}
    scale = len(raw) / sum(raw.values()) if raw else 0.0
    return {t: (1.0 + w * scale) / 2.0 for t, w in raw.items()}


def distinctive_overlap(question_terms: set[str], candidates: Sequence[set[str]]) -> list[float]:
    """Each candidate's share of the question, its terms weighted by `distinctive_weights`."""
    if not question_terms:
        return [0.0] * len(candidates)
    weights = distinctive_weights(question_terms, candidates)
    size = len(question_terms)
    return [sum(w for t, w in weights.items() if t in held) / size for held in candidates]
