"""The model's draft, shown to a reader one screened sentence at a time.

Tokens arrive before grounding and before the output guard has seen the answer. Showing
them raw would put unguarded text on screen for seconds, whatever the guard decides at
the end. A `DraftScreen` holds each sentence back until it is complete and the output
guard has passed it (PII redacted), and drops the ones the guard refuses. Grounding may
still remove a shown sentence from the final answer; the final text replaces the draft.
"""

from __future__ import annotations

from collections.abc import Callable

from safety.text import split_complete

Screen = Callable[[str, str], "str | None"]
"""(sentence, the sentences shown just before it) -> the sentence as it may be shown, or
None to withhold it. The context lets a guard read an instruction in its place: one
sentence alone ("carve the bowl with a hook knife") can read like part of a harmful
request."""

CONTEXT_SENTENCES = 2


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
        """Add a piece of the draft; screen every sentence it completes; all shown so far."""
        for _ in self.feed_sentences(piece):
            pass
        return self.shown

    def feed_sentences(self, piece: str) -> list[str]:
        """Add a piece of the draft; the sentences it completes that passed the screen."""
        self._pending += piece
        complete, self._pending = split_complete(self._pending)
        released = []
        for sentence in complete:
            passed = self._release(sentence)
            if passed is not None:
                released.append(passed)
        return released

    def flush(self) -> list[str]:
        """At the end of the draft: release its last sentence if it is a finished one."""
        tail, self._pending = self._pending.strip(), ""
        if not tail.endswith((".", "!", "?")):
            return []
        passed = self._release(tail)
        return [passed] if passed is not None else []

    def _release(self, sentence: str) -> str | None:
        if not sentence.strip():
            return None
        context = " ".join(self._shown[-CONTEXT_SENTENCES:])
        passed = self._screen(sentence.strip(), context)
        if passed is None:
            self.withheld += 1
        else:
            self._shown.append(passed)
        return passed
