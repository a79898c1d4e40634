"""The safety policy: which checks run, their thresholds and what each category triggers."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from safety.verdict import Action


class CategoryRule(BaseModel):
    """Threshold and action for one category (for example `violence`)."""

    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(0.5, ge=0.0, le=1.0)
    action: Action = "refuse"


DEFAULT_RULES: dict[str, CategoryRule] = {
    "prompt-injection": CategoryRule(threshold=0.5, action="refuse"),
    "pii": CategoryRule(threshold=0.5, action="redact"),
    "profanity": CategoryRule(threshold=0.9, action="refuse"),
    "toxicity": CategoryRule(threshold=0.8, action="refuse"),
}
"""Rules for categories the policy does not name; any other category: threshold 0.5, refuse."""


class SafetyPolicy(BaseModel):
    """Everything the guards need to know; lives in coursebot's settings under `safety`."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    toxicity_backend: Literal["embedded", "detoxify"] = "embedded"
    detoxify_checkpoint: Path | None = None
    detoxify_config_dir: Path | None = None
    categories: dict[str, CategoryRule] = Field(default_factory=dict)
    redact_pii: bool = True
    scan_passages: bool = True
    max_input_chars: int = Field(100_000, ge=1)
    deobfuscate: bool = Field(
        True,
        description="Decode base64/base32/hex/ascii85/rot13/URL escapes/reversed text/"
        "look-alike letters in questions and judge the decoded payload as well.",
    )
    encoder_precision: Literal["int8", "float"] = Field(
        "int8",
        description="The weights of MiniLM the app's guards embed with, run by ONNX Runtime: "
        "'int8' (about twice as fast) or 'float'. Each has its own shipped harm head, "
        "fitted and thresholded on its vectors; the guard picks the head whose fingerprint "
        "its encoder matches.",
    )
    max_decoded_views: int = Field(
        4, ge=0, le=16, description="At most this many decodings of one question are judged."
    )

    def rule(self, category: str) -> CategoryRule:
        """The rule for `category`: the policy's own, else the default."""
        if category in self.categories:
            return self.categories[category]
        return DEFAULT_RULES.get(category, CategoryRule())
