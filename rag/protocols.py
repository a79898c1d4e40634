"""The swappable parts the answering pipeline talks to, as typed protocols.

The guards and the watermark detector live in safety/; the pipeline only needs these
methods of them, so tests can pass stand-ins and a deployment can pass its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from safety.verdict import Verdict
from safety.watermark.verdict import WatermarkVerdict


class OutputGuardLike(Protocol):
    """Judges a text the assistant is about to show."""

    def check(self, text: str, /) -> Verdict: ...


class InputGuardLike(Protocol):
    """Judges a question, and a retrieved passage for injected instructions."""

    def check(self, text: str, /) -> Verdict: ...

    def check_passage(self, text: str, /) -> Verdict: ...


class WatermarkDetectorLike(Protocol):
    """Tests generated token ids for the watermark."""

    def detect(self, token_ids: Sequence[int], /) -> WatermarkVerdict: ...
