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

    def screen(self, text: str, timings: Timings) -> Screened:
        """What of `text` may be shown, timed as safety work."""
        if self.guard is None:
            return Screened(shown=text)
        with timed(timings, "safety_s"):
            verdict = self.guard.check(text)
        if not verdict.allowed:
            return Screened(shown=None, verdict=verdict)
        shown = verdict.text if verdict.action == "redact" and verdict.text else text
        return Screened(shown=shown, verdict=verdict)

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
