"""The index's on-disk format: the manifest and its records, and how a version is verified.

A version folder holds `manifest.json` (written last, with the checksums of the data
files) and the data files named in `DATA_FILES`; it is complete and intact exactly when
`verify_version` returns None.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from rag.chunking import Chunk

DATA_FILES = ("chunks.jsonl", "vectors.npy", "faiss.index")


class FileRecord(BaseModel):
    """What the index knows about one source file."""

    path: str
    source: str
    sha256: str
    size: int
    modified: float
    chunks: int


class SourceRecord(BaseModel):
    """A folder, file or upload the index was asked to hold; `rebuild` re-reads all of them."""

    path: str
    kind: Literal["folder", "file", "upload"]
    added_at: float = 0.0


class Manifest(BaseModel):
    format_version: int = 1
    embedding_model: str
    dimension: int
    chunking: dict[str, Any]
    files: dict[str, FileRecord]
    sources: list[SourceRecord] = Field(default_factory=list)
    checksums: dict[str, str] = {}
    created_at: float = 0.0


class IndexData(BaseModel, arbitrary_types_allowed=True):
    manifest: Manifest
    chunks: list[Chunk]
    vectors: Any
    faiss_index: Any


class VersionInfo(BaseModel):
    """One version folder and whether it verifies (`problem` is None when it does)."""

    name: str
    created_at: float
    documents: int
    chunks: int
    current: bool
    problem: str | None = None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def read_manifest(version: Path) -> Manifest | None:
    try:
        return Manifest.model_validate_json((version / "manifest.json").read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def verify_version(version: Path) -> str | None:
    """Why `version` is not a complete, intact index, or None when its checksums match."""
    manifest = read_manifest(version)
    if manifest is None:
        return "no readable manifest (incomplete or damaged)"
    for name in DATA_FILES:
        path = version / name
        if not path.is_file():
            return f"{name} is missing"
        if sha256_file(path) != manifest.checksums.get(name):
            return f"{name} does not match its checksum"
    return None
