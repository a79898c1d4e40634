"""Step 5: open with the course's own words: the sentences that best answer the question.

The quote is chosen once per turn (`QuoteStep.quote`): shown at once in quote-first mode,
and used by the finishing step either way.
"""

from __future__ import annotations

from rag.compose import quoted_part
from rag.grounding import GroundedText, GroundingChecker
from rag.pipeline.screening import OutputScreen
from rag.pipeline.turn import Turn, timed


class QuoteStep:
    """Chooses the course quote and, in quote-first mode, shows it before generation."""

    def __init__(
        self,
        grounding: GroundingChecker,
        screen: OutputScreen,
        *,
        quote_first: bool,
        min_similarity: float,
    ) -> None:
        self.grounding = grounding
        self.screen = screen
        self.quote_first = quote_first
        self.min_similarity = min_similarity

    def quote(self, turn: Turn) -> GroundedText | None:
        """The best-matching course sentences over the usable passages (chosen once)."""
        if not turn.quote_tried:
            with timed(turn.timings, "grounding_s"):
                turn.quote = self.grounding.extract(
                    turn.answer.resolved_question, turn.usable, self.min_similarity
                )
            turn.quote_tried = True
        return turn.quote

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
