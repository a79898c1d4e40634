"""Step 3: decide whether to abstain before the model writes anything."""

from __future__ import annotations

from rag.grounding import GroundingChecker, mentioned_only_as_example
from rag.pipeline.messages import WEAK_RETRIEVAL, abstain, mentioned_as_example
from rag.pipeline.turn import Turn


class AbstentionStep:
    """Abstain when nothing retrieved is close enough, or when the course only mentions
    the question as an example (it asks it to show a model hallucinating)."""

    def __init__(
        self, grounding: GroundingChecker, *, min_dense_score: float, example_overlap: float
    ) -> None:
        self.grounding = grounding
        self.min_dense_score = min_dense_score
        self.example_overlap = example_overlap

    def decide(self, turn: Turn) -> bool:
        """True (and the answer filled in) when the assistant declines."""
        top = max((p.dense_score for p in turn.passages), default=0.0)
        if not turn.usable or top < self.min_dense_score:
            abstain(turn.answer, "weak-retrieval", WEAK_RETRIEVAL)
            return True
        example = mentioned_only_as_example(
            turn.answer.resolved_question, turn.usable[:2], self.example_overlap
        )
        if example is None:
            return False
        abstain(turn.answer, "mentioned-as-example", mentioned_as_example(example.section))
        turn.answer.citations = self.grounding.cite_whole(example)
        return True
