"""The on-disk index: FAISS vectors, chunk metadata and a manifest, written atomically.

Layout under `index_dir`:

    CURRENT                  name of the live version folder (replaced atomically)
    sources.json             every folder, file and upload the index holds (outlives versions)
    LOCK                     held (flock) by the one process writing a new version
    v-<time>-<id>/
        manifest.json        embedding model, chunking, sources, files, checksums
        chunks.jsonl         one Chunk per line, in vector order
        vectors.npy          the embeddings (kept so unchanged files are never re-embedded)
        faiss.index          inner-product FAISS index over the same vectors

A new version is written completely and fsynced before CURRENT points at it, so a crash
mid-write leaves the previous index live. The newest `keep_versions` complete versions
are kept, so a deleted or damaged CURRENT is recovered from the newest version whose
checksums verify, and `rollback` can go back one.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from pydantic import ValidationError

from rag.chunking import Chunk
from rag.embeddings import Vectors
from rag.errors import IndexCorrupt, IndexMissing, IndexWriteFailed
from rag.index_format import (
    DATA_FILES,
    FileRecord,
    IndexData,
    Manifest,
    SourceRecord,
    VersionInfo,
    fsync_write,
    sha256_file,
    verify_version,
)
from rag.index_format import read_manifest as read_manifest_of
from rag.vector_space import same_space

log = logging.getLogger(__name__)

__all__ = [
    "KEEP_VERSIONS",
    "REBUILD_HINT",
    "FileRecord",
    "IndexData",
    "IndexStore",
    "Manifest",
    "SourceRecord",
    "VersionInfo",
    "manifest_settings_problem",
    "verify_version",
]

REBUILD_HINT = "Rebuild it with `coursebot ingest --rebuild`."
KEEP_VERSIONS = 3
"""Complete versions kept after each write (the live one included); older ones are removed."""
SOURCES_FILE = "sources.json"


class IndexStore:
    """Reads, atomically replaces, recovers and rolls back the index in one folder.

    Args:
        index_dir: the folder holding CURRENT and the version folders.
        keep_versions: complete versions kept after a write (default KEEP_VERSIONS, 3).
    """

    def __init__(self, index_dir: Path, keep_versions: int = KEEP_VERSIONS) -> None:
        self.dir = index_dir
        self.keep_versions = max(1, keep_versions)
        self._thread_lock = threading.RLock()
        self._lock_fd: int | None = None
        self._lock_depth = 0

    # -- what is there -------------------------------------------------------------------

    def version_dirs(self) -> list[Path]:
        """Version folders, oldest first (by manifest time, else folder time)."""
        if not self.dir.is_dir():
            return []

        def created(path: Path) -> float:
            manifest = read_manifest_of(path)
            return manifest.created_at if manifest else path.stat().st_mtime

        folders = [p for p in self.dir.iterdir() if p.name.startswith("v-") and p.is_dir()]
        return sorted(folders, key=lambda p: (created(p), p.name))

    def pointer(self) -> str | None:
        """The version name CURRENT holds, or None when it is missing or unreadable."""
        try:
            name = (self.dir / "CURRENT").read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return name if name.startswith("v-") and "/" not in name else None

    def exists(self) -> bool:
        """True when there is an index to open (or to recover): CURRENT or a complete version.

        A first build from the default folders is only right when this is False.
        """
        return (self.dir / "CURRENT").is_file() or any(
            (v / "manifest.json").is_file() for v in self.version_dirs()
        )

    def versions(self) -> list[VersionInfo]:
        """Every version folder, oldest first, each verified."""
        current = self.pointer()
        infos = []
        for version in self.version_dirs():
            manifest = read_manifest_of(version)
            infos.append(
                VersionInfo(
                    name=version.name,
                    created_at=manifest.created_at if manifest else version.stat().st_mtime,
                    documents=len(manifest.files) if manifest else 0,
                    chunks=sum(f.chunks for f in manifest.files.values()) if manifest else 0,
                    current=version.name == current,
                    problem=verify_version(version),
                )
            )
        return infos

    def known_sources(self) -> list[SourceRecord]:
        """Every source the index was given: `sources.json`, which outlives a deleted
        version folder, else the newest readable manifest's (data files damaged or not)."""
        try:
            data = json.loads((self.dir / SOURCES_FILE).read_bytes())
            return [SourceRecord.model_validate(item) for item in data]
        except (OSError, ValueError, ValidationError, TypeError):
            pass
        for version in reversed(self.version_dirs()):
            manifest = read_manifest_of(version)
            if manifest is not None:
                return manifest.sources or _sources_from_files(manifest)
        return []

    # -- recovery and rollback -----------------------------------------------------------

    def recover(self) -> str | None:
        """Repair a missing or damaged CURRENT from the newest verified version.

        Returns the version now live when CURRENT was repaired, None when it was fine.

        Raises:
            IndexMissing: no version folders at all (nothing was ever built).
            IndexCorrupt: versions exist but none verifies.
        """
        name = self.pointer()
        if name is not None and (self.dir / name / "manifest.json").is_file():
            return None
        folders = self.version_dirs()
        if not folders:
            raise IndexMissing(f"No index in {self.dir}. Build it with `coursebot ingest`.")
        for version in reversed(folders):
            if verify_version(version) is None:
                self._point_at(version.name)
                log.warning(
                    "the index pointer %s was missing or damaged; now on the newest intact "
                    "version, %s",
                    self.dir / "CURRENT",
                    version.name,
                )
                return version.name
        raise IndexCorrupt(
            f"No intact index version in {self.dir} (every version fails its checksums). "
            f"{REBUILD_HINT}"
        )

    def rollback(self) -> str:
        """Point CURRENT at the newest verified version older than the live one.

        Raises:
            IndexCorrupt: there is no older intact version to go back to.
        """
        with self.writing():
            self.recover()
            current = self.pointer()
            names = [v.name for v in self.version_dirs()]
            older = names[: names.index(current)] if current in names else []
            for name in reversed(older):
                if verify_version(self.dir / name) is None:
                    self._point_at(name)
                    manifest = read_manifest_of(self.dir / name)
                    self._write_sources(manifest.sources if manifest else [])
                    return name
        raise IndexCorrupt(
            f"No older intact index version in {self.dir} to roll back to "
            f"(the last {self.keep_versions} versions are kept)."
        )

    def _write_sources(self, sources: list[SourceRecord]) -> None:
        partial = self.dir / f"{SOURCES_FILE}.{uuid.uuid4().hex[:8]}.tmp"
        data = json.dumps([s.model_dump() for s in sources], indent=2)
        fsync_write(partial, data.encode())
        os.replace(partial, self.dir / SOURCES_FILE)

    def _point_at(self, name: str) -> None:
        pointer = self.dir / f"CURRENT.{uuid.uuid4().hex[:8]}.tmp"
        fsync_write(pointer, name.encode())
        os.replace(pointer, self.dir / "CURRENT")
        directory = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index's writer lock (one writer across processes and threads).

        Re-entrant within one store. Ingestion holds it from reading the old index to
        switching CURRENT, so two writers never lose each other's documents.
        """
        with self._thread_lock:
            if self._lock_depth == 0:
                self.dir.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.dir / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    log.warning("another coursebot is writing the index in %s; waiting", self.dir)
                    fcntl.flock(fd, fcntl.LOCK_EX)
                self._lock_fd = fd
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0 and self._lock_fd is not None:
                    os.close(self._lock_fd)
                    self._lock_fd = None

    def write(self, manifest: Manifest, chunks: list[Chunk], vectors: Vectors) -> Path:
        """Write a complete new version, then switch CURRENT to it."""
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk is required")
        with self.writing():
            stamp = time.strftime("%Y%m%dT%H%M%S")
            version = self.dir / f"v-{stamp}-{uuid.uuid4().hex[:8]}"
            version.mkdir()
            try:
                self._write_version(version, manifest, chunks, vectors)
            except BaseException as exc:
                shutil.rmtree(version, ignore_errors=True)  # a full disk leaves no debris
                if isinstance(exc, OSError | RuntimeError):  # faiss reports I/O as RuntimeError
                    raise IndexWriteFailed(
                        f"Could not write a new index version in {self.dir} ({exc}). The "
                        "previous index is unchanged; free some disk space (or fix the "
                        "folder's permissions) and run the ingestion again."
                    ) from exc
                raise
            self._write_sources(manifest.sources)
            self._point_at(version.name)
            self._remove_old_versions(keep=version.name)
            return version

    @staticmethod
    def _write_version(
        version: Path, manifest: Manifest, chunks: list[Chunk], vectors: Vectors
    ) -> None:
        """The version's files, fsynced, the manifest (with checksums) last."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, manifest.dimension)
        index = faiss.IndexFlatIP(manifest.dimension)
        if len(vectors):
            index.add(vectors)
        with (version / "chunks.jsonl").open("w", encoding="utf-8") as handle:
            for chunk in chunks:  # line by line: never the whole file in memory at once
                handle.write(chunk.model_dump_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with (version / "vectors.npy").open("wb") as handle:
            np.save(handle, vectors)
            handle.flush()
            os.fsync(handle.fileno())
        faiss.write_index(index, str(version / "faiss.index"))
        manifest.checksums = {name: sha256_file(version / name) for name in DATA_FILES}
        manifest.created_at = time.time()
        fsync_write(version / "manifest.json", manifest.model_dump_json(indent=2).encode())

    def _remove_old_versions(self, keep: str) -> None:
        """Keep the newest `keep_versions` complete versions; drop incomplete leftovers."""
        complete = [v for v in self.version_dirs() if (v / "manifest.json").is_file()]
        kept = {v.name for v in complete[-self.keep_versions :]} | {keep}
        for entry in self.dir.iterdir():
            if entry.name.startswith("v-") and entry.name not in kept:
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.startswith(("CURRENT.", SOURCES_FILE)) and entry.name.endswith(".tmp"):
                entry.unlink(missing_ok=True)

    # -- reading -------------------------------------------------------------------------

    def read_manifest(self) -> Manifest:
        version = self._current_version()
        manifest = read_manifest_of(version)
        if manifest is None:
            raise IndexCorrupt(f"The index manifest in {version} is unreadable. {REBUILD_HINT}")
        return manifest

    def _current_version(self) -> Path:
        self.recover()
        name = self.pointer()
        if name is None:  # replaced by another process between the two reads
            raise IndexCorrupt(f"The index pointer in {self.dir} is unreadable. {REBUILD_HINT}")
        return self.dir / name

    def load(self) -> IndexData:
        """Load and verify the live index (recovering a missing or damaged CURRENT first).

        Raises:
            IndexMissing: nothing built yet.
            IndexCorrupt: a checksum, count or format does not match.
        """
        version = self._current_version()
        manifest = self.read_manifest()
        for name in DATA_FILES:
            path = version / name
            if not path.is_file() or sha256_file(path) != manifest.checksums.get(name):
                raise IndexCorrupt(
                    f"The index file {path} is damaged or missing. {REBUILD_HINT} "
                    "(`coursebot index rollback` goes back to the previous version.)"
                )
        try:
            chunks = [
                Chunk.model_validate_json(line)
                for line in (version / "chunks.jsonl").read_text().splitlines()
                if line.strip()
            ]
            vectors = np.load(version / "vectors.npy", allow_pickle=False)
            index = faiss.read_index(str(version / "faiss.index"))
        except (OSError, ValueError, ValidationError, RuntimeError) as exc:
            raise IndexCorrupt(
                f"The index in {version} cannot be read: {exc}. {REBUILD_HINT}"
            ) from exc
        if not (len(chunks) == len(vectors) == index.ntotal) or (
            len(vectors) and vectors.shape[1] != manifest.dimension
        ):
            raise IndexCorrupt(f"The index in {version} is inconsistent. {REBUILD_HINT}")
        return IndexData(manifest=manifest, chunks=chunks, vectors=vectors, faiss_index=index)


def _sources_from_files(manifest: Manifest) -> list[SourceRecord]:
    """Sources for an index written before sources were recorded: its files, one by one."""
    return [SourceRecord(path=key, kind="file") for key in sorted(manifest.files)]


def manifest_settings_problem(
    manifest: Manifest, embedding_model: str, chunking: dict[str, Any]
) -> str | None:
    """Why an index cannot be used with these settings, or None when it can.

    An index of another embedder in the same vector space (torch and float ONNX of one
    model) passes here; its vectors are then checked with `rag.vector_space.probe_problem`.
    """
    if not same_space(manifest.embedding_model, embedding_model):
        return (
            f"The index was built with embedding model {manifest.embedding_model!r}, but the "
            f"settings use {embedding_model!r}."
        )
    if manifest.chunking != chunking:
        return (
            f"The index was built with chunking {json.dumps(manifest.chunking)}, but the "
            f"settings use {json.dumps(chunking)}."
        )
    return None
