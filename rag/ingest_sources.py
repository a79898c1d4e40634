"""Which sources an ingestion reads, and which the index records.

The index remembers every folder, file and upload it was given (`SourceRecord`), so a
rebuild reads them all again and says first which are gone, and a source whose files
all left the index (a deleted version folder, say) comes back on the next run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from rag.index import IndexStore, SourceRecord


class SourcePlan(BaseModel):
    """What a run will read: the given paths plus, when building from scratch, every
    source the index recorded; `gone` are recorded sources that no longer exist."""

    roots: list[Path]
    sources: list[SourceRecord]
    gone: list[SourceRecord]


def source_record(path: Path, uploads_dir: Path) -> SourceRecord:
    """How `path` is recorded: a folder, an upload (under `uploads_dir`) or a file."""
    resolved = path.resolve()
    kind = (
        "folder"
        if resolved.is_dir()
        else "upload"
        if resolved.is_relative_to(uploads_dir)
        else "file"
    )
    return SourceRecord(path=str(resolved), kind=kind, added_at=time.time())


def plan_sources(
    store: IndexStore,
    paths: Sequence[Path],
    uploads_dir: Path,
    *,
    rebuild: bool,
    indexed: Sequence[str] = (),
) -> SourcePlan:
    """The roots a run over `paths` reads: with `rebuild`, every source `store` recorded
    too; otherwise also each recorded source none of the `indexed` file paths comes from,
    so it comes back."""
    given = [source_record(p, uploads_dir) for p in paths]
    seen = {s.path for s in given}
    known = [s for s in store.known_sources() if s.path not in seen]
    gone = [s for s in known if not Path(s.path).exists()]
    alive = [s for s in known if Path(s.path).exists()]
    lost = [s for s in alive if not any(within(f, s.path) for f in indexed)]
    roots = [Path(s.path) for s in given + (alive if rebuild else lost)]
    return SourcePlan(roots=roots, sources=given + alive, gone=gone)


def within(file: str, source: str) -> bool:
    """Whether the file path `file` is `source` or lies under it."""
    return file == source or file.startswith(source.rstrip(os.sep) + os.sep)


def merge_sources(old: Sequence[SourceRecord], new: Sequence[SourceRecord]) -> list[SourceRecord]:
    """Recorded sources that still exist, then the new ones, each path once."""
    merged = {s.path: s for s in old if Path(s.path).exists()}
    for source in new:
        merged.setdefault(source.path, source)
    return list(merged.values())
