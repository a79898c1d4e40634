"""The first-ranked passage's bonus when choosing which passage to quote, at its tuned value.

Retrieval ranks whole passages (keywords and embeddings together); a single sentence's
score does not see that, so the first passage gets `top_passage_bonus` (0.06). An embedder
with chosen similarities shows the bonus deciding a close call and not overturning a
clear one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.answer import Passage
from rag.grounding import DEFAULT_TUNING, GroundingChecker

QUESTION = "What is data drift?"
FIRST = "Inputs shift slowly away from what the model saw."
SECOND = "Production traffic moves away from the training sample."
BONUS = DEFAULT_TUNING.top_passage_bonus
WEIGHT = DEFAULT_TUNING.quote_similarity_weight


class ChosenSimilarity:
    """Unit vectors whose dot product with the question's is set per sentence."""

    name = "chosen"
    dim = 2

    def __init__(self, similarity: dict[str, float]) -> None:
        self.similarity = similarity

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            s = next((v for k, v in self.similarity.items() if k in text), 1.0)
            rows.append([s, float(np.sqrt(1.0 - s * s))])
        return np.asarray(rows, dtype=np.float32)


def passage(chunk_id: str, text: str, section: str = "Monitoring") -> Passage:
    return Passage(
        chunk_id=chunk_id,
        source="course.md",
        section=section,
        text=text,
        start=0,
        end=1,
        dense_score=0.6,
    )


def _quoted(first_sim: float, second_sim: float, top_bonus: float | None = None) -> str:
    checker = GroundingChecker(ChosenSimilarity({FIRST: first_sim, SECOND: second_sim}), 0.5)
    passages = [passage("first", FIRST), passage("second", SECOND)]
    quoted = checker.extract(QUESTION, passages, 0.1, top_bonus=top_bonus)
    assert quoted is not None
    return quoted.citations[0].chunk_id


def test_the_tuned_bonus_is_the_documented_one() -> None:
    assert BONUS == 0.06


def test_the_bonus_decides_between_two_close_passages() -> None:
    # The second passage's best sentence scores half a bonus more than the first's
    # (no question terms appear in either, so only similarity counts).
    first, second = 0.6, 0.6 + (BONUS / 2) / WEIGHT
    assert _quoted(first, second, top_bonus=0.0) == "second"
    assert _quoted(first, second) == "first"


def test_the_bonus_does_not_overturn_a_clearly_better_passage() -> None:
    first, second = 0.6, 0.6 + (BONUS * 2) / WEIGHT
    assert _quoted(first, second) == "second"
