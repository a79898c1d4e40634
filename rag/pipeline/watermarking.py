"""The watermark around generation: the keyed processor going in, the test coming out."""

from __future__ import annotations

import threading

from rag.answer import WatermarkReport
from rag.generation import LogitsProcessor
from rag.protocols import WatermarkDetectorLike
from safety.watermark import GreenListDetector, GreenListProcessor, WatermarkConfig


class WatermarkStep:
    """Builds a fresh green-list processor per generation and tests generated tokens."""

    def __init__(self, config: WatermarkConfig, *, vocab_size: int, temperature: float) -> None:
        self.config = config
        self.vocab_size = vocab_size
        self.temperature = temperature
        self._detector: WatermarkDetectorLike | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    def processor(self) -> LogitsProcessor | None:
        """A processor for one generation (it keeps per-sequence state), or None when off."""
        if not self.config.enabled:
            return None
        processor: LogitsProcessor = GreenListProcessor(
            self.config, vocab_size=self.vocab_size, temperature=self.temperature
        )
        return processor

    def report(self, token_ids: list[int]) -> WatermarkReport:
        """The watermark test of these generated token ids."""
        with self._lock:
            if self._detector is None:
                self._detector = GreenListDetector(self.config, vocab_size=self.vocab_size)
        return WatermarkReport.of(self._detector.detect(token_ids))
