"""Ingestion: files -> chunks -> embeddings -> index, incrementally, with a quality report.

Unchanged files (same SHA-256) are neither re-read nor re-embedded; files that vanished
from a scanned folder leave the index; duplicate passages are dropped. Every run reports
on the data-quality dimensions the course names: completeness, validity, uniqueness,
consistency and timeliness.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunking import Chunk, chunk_document
from rag.discovery import discover, unique_name
from rag.documents import load_document
from rag.embeddings import CachedEmbedder, Embedder, bulk_threads, passage_embedder
from rag.errors import DocumentError, IndexMissing, NoDocuments
from rag.grounding_cache import CACHE_FILE
from rag.grounding_vectors import (
    MAX_CHUNKS,
    Mode,
    Vectors,
    embed_with_grounding,
    supports_pooling,
    write_grounding,
)
from rag.index import FileRecord, IndexData, IndexStore, Manifest
from rag.ingest_report import FileReport, IngestReport, drop_duplicates, quality_facts, save_report
from rag.ingest_sources import SourcePlan, merge_sources, plan_sources
from rag.vector_space import probe_problem

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]
"""(done, total, stage): "reading" counts files, "embedding" counts chunks."""

EMBED_BATCH = 256
"""Passages per call into the embedder: the model sorts each call's texts by length and
pads per batch of 32, so a large call pads far less than 32 texts in document order."""
LONG_FILE_BYTES = 2_000_000
"""A file at least this large gets a warning with its estimated time before it is read."""
ASSUMED_CHUNKS_PER_S = 50.0
"""Throughput assumed for that estimate (the floor of `make bench` on 2 cores)."""


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class Ingestor:
    """Keeps an IndexStore in step with the documents on disk.

    Args:
        uploads_dir: files under it are recorded as uploads (default: `uploads/` beside
            `report_dir`, i.e. `<data_dir>/uploads`).
        passages: what embeds the passages (default: `embedder` outside its question
            cache; `passage_embedder(embedder, "int8")` for the int8 copy). Its name is
            the index's `embedding_model`.
        grounding: which grounding vectors a run that writes the index writes beside it
            (`index.ingest_grounding`): "alone", "pooled" (from the passages' forward
            pass where the passage embedder can, else alone) or "off".
    """

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        chunking: dict[str, Any],
        max_file_bytes: int,
        report_dir: Path,
        uploads_dir: Path | None = None,
        passages: Embedder | None = None,
        grounding: Mode = "alone",
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.passages = passages or passage_embedder(embedder)
        self.chunking = chunking
        self.max_file_bytes = max_file_bytes
        self.report_dir = report_dir
        self.uploads_dir = (uploads_dir or report_dir.parent / "uploads").resolve()
        self.grounding = grounding

    def plan(
        self, paths: Sequence[Path], *, rebuild: bool, indexed: Sequence[str] = ()
    ) -> SourcePlan:
        """The roots a run over `paths` reads: with `rebuild`, every recorded source too;
        otherwise also each recorded source none of the `indexed` file paths comes from
        (lost with a deleted version folder, say), so it comes back.

        Call it before `run(rebuild=True)` to tell the user which sources are gone.
        """
        return plan_sources(self.store, paths, self.uploads_dir, rebuild=rebuild, indexed=indexed)

    def run(
        self,
        paths: Sequence[Path],
        *,
        rebuild: bool = False,
        on_progress: ProgressCallback | None = None,
        threads: int | None = None,
    ) -> IngestReport:
        """Bring the index up to date with `paths`; returns the report (also saved to disk).

        `threads`: torch threads for embedding the passages (None: as the embedder is set
        up); a process that has the cores to itself, like `coursebot ingest`, passes all.

        With `rebuild=True` (or when the old index cannot be reused with these settings)
        every source the index recorded is read again, not only `paths`; recorded sources
        that no longer exist are dropped and listed in `dropped_sources`. The writer lock
        is held throughout, so concurrent runs queue instead of losing each other's files.

        Raises:
            IndexCorrupt: the live index is damaged (run again with `rebuild=True`).
            NoDocuments: nothing readable in any of the paths.
        """
        with self.store.writing():
            return self._run(paths, rebuild, on_progress, threads)

    def _run(
        self,
        paths: Sequence[Path],
        rebuild: bool,
        on_progress: ProgressCallback | None,
        threads: int | None,
    ) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport(started_at=datetime.now(UTC).isoformat(timespec="seconds"))
        old = self._load_old(rebuild)
        indexed = list(old.manifest.files) if old else []
        plan = self.plan(paths, rebuild=old is None, indexed=indexed)
        roots = plan.roots
        report.rebuilt = old is None and self.store.exists()
        report.dropped_sources = [s.path for s in plan.gone]
        found, unsupported, problems = discover(roots)
        old_files = old.manifest.files if old else {}
        records: dict[str, FileRecord] = {}
        kept: list[tuple[Chunk, int]] = []  # an old chunk and its row in old.vectors
        old_rows = _rows_by_source(old.chunks) if old else {}
        new_chunks: list[Chunk] = []
        scanned_dirs = [p.resolve() for p in roots if p.is_dir()]
        present = {key for key in old_files if Path(key).exists()}
        # indexed files outside this run's folders: kept as they are unless read again
        carried = {
            key for key in present if not any(Path(key).is_relative_to(d) for d in scanned_dirs)
        }
        # a file kept from an earlier run counts as seen: the same page copied to another
        # folder is a duplicate of it, not a second document
        found_set = set(found)
        seen_file_hashes = {
            old_files[k].sha256: old_files[k].source for k in carried if Path(k) not in found_set
        }
        taken = {old_files[k].source: k for k in present}

        for path, problem in problems:
            report.files.append(
                FileReport(path=str(path), source=path.name, status="skipped", reason=problem)
            )
        for path in unsupported:
            report.files.append(
                FileReport(
                    path=str(path),
                    source=path.name,
                    status="skipped",
                    reason=f"unsupported format {path.suffix or '(none)'}",
                )
            )
        for done, path in enumerate(found):
            if on_progress:
                on_progress(done, len(found), "reading")
            previous = old_files.get(str(path))
            source = previous.source if previous else unique_name(path, roots, taken)
            taken[source] = str(path)
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
            if old and previous and previous.sha256 == digest:
                old_chunks = [(old.chunks[i], i) for i in old_rows.get(previous.source, [])]
                kept.extend(old_chunks)
                records[str(path)] = previous
                report.files.append(
                    base.model_copy(update={"status": "unchanged", "chunks": len(old_chunks)})
                )
                continue
            self._warn_if_long(source, stat.st_size)
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

        if on_progress and found:
            on_progress(len(found), len(found), "reading")
        for key, record in old_files.items():
            if key in records:
                continue
            if key not in carried:
                report.files.append(
                    FileReport(
                        path=key, source=record.source, status="removed", chunks=record.chunks
                    )
                )
            else:
                kept.extend(
                    (old.chunks[i], i)  # type: ignore[union-attr]
                    for i in old_rows.get(record.source, [])
                )
                records[key] = record

        if not records:
            raise NoDocuments(
                "No readable documents found in "
                + ", ".join(str(p) for p in roots)
                + ". Add .md, .txt, .pdf or .html files (see kb/README.md)."
            )
        unique_new, duplicates = drop_duplicates(kept, new_chunks)
        sources = [
            s
            for s in plan.sources
            if Path(s.path).exists() and (s.kind == "folder" or s.path in records)
        ]
        if old is not None:
            sources = merge_sources(old.manifest.sources, sources)
        report.sources = [s.path for s in sources]
        grounding: tuple[list[Chunk], dict[str, Vectors]] | None = None
        changed = (
            bool(unique_new)
            or any(f.status == "removed" for f in report.files)
            or old is None
            or [s.path for s in sources] != [s.path for s in old.manifest.sources]
        )
        if changed:
            pool = self._pools(len(kept) + len(unique_new))
            vectors, pooled = self._embed(unique_new, on_progress, threads, pool)
            all_chunks = [c for c, _ in kept] + unique_new
            kept_rows = [i for _, i in kept]
            all_vectors = (
                np.concatenate([old.vectors[kept_rows], vectors]) if old and kept_rows else vectors
            )
            del vectors
            per_source = Counter(c.source for c in all_chunks)
            for record in records.values():
                record.chunks = per_source[record.source]
            manifest = Manifest(
                embedding_model=self.passages.name,
                dimension=self.passages.dim,
                chunking=self.chunking,
                files=records,
                sources=sources,
            )
            self.store.write(manifest, all_chunks, all_vectors)
            report.wrote_index = True
            del all_vectors
            if self.grounding != "off":
                grounding = (all_chunks, pooled)
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
        report.quality = quality_facts(report, all_chunks, duplicates)
        report.seconds = round(time.perf_counter() - started, 3)
        save_report(report, self.report_dir)
        if grounding is not None:
            self._write_grounding(*grounding, threads=threads, on_progress=on_progress)
        return report

    def _write_grounding(
        self,
        chunks: Sequence[Chunk],
        pooled: dict[str, Vectors],
        *,
        threads: int | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        """The new index's grounding vectors, after its report is saved: they are only a
        cache, so a failure here (or Ctrl+C) costs the first answers some speed, never the
        index or its report."""
        try:
            write_grounding(
                self.embedder,
                chunks,
                self.store.dir / CACHE_FILE,
                pooled=pooled,
                threads=threads,
                on_progress=on_progress,
            )
        except Exception:
            log.exception("grounding vectors not written; answers embed them as needed")

    def _load_old(self, rebuild: bool) -> IndexData | None:
        if rebuild:
            return None
        try:
            data = self.store.load()
        except IndexMissing:
            return None
        if data.manifest.chunking != self.chunking:
            return None
        texts = [c.embed_text for c in data.chunks]
        if probe_problem(data.manifest.embedding_model, self.passages, texts, data.vectors):
            return None  # another vector space: everything is embedded again
        return data

    def _warn_if_long(self, source: str, size: int) -> None:
        """Say before reading it that a big file will take a while, with an estimate."""
        if size < LONG_FILE_BYTES:
            return
        step = max(self.chunking["max_chars"] - self.chunking["overlap_chars"], 1)
        chunks = size // step
        minutes = chunks / ASSUMED_CHUNKS_PER_S / 60
        log.warning(
            "%s is %.1f MB, about %s passages: embedding them takes roughly %.0f min "
            "(more on a busy or slower machine)",
            source,
            size / 1e6,
            f"{chunks:,}",
            max(minutes, 1.0),
        )

    def _pools(self, total_chunks: int) -> bool:
        """Whether this run pools grounding vectors from the passages' forward pass: asked
        for, an embedder that can, the one questions use (not an int8 passage copy), and
        an index small enough for its grounding vectors to be kept."""
        inner = self.embedder.inner if isinstance(self.embedder, CachedEmbedder) else self.embedder
        return (
            self.grounding == "pooled"
            and self.passages is inner
            and supports_pooling(inner)
            and total_chunks <= MAX_CHUNKS
        )

    def _embed(
        self,
        chunks: list[Chunk],
        on_progress: ProgressCallback | None,
        threads: int | None,
        pool: bool = False,
    ) -> tuple[Any, dict[str, Vectors]]:
        """The passages' vectors, `EMBED_BATCH` at a time, into one preallocated array, and
        with `pool` the grounding vectors pooled from the same forward passes."""
        embedder = self.passages
        vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
        pooled: dict[str, Vectors] = {}
        if on_progress:
            on_progress(0, len(chunks), "embedding")
        with bulk_threads(embedder, threads):
            for start in range(0, len(chunks), EMBED_BATCH):
                part = chunks[start : start + EMBED_BATCH]
                if pool:
                    rows, by_text, _ = embed_with_grounding(embedder, part)  # type: ignore[arg-type]
                    pooled.update((t, v) for t, v in by_text.items() if t not in pooled)
                else:
                    rows = embedder.embed([c.embed_text for c in part])
                vectors[start : start + len(part)] = rows
                if on_progress:
                    on_progress(start + len(part), len(chunks), "embedding")
        return vectors, pooled


def _rows_by_source(chunks: Sequence[Chunk]) -> dict[str, list[int]]:
    """The rows of each source's chunks, so keeping an unchanged file is one lookup."""
    rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        rows.setdefault(chunk.source, []).append(row)
    return rows
