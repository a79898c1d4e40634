"""What the detector reports: a verdict on a whole text and the marked spans inside one."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

Decision = Literal["watermarked", "not watermarked", "too short to tell"]


class WatermarkVerdict(BaseModel):
    """The test of the green-token count against the no-watermark rate gamma.

    `z` is the one-proportion z-score; `p_value` is the exact binomial tail
    P(X >= green) for X ~ Binomial(scored, gamma), which the normal approximation
    understates at short lengths. The decision compares `p_value` with the normal tail
    of `threshold` (z 4: p 3.2e-5), so the threshold means the same at every length.

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
    """A marked stretch of tokens [start, end) found by searching windows of a text.

    `scored_tokens` and `green_tokens` describe the stretch as trimmed to its densest
    green run. `z` and `window_p_value` are those of the best window inside it, and
    `p_value` is that window's p multiplied by the number of windows searched
    (Bonferroni): the chance that a text without the mark shows a span this strong
    anywhere, not just in this window.
    """

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    scored_tokens: int = Field(ge=0)
    green_tokens: int = Field(ge=0)
    z: float
    p_value: float = Field(ge=0.0, le=1.0)
    window_p_value: float = Field(1.0, ge=0.0, le=1.0)
    windows_searched: int = Field(1, ge=1)


def z_score(green: int, scored: int, gamma: float) -> float:
    """How many standard deviations the green count sits above gamma * scored."""
    if scored == 0:
        return 0.0
    return (green - gamma * scored) / math.sqrt(scored * gamma * (1.0 - gamma))


def one_sided_p(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return min(1.0, max(0.0, 0.5 * math.erfc(z / math.sqrt(2.0))))


def binomial_tail(green: int, scored: int, gamma: float) -> float:
    """Exact P(X >= green) for X ~ Binomial(scored, gamma); 1.0 when nothing was scored."""
    if scored <= 0 or green <= 0:
        return 1.0
    from scipy import stats  # imported here: 0.7 s, and most commands never need it

    return min(1.0, max(0.0, float(stats.binom.sf(green - 1, scored, gamma))))


def binomial_tails(
    green: npt.NDArray[np.int64], scored: npt.NDArray[np.int64], gamma: float
) -> npt.NDArray[np.float64]:
    """`binomial_tail` element-wise, for many windows at once."""
    from scipy import stats

    tails = np.asarray(stats.binom.sf(green - 1, scored, gamma), dtype=np.float64)
    return np.where((scored > 0) & (green > 0), np.clip(tails, 0.0, 1.0), 1.0)
