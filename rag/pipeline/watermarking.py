"""The watermark around generation: the keyed mark going in, the test coming out.

Where the mark goes in depends on the backend (`Generator.mark_site`): a fresh green-list
processor per generation in this process, a per-request switch on a server that runs the
same processor, or nowhere, in which case the answer's report says it was not applied.
"""

from __future__ import annotations

import threading

from rag.answer import WatermarkReport
from rag.generation import LogitsProcessor, MarkSite
from rag.protocols import WatermarkDetectorLike
from safety.watermark import GreenListDetector, GreenListProcessor, WatermarkConfig


class WatermarkStep:
    """Builds what marks one generation and tests the generated tokens."""

    def __init__(
        self,
        config: WatermarkConfig,
        *,
        vocab_size: int,
        temperature: float,
        site: MarkSite = "in process",
        end_ids: frozenset[int] = frozenset(),
    ) -> None:
        self.config = config
        self.end_ids = end_ids
        self.vocab_size = vocab_size
        self.temperature = temperature
        self.site = site
        self._detector: WatermarkDetectorLike | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    def processor(self) -> LogitsProcessor | None:
        """A processor for one in-process generation (it keeps per-sequence state), or None
        when the watermark is off or applied elsewhere."""
        if not self.config.enabled or self.site != "in process":
            return None
        processor: LogitsProcessor = GreenListProcessor(
            self.config,
            vocab_size=self.vocab_size,
            temperature=self.temperature,
            end_ids=self.end_ids,
        )
        return processor

    @property
    def on_server(self) -> bool:
        """Ask the server to mark this generation."""
        return self.config.enabled and self.site == "on server"

    def report(self, token_ids: list[int], *, applied: bool = True) -> WatermarkReport | None:
        """The watermark test of these generated token ids; None when the watermark is off.

        An answer the backend could not mark is still tested, and says it was not marked.
        """
        if not self.config.enabled:
            return None
        with self._lock:
            if self._detector is None:
                self._detector = GreenListDetector(self.config, vocab_size=self.vocab_size)
        verdict = self._detector.detect(token_ids)
        return WatermarkReport.of(verdict, "applied" if applied else "not applied on this backend")
