"""Step 3: decide whether to abstain before the model writes anything."""

from __future__ import annotations

from collections.abc import Callable, Collection

from rag.evidence import judge
from rag.grounding import GroundingChecker, mentioned_only_as_example
from rag.pipeline.messages import (
    WEAK_RETRIEVAL,
    abstain,
    mentioned_as_example,
    not_in_evidence,
)
from rag.pipeline.turn import Turn, timed
from rag.question_type import classify

Vocabulary = Callable[[], Collection[str]]


class AbstentionStep:
    """Abstain when nothing retrieved is close enough, when the course only mentions the
    question as an example (it asks it to show a model hallucinating), or when the
    passages are on the topic but do not hold what was asked (`rag.evidence`)."""

    def __init__(
        self,
        grounding: GroundingChecker,
        *,
        min_dense_score: float,
        example_overlap: float,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.grounding = grounding
        self.min_dense_score = min_dense_score
        self.example_overlap = example_overlap
        self.vocabulary = vocabulary

    def decide(self, turn: Turn) -> bool:
        """True (and the answer filled in) when the assistant declines."""
        top = max((p.dense_score for p in turn.passages), default=0.0)
        if not turn.usable or top < self.min_dense_score:
            abstain(turn.answer, "weak-retrieval", WEAK_RETRIEVAL)
            return True
        example = mentioned_only_as_example(
            turn.answer.resolved_question, turn.usable[:2], self.example_overlap
        )
        if example is not None:
            abstain(turn.answer, "mentioned-as-example", mentioned_as_example(example.section))
            turn.answer.citations = self.grounding.cite_whole(example)
            return True
        return self._not_in_evidence(turn)

    def _not_in_evidence(self, turn: Turn) -> bool:
        tuning = self.grounding.tuning
        if not tuning.evidence_check:
            return False
        question = turn.answer.resolved_question
        with timed(turn.timings, "grounding_s"):
            ranked = self.grounding.score_candidates(question, turn.usable)
            verdict = judge(
                question,
                classify(question),
                turn.usable,
                ranked,
                tuning.evidence_sentences,
                self.vocabulary() if self.vocabulary and tuning.evidence_vocabulary else (),
            )
        if verdict.covered:
            return False
        near = turn.usable[verdict.nearby.passage] if verdict.nearby is not None else None
        text = not_in_evidence(
            verdict.missing_entities,
            verdict.unknown_terms,
            verdict.missing_kind,
            near.section if near is not None else None,
        )
        abstain(turn.answer, "not-in-evidence", text)
        if near is not None:
            turn.answer.citations = self.grounding.cite_whole(near)
        return True
