"""Ingestion progress for `coursebot ingest`: a bar on a terminal, else a line every few
seconds (a log or CI output shows that the run is alive and how long it has left)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

from ui.cli.common import note, real_stderr

PROGRESS_EVERY_S = 5.0
UNITS = {"reading": "files", "embedding": "chunks", "grounding": "sentences"}

Progress = Callable[[int, int, str], None]


def progress_lines(every_s: float = PROGRESS_EVERY_S) -> Progress:
    """A progress callback printing one `Note:` line at most every `every_s` seconds, and
    always the last of each stage."""
    started: dict[str, float] = {}
    last = 0.0

    def report(done: int, total: int, stage: str) -> None:
        nonlocal last
        now = time.monotonic()
        begun = started.setdefault(stage, now)
        if now - last < every_s and done < total:
            return
        if done == 0 and total:
            return
        last = now
        rate = done / max(now - begun, 1e-9)
        left = (total - done) / rate if rate else 0.0
        unit = UNITS.get(stage, "items")
        note(f"{stage} {done}/{total} {unit}, {rate:.1f}/s, about {left / 60:.1f} min left")

    return report


def progress_bar(stream: TextIO) -> Progress:
    """A progress callback drawing a tqdm bar per stage on `stream` (a terminal)."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def report(done: int, total: int, stage: str) -> None:
        bar = bars.get(stage)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[stage] = tqdm(
                total=total, desc=stage, unit=UNITS.get(stage, "item"), file=stream, leave=False
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return report


def ingest_progress() -> Progress:
    """The progress display for where stderr goes: a bar on a terminal, else lines."""
    stream = real_stderr()
    return progress_bar(stream) if stream.isatty() else progress_lines()
