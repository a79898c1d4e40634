"""Step 2: find the passages: resolve a follow-up, retrieve, drop injected passages,
keep the ones close enough to show the model.

A follow-up is retrieved for twice, as resolved ("How is concept drift detected?") and in
its own words ("how is detected?"), the two rankings fused: the resolved question's
topic words pull the passages that define the topic, and what the follow-up newly asks
(detection) is in its own words."""

from __future__ import annotations

from collections.abc import Callable

from rag.answer import Passage
from rag.conversation import own_words, resolve
from rag.keyword import terms
from rag.pipeline.turn import Turn, timed
from rag.protocols import InputGuardLike

Retrieve = Callable[[str], list[Passage]]


def fuse_rankings(first: list[Passage], second: list[Passage], k: int = 60) -> list[Passage]:
    """The passages of two rankings by reciprocal rank (as retrieval fuses its own), as
    many as `first` holds, re-ranked from 1; ties keep `first`'s order."""
    score: dict[str, float] = {}
    by_id: dict[str, Passage] = {}
    for ranking in (first, second):
        for rank, passage in enumerate(ranking):
            score[passage.chunk_id] = score.get(passage.chunk_id, 0.0) + 1.0 / (k + rank + 1)
            by_id.setdefault(passage.chunk_id, passage)
    best = sorted(score, key=lambda c: -score[c])[: len(first)]
    return [by_id[c].model_copy(update={"rank": n}) for n, c in enumerate(best, start=1)]


class PassageStep:
    """Retrieval plus the passage scan and the relevance floor."""

    def __init__(
        self,
        retrieve: Retrieve,
        *,
        guard: InputGuardLike | None,
        scan_passages: bool,
        history_turns: int,
        min_passage_score: float,
        follow_up_words: bool = True,
    ) -> None:
        self.retrieve = retrieve
        self.guard = guard if scan_passages else None
        self.history_turns = history_turns
        self.min_passage_score = min_passage_score
        self.follow_up_words = follow_up_words

    def find(self, turn: Turn) -> None:
        """Fill `turn.passages` (retrieved, screened) and `turn.usable` (close enough)."""
        history = turn.history[-self.history_turns :] if self.history_turns else []
        turn.answer.resolved_question = resolve(turn.text, history)
        with timed(turn.timings, "retrieval_s"):
            retrieved = self.retrieve(turn.answer.resolved_question)
            if turn.answer.resolved_question != turn.text.strip() and self.follow_up_words:
                asked = own_words(turn.text)
                if terms(asked):
                    retrieved = fuse_rankings(retrieved, self.retrieve(asked))
        turn.passages = self._drop_injected(retrieved, turn)
        turn.answer.passages = turn.passages
        turn.usable = [p for p in turn.passages if p.dense_score >= self.min_passage_score]

    def _drop_injected(self, passages: list[Passage], turn: Turn) -> list[Passage]:
        if self.guard is None:
            return passages
        kept = []
        with timed(turn.timings, "safety_s"):
            for passage in passages:
                verdict = self.guard.check_passage(passage.text)
                if verdict.allowed:
                    kept.append(passage)
                else:
                    turn.answer.safety.passages.append(verdict.model_copy(update={"text": ""}))
        return kept
