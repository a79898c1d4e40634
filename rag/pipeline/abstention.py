"""Step 3: decide whether to abstain before the model writes anything."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from rag.answer import Passage
from rag.evidence import EvidenceVerdict, judge
from rag.grounding import GroundingChecker, mentioned_only_as_example
from rag.pipeline.messages import Wording, abstain
from rag.pipeline.turn import Turn, timed
from rag.question_parts import premises, split_parts
from rag.question_type import classify
from rag.relation import stated_the_other_way
from rag.text import split_sentences

Vocabulary = Callable[[], Collection[str]]
CommonWords = Callable[[], frozenset[str]]
_QUANTITY = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)*)\s*-?\s*([A-Za-z%]+)")

_NOT_UNITS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "vs",
    ]
)


def quantities(text: str) -> set[tuple[str, str]]:
    """(number, short unit) pairs as written: "4 GB" -> ("4", "gb"), "200 ms", "70B". A
    premise's "4 GB" is not supported by a passage that says "4-bit" and "40 GB", though
    both numbers appear."""
    return {
        (n.replace(",", ""), unit.lower())
        for n, unit in _QUANTITY.findall(text)
        if len(unit) <= 3 and unit.lower() not in _NOT_UNITS
    }


class AbstentionStep:
    """Abstain when nothing retrieved is close enough, when the course only mentions the
    question as an example (it asks it to show a model hallucinating), or when the
    passages are on the topic but do not hold what was asked (`rag.evidence`).

    A multi-part question is judged part by part: it is declined only when no part is
    answered, and the parts left unanswered are recorded on the turn, to be said so. A
    premise of the question that no passage supports is recorded too, to be corrected.
    """

    def __init__(
        self,
        grounding: GroundingChecker,
        *,
        min_dense_score: float,
        example_overlap: float,
        vocabulary: Vocabulary | None = None,
        common_words: CommonWords | None = None,
        wording: Wording | None = None,
    ) -> None:
        self.grounding = grounding
        self.min_dense_score = min_dense_score
        self.example_overlap = example_overlap
        self.vocabulary = vocabulary
        self.common_words = common_words
        self.wording = wording or Wording()

    def decide(self, turn: Turn) -> bool:
        """True (and the answer filled in) when the assistant declines."""
        top = max((p.dense_score for p in turn.passages), default=0.0)
        if not turn.usable or top < self.min_dense_score:
            abstain(turn.answer, "weak-retrieval", self.wording.weak_retrieval)
            return True
        example = mentioned_only_as_example(
            turn.answer.resolved_question, turn.usable[:2], self.example_overlap
        )
        if example is not None:
            text = self.wording.mentioned_as_example(example.section)
            abstain(turn.answer, "mentioned-as-example", text)
            turn.answer.citations = self.grounding.cite_whole(example)
            return True
        premise = self.unsupported_premise(turn.answer.resolved_question, turn.usable)
        if self._not_in_evidence(turn, rare_terms=premise is None):
            return True
        turn.premise = premise
        return False

    def unsupported_premise(self, question: str, passages: Sequence[Passage]) -> str | None:
        """The first statement the question takes for granted that no passage supports
        (scored as a generated sentence would be, its quantities as written, and its
        cause and effect not the other way round, `rag.relation`), or None."""
        if not self.grounding.tuning.premise_check:
            return None
        stated = premises(question)
        if not stated:
            return None
        support = self.grounding.support_matrix(stated, passages)
        held = set().union(*(quantities(f"{p.section} {p.text}") for p in passages))
        sentences = [s for p in passages for s in split_sentences(p.text)]
        for premise, row in zip(stated, support, strict=True):
            if float(row.max(initial=0.0)) < self.grounding.threshold:
                return premise
            if not quantities(premise) <= held:
                return premise
            if stated_the_other_way(premise, sentences):
                return premise
        return None

    def _judge(self, question: str, turn: Turn, rare_terms: bool = True) -> EvidenceVerdict:
        tuning = self.grounding.tuning
        ranked = self.grounding.score_candidates(question, turn.usable, overlap="share")
        common: frozenset[str] | None = None
        if not tuning.evidence_vocabulary and rare_terms and tuning.evidence_rare_terms:
            common = self.common_words() if self.common_words else None
        wanted = tuning.evidence_vocabulary or bool(common)
        return judge(
            question,
            classify(question),
            turn.usable,
            ranked,
            tuning.evidence_sentences,
            self.vocabulary() if self.vocabulary is not None and wanted else (),
            common,
        )

    def _not_in_evidence(self, turn: Turn, rare_terms: bool = True) -> bool:
        """Decline when no part of the question is answered by the evidence. `rare_terms`
        is off for a question whose premise no passage supports: correcting the premise
        with what the documents do say tells the reader more than "no mention of X"."""
        if not self.grounding.tuning.evidence_check:
            return False
        question = turn.answer.resolved_question
        parts = split_parts(question) if self.grounding.tuning.question_parts else [question]
        with timed(turn.timings, "grounding_s"):
            verdicts = [self._judge(part, turn, rare_terms) for part in parts]
        if any(v.covered for v in verdicts):
            if len(parts) > 1:
                turn.parts = [p for p, v in zip(parts, verdicts, strict=True) if v.covered]
                turn.uncovered = [p for p, v in zip(parts, verdicts, strict=True) if not v.covered]
            return False
        verdict = verdicts[0]
        near = turn.usable[verdict.nearby.passage] if verdict.nearby is not None else None
        text = self.wording.not_in_evidence(
            verdict.missing_entities,
            verdict.unknown_terms,
            verdict.missing_kind,
            near.section if near is not None else None,
        )
        abstain(turn.answer, "not-in-evidence", text)
        if near is not None:
            turn.answer.citations = self.grounding.cite_whole(near)
        return True
