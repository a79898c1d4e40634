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
    delta: float = Field(2.0, ge=0.0)
    context_width: int = Field(1, ge=1, le=4)
    z_threshold: float = 4.0
    min_tokens: int = Field(16, ge=1)
