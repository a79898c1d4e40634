"""Step 2: find the passages: resolve a follow-up, retrieve, drop injected passages,
keep the ones close enough to show the model."""

from __future__ import annotations

from collections.abc import Callable

from rag.answer import Passage
from rag.conversation import resolve
from rag.pipeline.turn import Turn, timed
from rag.protocols import InputGuardLike

Retrieve = Callable[[str], list[Passage]]


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
    ) -> None:
        self.retrieve = retrieve
        self.guard = guard if scan_passages else None
        self.history_turns = history_turns
        self.min_passage_score = min_passage_score

    def find(self, turn: Turn) -> None:
        """Fill `turn.passages` (retrieved, screened) and `turn.usable` (close enough)."""
        history = turn.history[-self.history_turns :] if self.history_turns else []
        turn.answer.resolved_question = resolve(turn.text, history)
        with timed(turn.timings, "retrieval_s"):
            retrieved = self.retrieve(turn.answer.resolved_question)
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
