"""The one rule for screening what the assistant shows: quotes, draft sentences, answers.

Every text passes the output guard before anyone sees it. Allowed as it is: shown.
Allowed with personal data redacted: shown redacted. Refused: not shown (a quote or a
draft sentence is left out; a final answer is replaced by a refusal naming the policy).
"""

from __future__ import annotations

from pydantic import BaseModel

from rag.answer import Timings
from rag.pipeline.messages import refuse
from rag.pipeline.turn import Turn, timed
from rag.protocols import OutputGuardLike
from safety.verdict import Verdict


class Screened(BaseModel):
    """A text after the output guard: what may be shown (None: nothing) and the verdict."""

    shown: str | None
    verdict: Verdict | None = None


class OutputScreen:
    """Applies the output guard (or, without one, passes everything)."""

    def __init__(self, guard: OutputGuardLike | None) -> None:
        self.guard = guard

    def screen(self, text: str, timings: Timings, context: str = "") -> Screened:
        """What of `text` may be shown, timed as safety work.

        With `context` (the text shown just before), the guard judges the two together;
        only when it asks to redact is `text` checked alone, for its own redacted form.
        """
        if self.guard is None:
            return Screened(shown=text)
        judged = f"{context} {text}" if context else text
        with timed(timings, "safety_s"):
            verdict = self.guard.check(judged)
        if not verdict.allowed:
            return Screened(shown=None, verdict=verdict)
        if verdict.action != "redact":
            return Screened(shown=text, verdict=verdict)
        if context:
            with timed(timings, "safety_s"):
                alone = self.guard.check(text)
            return Screened(shown=alone.text or text if alone.allowed else None, verdict=verdict)
        return Screened(shown=verdict.text or text, verdict=verdict)

    def screen_answer(self, turn: Turn) -> None:
        """Screen the final answer: withhold it, redact it, or leave it (abstentions pass)."""
        answer = turn.answer
        if self.guard is None or answer.abstained or answer.refused:
            return
        screened = self.screen(answer.text, turn.timings)
        answer.safety.output = screened.verdict
        if screened.shown is None and screened.verdict is not None:
            refuse(answer, screened.verdict, output=True)
        elif screened.shown is not None:
            answer.text = screened.shown
