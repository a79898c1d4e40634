"""The result every safety check and guard returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Action = Literal["allow", "redact", "refuse"]


class Verdict(BaseModel):
    """What a guard decided about one piece of text, and why.

    `text` is the text to pass on: the original when allowed, the redacted text when
    PII was removed, and the PII-redacted text when refused. `reasons` name the policy
    and why (category, score, where it was found), never the user's words, so they can
    be shown and logged as they are. `fail_closed` is True when a check could not judge
    the text (a broken model, NaN scores) and the guard refused to be safe.
    """

    allowed: bool
    action: Action
    scores: dict[str, float] = Field(default_factory=dict)
    categories: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    policy: str | None = None
    text: str = ""
    latency_ms: float = 0.0
    check_ms: dict[str, float] = Field(default_factory=dict)
    fail_closed: bool = False
