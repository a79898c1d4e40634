"""Typed errors of the monitor."""

from __future__ import annotations

from rag.errors import CoursebotError


class TurnLogMissing(CoursebotError):
    """There is no turn log to report on yet."""


class BadWindow(CoursebotError):
    """A time window such as `1h` or `7d` could not be parsed."""
