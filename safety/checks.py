"""The one-method protocol every safety check implements, and what a check returns."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field


class CheckResult(BaseModel):
    """Scores in [0, 1] per category, why, and (for redacting checks) the rewritten text."""

    scores: dict[str, float] = Field(default_factory=dict)
    reasons: dict[str, str] = Field(default_factory=dict)
    redacted_text: str | None = None


class Check(Protocol):
    """A swappable safety check: text in, scores out. Must not raise on odd text."""

    name: str

    def __call__(self, text: str) -> CheckResult: ...
