"""Settings of the green-list watermark."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class WatermarkConfig(BaseModel):
    """Green-list watermark parameters (Kirchenbauer et al., 2023).

    The key seeds the green lists; anyone holding it can detect the mark.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    key: SecretStr = SecretStr("coursebot-default-watermark-key")
    gamma: float = Field(0.25, gt=0.0, lt=1.0)
    delta: float = Field(
        4.0,
        ge=0.0,
        description="Logit gain of green tokens after temperature. 4, not the paper's 2: at "
        "temperature 0.3 the small model is so sure of its next token that a gain of 2 left "
        "200-token answers at z 2-4, below the threshold (docs/watermark.md).",
    )
    context_width: int = Field(1, ge=1, le=4)
    z_threshold: float = 4.0
    min_tokens: int = Field(16, ge=1)
