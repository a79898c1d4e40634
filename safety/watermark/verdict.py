"""What the detector reports: a verdict on a whole text and the marked spans inside one."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, Field

Decision = Literal["watermarked", "not watermarked", "too short to tell"]


class WatermarkVerdict(BaseModel):
    """The one-proportion z-test of green tokens against the no-watermark rate gamma.

    `green_flags` has one entry per input token id: True/False when the token was scored,
    None when it was not (no preceding context, a repeated (context, token) pair, or an id
    outside the vocabulary).
    """

    verdict: Decision
    z: float
    p_value: float = Field(ge=0.0, le=1.0)
    threshold: float
    scored_tokens: int = Field(ge=0)
    green_tokens: int = Field(ge=0)
    green_fraction: float = Field(ge=0.0, le=1.0)
    gamma: float
    total_tokens: int = Field(ge=0)
    repeated_tokens: int = Field(0, ge=0, description="Skipped: (context, token) seen before.")
    invalid_tokens: int = Field(0, ge=0, description="Skipped: ids outside the vocabulary.")
    green_flags: list[bool | None] = Field(default_factory=list)
    note: str = ""


class WatermarkSpan(BaseModel):
    """A stretch of tokens [start, end) whose own z-score clears the threshold."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    scored_tokens: int = Field(ge=0)
    green_tokens: int = Field(ge=0)
    z: float
    p_value: float = Field(ge=0.0, le=1.0)


def z_score(green: int, scored: int, gamma: float) -> float:
    """How many standard deviations the green count sits above gamma * scored."""
    if scored == 0:
        return 0.0
    return (green - gamma * scored) / math.sqrt(scored * gamma * (1.0 - gamma))


def one_sided_p(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return min(1.0, max(0.0, 0.5 * math.erfc(z / math.sqrt(2.0))))
