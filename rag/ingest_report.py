"""What one ingestion reports: file by file, and the data-quality dimensions the course
names (completeness, validity, uniqueness, consistency, timeliness)."""

from __future__ import annotations

import os
import statistics
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from rag.chunking import Chunk

STALE_AFTER_DAYS = 365


class FileReport(BaseModel):
    path: str
    source: str
    status: Literal["indexed", "unchanged", "removed", "skipped", "duplicate"]
    reason: str = ""
    chunks: int = 0
    bytes: int = 0
    modified: str | None = None
    encoding: str | None = None
    warnings: list[str] = Field(default_factory=list)


class IngestReport(BaseModel):
    """What one ingestion did, file by file, and the data-quality picture."""

    started_at: str
    report_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:8])
    seconds: float = 0.0
    wrote_index: bool = False
    rebuilt: bool = False
    sources: list[str] = Field(default_factory=list)
    dropped_sources: list[str] = Field(default_factory=list)
    files: list[FileReport] = Field(default_factory=list)
    totals: dict[str, int] = Field(default_factory=dict)
    quality: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @property
    def file_name(self) -> str:
        """This run's own report file in the reports folder (never shared with another run)."""
        stamp = self.started_at.replace(":", "").replace("-", "")[:15]
        return f"ingest-{stamp}-{self.report_id}.json"

    def to_markdown(self) -> str:
        lines = [f"# Ingestion report ({self.started_at})", ""]
        lines.append(", ".join(f"{k}: {v}" for k, v in self.totals.items()))
        if self.dropped_sources:
            lines += ["", "Sources gone and dropped: " + ", ".join(self.dropped_sources)]
        lines += ["", "| file | status | chunks | reason |", "|---|---|---|---|"]
        lines += [f"| {f.source} | {f.status} | {f.chunks} | {f.reason} |" for f in self.files]
        for dimension, facts in self.quality.items():
            lines += ["", f"## {dimension.capitalize()}", ""]
            lines += [f"- {key}: {value}" for key, value in facts.items()]
        return "\n".join(lines) + "\n"


def quality_facts(
    report: IngestReport, chunks: list[Chunk], duplicates: list[str]
) -> dict[str, dict[str, Any]]:
    """The data-quality dimensions the course names, for one run's report."""
    skipped = [f for f in report.files if f.status == "skipped"]
    empty = [f.source for f in skipped if "empty" in f.reason]
    invalid = {f.source: f.reason for f in skipped if "empty" not in f.reason}
    encodings = sorted({f.encoding for f in report.files if f.encoding})
    lengths = [len(c.text) for c in chunks]
    present = [f for f in report.files if f.status in ("indexed", "unchanged") and f.modified]
    dates = sorted(f.modified for f in present if f.modified)
    now = datetime.now(UTC)
    stale = [
        f.source
        for f in present
        if f.modified and (now - datetime.fromisoformat(f.modified)).days > STALE_AFTER_DAYS
    ]
    no_headings = sorted({c.source for c in chunks} - {c.source for c in chunks if c.section})
    return {
        "completeness": {"empty_files": empty, "files_indexed": len(present)},
        "validity": {
            "rejected_files": invalid,
            "encoding_warnings": {f.source: f.warnings for f in report.files if f.warnings},
        },
        "uniqueness": {
            "duplicate_files": {
                f.source: f.reason for f in report.files if f.status == "duplicate"
            },
            "duplicate_chunks_dropped": duplicates,
        },
        "consistency": {
            "encodings": encodings,
            "documents_without_headings": no_headings,
            "chunk_chars_min_median_max": [
                min(lengths),
                int(statistics.median(lengths)),
                max(lengths),
            ]
            if lengths
            else [],
        },
        "timeliness": {
            "oldest_file": dates[0] if dates else None,
            "newest_file": dates[-1] if dates else None,
            f"not_modified_for_{STALE_AFTER_DAYS}_days": stale,
        },
    }


def drop_duplicates(
    kept: list[tuple[Chunk, int]], new: list[Chunk]
) -> tuple[list[Chunk], list[str]]:
    """The `new` chunks whose text (case and spacing aside) is not already kept or seen
    earlier in `new`, and "source > section" of each one dropped (the report's
    uniqueness dimension)."""

    def key(chunk: Chunk) -> str:
        return " ".join(chunk.text.lower().split())

    seen = {key(c) for c, _ in kept}
    unique: list[Chunk] = []
    dropped: list[str] = []
    for chunk in new:
        if key(chunk) in seen:
            dropped.append(f"{chunk.source} > {chunk.section}")
            continue
        seen.add(key(chunk))
        unique.append(chunk)
    return unique, dropped


def save_report(report: IngestReport, report_dir: Path) -> None:
    """Each run keeps its own report (`ingest-<time>-<id>.json`); `latest.*` are
    replaced atomically so a reader never sees half a report."""
    report_dir.mkdir(parents=True, exist_ok=True)
    data = report.model_dump_json(indent=2)
    for name, text in (
        (report.file_name, data),
        ("latest.json", data),
        ("latest.md", report.to_markdown()),
    ):
        partial = report_dir / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        partial.write_text(text)
        os.replace(partial, report_dir / name)
