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


def merge_results(results: list[CheckResult]) -> CheckResult:
    """Combine results of one check over several views of a text: max score per category."""
    merged = CheckResult()
    for result in results:
        for category, score in result.scores.items():
            if score > merged.scores.get(category, -1.0):
                merged.scores[category] = score
                if category in result.reasons:
                    merged.reasons[category] = result.reasons[category]
        if result.redacted_text is not None and merged.redacted_text is None:
            merged.redacted_text = result.redacted_text
    return merged
