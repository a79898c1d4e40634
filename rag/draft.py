"""The model's draft, shown to a reader one screened sentence at a time.

Tokens arrive before grounding and before the output guard has seen the answer. Showing
them raw would put unguarded text on screen for seconds, whatever the guard decides at
the end. A `DraftScreen` holds each sentence back until it is complete and the output
guard has passed it (PII redacted), and drops the ones the guard refuses. Grounding may
still remove a shown sentence from the final answer; the final text replaces the draft.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from safety.text import split_complete

Screen = Callable[[str], "str | None"]
"""Returns the sentence as it may be shown, or None to withhold it."""


def guard_screen(output_guard: Any) -> Screen:
    """A screen from an OutputGuard (or None: everything passes)."""

    def screen(sentence: str) -> str | None:
        if output_guard is None:
            return sentence
        verdict = output_guard.check(sentence)
        if not verdict.allowed:
            return None
        return verdict.text if verdict.action == "redact" and verdict.text else sentence

    return screen


class DraftScreen:
    """Feed it draft pieces; `shown` is what may be displayed so far."""

    def __init__(self, screen: Screen) -> None:
        self._screen = screen
        self._pending = ""
        self._shown: list[str] = []
        self.withheld = 0

    @property
    def shown(self) -> str:
        return " ".join(self._shown)

    def feed(self, piece: str) -> str:
        """Add a piece of the draft; screen every sentence it completes."""
        self._pending += piece
        complete, self._pending = split_complete(self._pending)
        for sentence in complete:
            self._release(sentence)
        return self.shown

    def _release(self, sentence: str) -> None:
        if not sentence.strip():
            return
        passed = self._screen(sentence.strip())
        if passed is None:
            self.withheld += 1
        else:
            self._shown.append(passed)
