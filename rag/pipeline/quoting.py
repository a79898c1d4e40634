"""Step 5: open with the course's own words: the sentences that best answer the question.

The quote is chosen once per turn (`QuoteStep.quote`): shown at once in quote-first mode,
and used by the finishing step either way. A multi-part question gets a quote for each
part the passages answer, and a comparison one for each side; a part they do not answer
and a premise they do not support are said so, in the quote's own words around it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answer import Passage
from rag.compose import join_quotes, quoted_part
from rag.grounding import GroundedText, GroundingChecker
from rag.keyword import terms
from rag.pipeline.messages import Wording
from rag.pipeline.screening import OutputScreen
from rag.pipeline.turn import Turn, timed
from rag.question_parts import comparison_sides, subject

MAX_PREMISE_SUBJECT_WORDS = 4


def premise_question(premise: str) -> str | None:
    """What to quote beside a premise the documents do not state: what they say about its
    subject ("data drift is a sudden change ..." -> "What is data drift?"), when the
    subject is a short noun phrase; otherwise None (quote for the question itself)."""
    focus = subject(premise)
    if focus == premise.strip(" ?.!") or not 0 < len(focus.split()) <= MAX_PREMISE_SUBJECT_WORDS:
        return None
    return f"What is {focus}?"


class QuoteStep:
    """Chooses the course quote and, in quote-first mode, shows it before generation."""

    def __init__(
        self,
        grounding: GroundingChecker,
        screen: OutputScreen,
        *,
        quote_first: bool,
        min_similarity: float,
        wording: Wording | None = None,
    ) -> None:
        self.grounding = grounding
        self.screen = screen
        self.quote_first = quote_first
        self.min_similarity = min_similarity
        self.wording = wording or Wording()

    def quote(self, turn: Turn) -> GroundedText | None:
        """The best-matching course sentences over the usable passages (chosen once)."""
        if not turn.quote_tried:
            with timed(turn.timings, "grounding_s"):
                turn.quote = self._choose(turn)
            turn.quote_tried = True
        return turn.quote

    def _extract(self, question: str, passages: Sequence[Passage]) -> GroundedText | None:
        return self.grounding.extract(question, passages, self.min_similarity)

    def _choose(self, turn: Turn) -> GroundedText | None:
        asked = turn.parts or [turn.answer.resolved_question]
        if turn.premise is not None:
            asked = [premise_question(turn.premise) or asked[0]]
        quotes = [q for q in (self._extract(part, turn.usable) for part in asked) if q]
        if self.grounding.tuning.question_parts:
            quotes.extend(self._other_sides(asked, quotes, turn.usable))
        before = [self.wording.premise_not_stated(turn.premise)] if turn.premise else []
        after = [self.wording.part_not_covered(part) for part in turn.uncovered]
        if not quotes:
            return None
        if len(quotes) == 1 and not before and not after:
            return quotes[0]
        return join_quotes(quotes, before, after)

    def _other_sides(
        self, asked: Sequence[str], quotes: Sequence[GroundedText], passages: Sequence[Passage]
    ) -> list[GroundedText]:
        """A quote for each side of a comparison the quotes so far do not mention."""
        quoted = {t for q in quotes for s in q.sentences for t in terms(s.text)}
        extra: list[GroundedText] = []
        for part in asked:
            for side in comparison_sides(part):
                if set(terms(side)) <= quoted:
                    continue
                found = self._extract(f"What is {side}?", passages)
                if found is not None:
                    extra.append(found)
                    quoted |= {t for s in found.sentences for t in terms(s.text)}
        return extra

    def open(self, turn: Turn) -> str | None:
        """The opening to show now (screened), or None when the answer opens otherwise."""
        if not self.quote_first:
            return None
        quote = self.quote(turn)
        if quote is None:
            return None
        shown = self.screen.screen(quoted_part(quote), turn.timings).shown
        if shown:
            turn.timings.first_text_s = turn.elapsed()
        return shown
