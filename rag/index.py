"""The on-disk index: FAISS vectors, chunk metadata and a manifest, written atomically.

Layout under `index_dir`:

    CURRENT                  name of the live version folder (replaced atomically)
    v-<time>-<id>/
        manifest.json        embedding model, dimension, chunking settings, files, checksums
        chunks.jsonl         one Chunk per line, in vector order
        vectors.npy          the embeddings (kept so unchanged files are never re-embedded)
        faiss.index          inner-product FAISS index over the same vectors

A new version is written completely and fsynced before CURRENT points at it, so a crash
mid-write leaves the previous index live. Old versions are removed afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from pydantic import BaseModel, ValidationError

from rag.chunking import Chunk
from rag.embeddings import Vectors
from rag.errors import IndexCorrupt, IndexMissing

REBUILD_HINT = "Rebuild it with `coursebot ingest --rebuild`."
_FILES = ("chunks.jsonl", "vectors.npy", "faiss.index")


class FileRecord(BaseModel):
    """What the index knows about one source file."""

    path: str
    source: str
    sha256: str
    size: int
    modified: float
    chunks: int


class Manifest(BaseModel):
    format_version: int = 1
    embedding_model: str
    dimension: int
    chunking: dict[str, Any]
    files: dict[str, FileRecord]
    checksums: dict[str, str] = {}
    created_at: float = 0.0


class IndexData(BaseModel, arbitrary_types_allowed=True):
    manifest: Manifest
    chunks: list[Chunk]
    vectors: Any
    faiss_index: Any


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class IndexStore:
    """Reads and atomically replaces the index in one folder."""

    def __init__(self, index_dir: Path) -> None:
        self.dir = index_dir

    def exists(self) -> bool:
        return (self.dir / "CURRENT").is_file()

    def write(self, manifest: Manifest, chunks: list[Chunk], vectors: Vectors) -> Path:
        """Write a complete new version, then switch CURRENT to it."""
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk is required")
        self.dir.mkdir(parents=True, exist_ok=True)
        version = self.dir / f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        version.mkdir()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, manifest.dimension)
        index = faiss.IndexFlatIP(manifest.dimension)
        if len(vectors):
            index.add(vectors)
        lines = "".join(c.model_dump_json() + "\n" for c in chunks)
        _fsync_write(version / "chunks.jsonl", lines.encode())
        with (version / "vectors.npy").open("wb") as handle:
            np.save(handle, vectors)
            handle.flush()
            os.fsync(handle.fileno())
        faiss.write_index(index, str(version / "faiss.index"))
        manifest.checksums = {name: _sha256(version / name) for name in _FILES}
        manifest.created_at = time.time()
        _fsync_write(version / "manifest.json", manifest.model_dump_json(indent=2).encode())
        pointer = self.dir / f"CURRENT.{uuid.uuid4().hex[:8]}.tmp"
        _fsync_write(pointer, version.name.encode())
        os.replace(pointer, self.dir / "CURRENT")
        self._remove_old_versions(keep=version.name)
        return version

    def _remove_old_versions(self, keep: str) -> None:
        for entry in self.dir.iterdir():
            if entry.name.startswith("v-") and entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.startswith("CURRENT.") and entry.name.endswith(".tmp"):
                entry.unlink(missing_ok=True)

    def read_manifest(self) -> Manifest:
        version = self._current_version()
        try:
            return Manifest.model_validate_json((version / "manifest.json").read_bytes())
        except (OSError, ValidationError, ValueError) as exc:
            raise IndexCorrupt(
                f"The index manifest in {version} is unreadable. {REBUILD_HINT}"
            ) from exc

    def _current_version(self) -> Path:
        pointer = self.dir / "CURRENT"
        if not pointer.is_file():
            raise IndexMissing(f"No index in {self.dir}. Build it with `coursebot ingest`.")
        version = self.dir / pointer.read_text().strip()
        if not version.is_dir():
            raise IndexCorrupt(
                f"The index in {self.dir} points at a missing folder. {REBUILD_HINT}"
            )
        return version

    def load(self) -> IndexData:
        """Load and verify the live index.

        Raises:
            IndexMissing: nothing built yet.
            IndexCorrupt: a checksum, count or format does not match.
        """
        manifest = self.read_manifest()
        version = self._current_version()
        for name in _FILES:
            path = version / name
            if not path.is_file() or _sha256(path) != manifest.checksums.get(name):
                raise IndexCorrupt(f"The index file {path} is damaged or missing. {REBUILD_HINT}")
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


def manifest_settings_problem(
    manifest: Manifest, embedding_model: str, chunking: dict[str, Any]
) -> str | None:
    """Why an index cannot be used with these settings, or None when it can."""
    if manifest.embedding_model != embedding_model:
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
