"""Big documents: passages are embedded in bounded batches with progress, and a file that
will take long is announced before it is read."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import pytest

from rag import ingest
from rag.embeddings import CachedEmbedder, HashingEmbedder, Vectors
from rag.index import IndexStore
from rag.ingest import EMBED_BATCH, Ingestor

CHUNKING = {"max_chars": 300, "overlap_chars": 40}


class BatchRecorder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(len(texts))
        return super().embed(texts)


def big_text(paragraphs: int) -> str:
    return "# Notes\n\n" + "\n\n".join(
        f"Paragraph {i} says that model {i} drifts when inputs {i * 7} change over time."
        for i in range(paragraphs)
    )


def test_passages_are_embedded_in_bounded_batches_with_rising_progress(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "big.md").write_text(big_text(2_000))
    (tmp_path / "kb" / "small.md").write_text(big_text(3))
    inner = BatchRecorder()
    cached = CachedEmbedder(inner)
    store = IndexStore(tmp_path / "index")
    events: list[tuple[int, int, str]] = []
    report = Ingestor(
        store, cached, CHUNKING, 10_000_000, tmp_path / "reports", grounding="off"
    ).run([tmp_path / "kb"], on_progress=lambda d, t, s: events.append((d, t, s)))
    chunks = report.totals["chunks"]
    assert chunks > 2 * EMBED_BATCH
    assert max(inner.calls) <= EMBED_BATCH and sum(inner.calls) == chunks
    assert cached.missing(["Paragraph 1"]) == ["Paragraph 1"], "passages bypass the cache"
    assert [s for _, _, s in events] == sorted(
        (s for _, _, s in events), key=["reading", "embedding"].index
    )
    embedding = [(d, t) for d, t, s in events if s == "embedding"]
    assert [d for d, _ in embedding] == sorted(d for d, _ in embedding)
    assert embedding[-1] == (chunks, chunks)
    assert max(b - a for (a, _), (b, _) in pairwise(embedding)) <= EMBED_BATCH
    assert ("reading", 2) in {(s, t) for _, t, s in events}
    assert len(store.load().chunks) == chunks


def test_a_long_file_is_announced_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "big.md").write_text(big_text(400))
    (tmp_path / "kb" / "small.md").write_text(big_text(2))
    monkeypatch.setattr(ingest, "LONG_FILE_BYTES", 10_000)
    read: list[str] = []
    original = ingest.load_document

    def loading(path: Path, max_bytes: int):  # type: ignore[no-untyped-def]
        read.append(f"{path.name} warned={'big.md' in caplog.text}")
        return original(path, max_bytes)

    monkeypatch.setattr(ingest, "load_document", loading)
    store = IndexStore(tmp_path / "index")
    with caplog.at_level(logging.WARNING, logger="rag.ingest"):
        Ingestor(store, HashingEmbedder(), CHUNKING, 10_000_000, tmp_path / "reports").run(
            [tmp_path / "kb"]
        )
    warnings = [r.getMessage() for r in caplog.records if r.name == "rag.ingest"]
    assert len(warnings) == 1 and warnings[0].startswith("big.md is 0.0 MB, about ")
    assert "passages" in warnings[0] and "min" in warnings[0]
    assert "big.md warned=True" in read, "the warning comes before the file is read"
