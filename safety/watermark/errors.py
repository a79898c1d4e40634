"""Typed errors of the watermark package."""

from __future__ import annotations

from safety.errors import SafetyError


class WatermarkError(SafetyError):
    """Base class of every error the watermark raises on purpose."""


class VocabularyMismatch(WatermarkError):
    """The logits do not have one score per token of the vocabulary the mark was built for."""


class WatermarkSettingsError(WatermarkError):
    """The watermark settings given to a serving engine's processor are invalid."""
