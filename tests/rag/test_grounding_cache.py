"""Grounding's passage vectors are embedded once, saved, reused, and only ever a cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.answer import Passage
from rag.chunking import Chunk
from rag.embeddings import CachedEmbedder, HashingEmbedder, Vectors
from rag.grounding import GroundingChecker, grounding_texts
from rag.grounding_cache import (
    CACHE_FILE,
    GroundingPrimer,
    load_into,
    prime_grounding_vectors,
)


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.seen.extend(texts)
        return super().embed(texts)


CHUNKS = [
    Chunk(
        chunk_id=f"c{i}",
        source="course.md",
        section=f"Drift > Part {i}",
        text=f"Data drift number {i} changes the input distribution. "
        "Monitoring compares live inputs with the training data.",
        start=0,
        end=100,
    )
    for i in range(3)
]


def test_vectors_are_saved_once_and_loaded_by_a_new_process(tmp_path: Path) -> None:
    first = CountingEmbedder()
    primed = prime_grounding_vectors(CachedEmbedder(first), CHUNKS, tmp_path)
    expected = {t for c in CHUNKS for t in grounding_texts(c.section, c.text)}
    assert primed == len(expected) and set(first.seen) == expected
    assert (tmp_path / CACHE_FILE).is_file()

    second = CountingEmbedder()
    cached = CachedEmbedder(second)
    assert prime_grounding_vectors(cached, CHUNKS, tmp_path) == len(expected)
    assert second.seen == [], "a later start embeds nothing again"
    vector = cached.embed([next(iter(expected))])
    assert np.allclose(vector, HashingEmbedder().embed([next(iter(expected))]))


def test_grounding_after_priming_embeds_only_the_new_texts(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    embedder = CachedEmbedder(inner)
    prime_grounding_vectors(embedder, CHUNKS, tmp_path)
    inner.seen.clear()
    passages = [
        Passage(
            chunk_id=c.chunk_id,
            source=c.source,
            section=c.section,
            text=c.text,
            start=c.start,
            end=c.end,
            dense_score=0.5,
        )
        for c in CHUNKS
    ]
    checker = GroundingChecker(embedder, threshold=0.5)
    quote = checker.extract("What is data drift?", passages, min_similarity=0.1)
    checker.check("Data drift changes the input distribution.", passages, "remove")
    assert quote is not None
    assert inner.seen == ["What is data drift?", "Data drift changes the input distribution."]


def test_a_damaged_or_foreign_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_bytes(b"not a zip file")
    inner = CountingEmbedder()
    assert prime_grounding_vectors(CachedEmbedder(inner), CHUNKS, tmp_path) > 0
    assert inner.seen, "nothing was trusted from the damaged file"
    other_model = CachedEmbedder(HashingEmbedder(dim=64))
    assert load_into(other_model, tmp_path / CACHE_FILE) == 0
    assert load_into(CachedEmbedder(CountingEmbedder()), tmp_path / CACHE_FILE) > 0


def test_background_primer_embeds_everything_while_idle_and_saves(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    primer = GroundingPrimer(CachedEmbedder(inner), CHUNKS, tmp_path, idle_s=0.0).start()
    assert primer.wait(timeout=30)
    expected = {t for c in CHUNKS for t in grounding_texts(c.section, c.text)}
    assert primer.primed == len(expected) and set(inner.seen) == expected
    assert (tmp_path / CACHE_FILE).is_file()

    again = CountingEmbedder()
    cached = CachedEmbedder(again)
    GroundingPrimer(cached, CHUNKS, tmp_path, idle_s=0.0).start().wait(timeout=30)
    assert again.seen == [] and cached.missing(list(expected)) == []


def test_background_primer_waits_while_questions_come(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    primer = GroundingPrimer(CachedEmbedder(inner), CHUNKS, tmp_path, idle_s=60.0).start()
    primer.touch()
    assert not primer.wait(timeout=0.3)
    assert inner.seen == [], "nothing is embedded until no question came for idle_s"
    primer.stop()
    assert primer.wait(timeout=5) and not (tmp_path / CACHE_FILE).exists()
