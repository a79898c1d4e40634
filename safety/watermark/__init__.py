"""Keyed green-list watermarking of generated text (Kirchenbauer et al., 2023)."""

from safety.watermark.config import WatermarkConfig
from safety.watermark.detector import GreenListDetector, WatermarkDetector
from safety.watermark.errors import VocabularyMismatch, WatermarkError
from safety.watermark.greenlist import GreenList
from safety.watermark.processor import GreenListProcessor
from safety.watermark.verdict import WatermarkSpan, WatermarkVerdict

__all__ = [
    "GreenList",
    "GreenListDetector",
    "GreenListProcessor",
    "VocabularyMismatch",
    "WatermarkConfig",
    "WatermarkDetector",
    "WatermarkError",
    "WatermarkSpan",
    "WatermarkVerdict",
]
