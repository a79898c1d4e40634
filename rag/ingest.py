"""Ingestion: files -> chunks -> embeddings -> index, incrementally, with a quality report.

Unchanged files (same SHA-256) are neither re-read nor re-embedded; files that vanished
from a scanned folder leave the index; duplicate passages are dropped. Every run reports
on the data-quality dimensions the course names: completeness, validity, uniqueness,
consistency and timeliness.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from tqdm import tqdm

from rag.chunking import Chunk, chunk_document
from rag.documents import SUPPORTED_SUFFIXES, load_document
from rag.embeddings import Embedder
from rag.errors import DocumentError, IndexCorrupt, IndexMissing, NoDocuments
from rag.index import FileRecord, IndexData, IndexStore, Manifest

ProgressCallback = Callable[[int, int, str], None]
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
    seconds: float = 0.0
    wrote_index: bool = False
    files: list[FileReport] = Field(default_factory=list)
    totals: dict[str, int] = Field(default_factory=dict)
    quality: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def to_markdown(self) -> str:
        lines = [f"# Ingestion report ({self.started_at})", ""]
        lines.append(", ".join(f"{k}: {v}" for k, v in self.totals.items()))
        lines += ["", "| file | status | chunks | reason |", "|---|---|---|---|"]
        lines += [f"| {f.source} | {f.status} | {f.chunks} | {f.reason} |" for f in self.files]
        for dimension, facts in self.quality.items():
            lines += ["", f"## {dimension.capitalize()}", ""]
            lines += [f"- {key}: {value}" for key, value in facts.items()]
        return "\n".join(lines) + "\n"


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """Supported files under the given files/folders, and the unsupported ones seen."""
    found: list[Path] = []
    unsupported: list[Path] = []
    for root in paths:
        if not root.exists():
            raise NoDocuments(f"Knowledge-base path not found: {root}")
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in candidates:
            if path.name.startswith(".") or (
                path.name.lower() == "readme.md" and path.parent == root
            ):
                continue
            (found if path.suffix.lower() in SUPPORTED_SUFFIXES else unsupported).append(
                path.resolve()
            )
    return found, unsupported


def _display_name(path: Path, roots: Sequence[Path]) -> str:
    for root in roots:
        root = root.resolve()
        if root.is_dir() and path.is_relative_to(root):
            return str(path.relative_to(root))
    return path.name


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class Ingestor:
    """Keeps an IndexStore in step with the documents on disk."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        chunking: dict[str, Any],
        max_file_bytes: int,
        report_dir: Path,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        self.max_file_bytes = max_file_bytes
        self.report_dir = report_dir

    def run(
        self,
        paths: Sequence[Path],
        *,
        rebuild: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Bring the index up to date with `paths`; returns the report (also saved to disk)."""
        started = time.perf_counter()
        report = IngestReport(started_at=datetime.now(UTC).isoformat(timespec="seconds"))
        found, unsupported = discover(paths)
        old = self._load_old(rebuild)
        old_files = old.manifest.files if old else {}
        records: dict[str, FileRecord] = {}
        kept: list[tuple[Chunk, Any]] = []
        new_chunks: list[Chunk] = []
        seen_file_hashes: dict[str, str] = {}

        for path in unsupported:
            report.files.append(
                FileReport(
                    path=str(path),
                    source=path.name,
                    status="skipped",
                    reason=f"unsupported format {path.suffix or '(none)'}",
                )
            )
        for path in found:
            source = _display_name(path, paths)
            stat = path.stat()
            base = FileReport(
                path=str(path),
                source=source,
                status="skipped",
                bytes=stat.st_size,
                modified=_iso(stat.st_mtime),
            )
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                report.files.append(base.model_copy(update={"reason": f"unreadable: {exc}"}))
                continue
            if digest in seen_file_hashes:
                report.files.append(
                    base.model_copy(
                        update={
                            "status": "duplicate",
                            "reason": f"same content as {seen_file_hashes[digest]}",
                        }
                    )
                )
                continue
            seen_file_hashes[digest] = source
            previous = old_files.get(str(path))
            if old and previous and previous.sha256 == digest:
                old_chunks = [
                    (c, v)
                    for c, v in zip(old.chunks, old.vectors, strict=True)
                    if c.source == previous.source
                ]
                kept.extend(old_chunks)
                records[str(path)] = previous
                report.files.append(
                    base.model_copy(update={"status": "unchanged", "chunks": len(old_chunks)})
                )
                continue
            try:
                doc = load_document(path, self.max_file_bytes)
            except (DocumentError, OSError) as exc:
                report.files.append(base.model_copy(update={"reason": str(exc)}))
                continue
            if not doc.text.strip():
                report.files.append(
                    base.model_copy(update={"reason": "empty document", "encoding": doc.encoding})
                )
                continue
            chunks = chunk_document(
                source, doc.text, self.chunking["max_chars"], self.chunking["overlap_chars"]
            )
            new_chunks.extend(chunks)
            records[str(path)] = FileRecord(
                path=str(path),
                source=source,
                sha256=digest,
                size=stat.st_size,
                modified=stat.st_mtime,
                chunks=len(chunks),
            )
            report.files.append(
                base.model_copy(
                    update={
                        "status": "indexed",
                        "chunks": len(chunks),
                        "encoding": doc.encoding,
                        "warnings": doc.warnings,
                    }
                )
            )

        scanned_dirs = [p.resolve() for p in paths if p.is_dir()]
        for key, record in old_files.items():
            if key in records:
                continue
            path = Path(key)
            gone = not path.exists() or any(path.is_relative_to(d) for d in scanned_dirs)
            if gone:
                report.files.append(
                    FileReport(
                        path=key, source=record.source, status="removed", chunks=record.chunks
                    )
                )
            else:
                kept.extend(
                    (c, v)
                    for c, v in zip(old.chunks, old.vectors, strict=True)  # type: ignore[union-attr]
                    if c.source == record.source
                )
                records[key] = record

        if not records:
            raise NoDocuments(
                "No readable documents found in "
                + ", ".join(str(p) for p in paths)
                + ". Add .md, .txt, .pdf or .html files (see kb/README.md)."
            )
        unique_new, duplicates = self._drop_duplicates(kept, new_chunks)
        changed = (
            bool(unique_new) or any(f.status == "removed" for f in report.files) or old is None
        )
        if changed:
            vectors = self._embed(unique_new, on_progress)
            all_chunks = [c for c, _ in kept] + unique_new
            all_vectors = np.vstack(
                [
                    np.asarray([v for _, v in kept], dtype=np.float32).reshape(
                        -1, self.embedder.dim
                    ),
                    vectors,
                ]
            )
            for key, record in records.items():
                record.chunks = sum(1 for c in all_chunks if c.source == record.source)
                records[key] = record
            manifest = Manifest(
                embedding_model=self.embedder.name,
                dimension=self.embedder.dim,
                chunking=self.chunking,
                files=records,
            )
            self.store.write(manifest, all_chunks, all_vectors)
            report.wrote_index = True
        else:
            all_chunks = [c for c, _ in kept]
        report.totals = {
            "documents": len(records),
            "chunks": len(all_chunks),
            "indexed": sum(f.status == "indexed" for f in report.files),
            "unchanged": sum(f.status == "unchanged" for f in report.files),
            "removed": sum(f.status == "removed" for f in report.files),
            "skipped": sum(f.status in ("skipped", "duplicate") for f in report.files),
            "duplicate_chunks_dropped": len(duplicates),
        }
        report.quality = _quality(report, all_chunks, duplicates)
        report.seconds = round(time.perf_counter() - started, 3)
        self._save(report)
        return report

    def _load_old(self, rebuild: bool) -> IndexData | None:
        if rebuild:
            return None
        try:
            data = self.store.load()
        except IndexMissing:
            return None
        except IndexCorrupt as exc:
            raise IndexCorrupt(f"{exc} (or pass rebuild=True)") from exc
        if (
            data.manifest.embedding_model != self.embedder.name
            or data.manifest.chunking != self.chunking
        ):
            return None
        return data

    @staticmethod
    def _drop_duplicates(
        kept: list[tuple[Chunk, Any]], new: list[Chunk]
    ) -> tuple[list[Chunk], list[str]]:
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

    def _embed(self, chunks: list[Chunk], on_progress: ProgressCallback | None) -> Any:
        batch = 32
        parts = [np.zeros((0, self.embedder.dim), dtype=np.float32)]
        with tqdm(
            total=len(chunks), desc="Embedding passages", unit="chunk", disable=None, leave=False
        ) as bar:
            for start in range(0, len(chunks), batch):
                part = chunks[start : start + batch]
                parts.append(self.embedder.embed([c.embed_text for c in part]))
                bar.update(len(part))
                if on_progress:
                    on_progress(min(start + batch, len(chunks)), len(chunks), "embedding")
        return np.vstack(parts)

    def _save(self, report: IngestReport) -> None:
        self.report_dir.mkdir(parents=True, exist_ok=True)
        stamp = report.started_at.replace(":", "").replace("-", "")[:15]
        (self.report_dir / f"ingest-{stamp}.json").write_text(report.model_dump_json(indent=2))
        (self.report_dir / "latest.json").write_text(report.model_dump_json(indent=2))
        (self.report_dir / "latest.md").write_text(report.to_markdown())


def _quality(
    report: IngestReport, chunks: list[Chunk], duplicates: list[str]
) -> dict[str, dict[str, Any]]:
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
