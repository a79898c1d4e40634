"""Grounding vectors written by the ingestion: where each text lies in its passage, the
versioned file beside the index, and the pooled path with the real ONNX model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.chunking import Chunk
from rag.embeddings import CachedEmbedder, HashingEmbedder
from rag.grounding_cache import (
    CACHE_FILE,
    file_is_usable,
    load_into,
    read_vectors,
    save_vectors,
    texts_of,
)
from rag.grounding_vectors import Mode, text_spans
from rag.index import IndexStore
from rag.ingest import Ingestor

CHUNKING = {"max_chars": 400, "overlap_chars": 50}


def _chunk(section: str, text: str) -> Chunk:
    return Chunk(chunk_id="c1", source="a.md", section=section, text=text, start=0, end=len(text))


def test_each_grounding_text_is_located_in_the_embedded_text() -> None:
    chunk = _chunk(
        "Drift > Data drift",
        "Inputs change over time. A model trained on old data degrades slowly. Watch it.",
    )
    spans = text_spans(chunk)
    assert {t for t, _ in spans} == set(texts_of([chunk]))
    for text, span in spans:
        assert span is not None, text
        pieces = [chunk.embed_text[a:b] for a, b in span]
        if text == f"{chunk.section}.":
            assert pieces == [chunk.section]
        elif text.startswith((f"{chunk.section}: ", f"{chunk.section}. ")):
            assert pieces == [chunk.section, text[len(chunk.section) + 2 :]]
        else:
            assert pieces == [text]


def test_a_sentence_grounding_changed_is_left_to_embed_alone() -> None:
    # grounding removes quoted spans from evidence, so that sentence is not in the text
    chunk = _chunk("Quotes", 'Experts say "never trust a single metric" in reviews.')
    located = dict(text_spans(chunk))
    assert any(span is None for span in located.values())


def _ingest(tmp_path: Path, grounding: Mode) -> tuple[CachedEmbedder, IndexStore]:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "drift.md").write_text(
        "# Drift\n\n## Data Drift\n\nInputs change over time. Models degrade as they do.\n"
    )
    (kb / "fair.md").write_text("# Fairness\n\n## Parity\n\nRates should match across groups.\n")
    embedder = CachedEmbedder(HashingEmbedder())
    store = IndexStore(tmp_path / "index")
    Ingestor(store, embedder, CHUNKING, 1_000_000, tmp_path / "reports", grounding=grounding).run(
        [kb]
    )
    return embedder, store


def test_ingestion_writes_every_grounding_vector_of_the_new_index(tmp_path: Path) -> None:
    embedder, store = _ingest(tmp_path, "alone")
    path = store.dir / CACHE_FILE
    assert file_is_usable(path, embedder.name)
    saved = read_vectors(path, embedder.name)
    texts = texts_of(store.load().chunks)
    assert sorted(saved) == sorted(texts)
    expected = embedder.inner.embed(texts)
    assert np.allclose(np.stack([saved[t] for t in texts]), expected, atol=1e-6)
    fresh = CachedEmbedder(HashingEmbedder())
    assert load_into(fresh, path) == len(texts)
    assert fresh.missing(texts) == []


def test_off_writes_no_grounding_vectors(tmp_path: Path) -> None:
    _, store = _ingest(tmp_path, "off")
    assert not (store.dir / CACHE_FILE).exists()


def test_pooled_falls_back_to_alone_for_an_embedder_that_cannot_pool(tmp_path: Path) -> None:
    embedder, store = _ingest(tmp_path, "pooled")
    saved = read_vectors(store.dir / CACHE_FILE, embedder.name)
    assert sorted(saved) == sorted(texts_of(store.load().chunks))


def test_a_file_of_another_embedder_or_format_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    vectors = np.full((1, 256), 1 / 16, dtype=np.float32)
    save_vectors(path, "another-model", ["a text"], vectors, "alone")
    embedder = CachedEmbedder(HashingEmbedder())
    assert read_vectors(path, embedder.name) == {}
    assert load_into(embedder, path) == 0
    save_vectors(path, embedder.name, ["a text"], vectors, "alone")
    assert load_into(embedder, path) == 1
    with path.open("wb") as handle:  # a future format this code does not know
        np.savez(
            handle,
            model=np.array(embedder.name),
            format=np.array(99),
            texts=np.array('["b text"]'),
            vectors=vectors,
        )
    assert not file_is_usable(path, embedder.name)
    assert load_into(CachedEmbedder(HashingEmbedder()), path) == 0


@pytest.mark.slow
def test_onnx_pooling_a_whole_text_gives_its_own_vector() -> None:
    from rag.onnx_embedder import OnnxEmbedder
    from rag.paths import bundled_embedding_path

    embedder = OnnxEmbedder(bundled_embedding_path(), "int8")
    texts = ["Data drift\nInputs change over time.", "Parity: rates should match. " * 80]
    whole = [[[(0, len(texts[0]))]], [[(0, 20)], [(0, len(texts[1]))]]]
    vectors, pooled = embedder.embed_pooled(texts, whole)
    assert np.allclose(vectors, embedder.embed(texts), atol=1e-5)
    first = pooled[0][0]
    assert first is not None and float(first @ vectors[0]) > 0.9999
    assert pooled[1][0] is not None
    assert pooled[1][1] is None  # past the tokenizer's truncation: not in the pass


@pytest.mark.slow
def test_onnx_ingestion_pools_grounding_vectors(tmp_path: Path) -> None:
    from rag.onnx_embedder import OnnxEmbedder
    from rag.paths import bundled_embedding_path

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "drift.md").write_text(
        "# Drift\n\n## Data Drift\n\nInputs change over time. Models degrade as they do. "
        'Experts say "watch the inputs" often.\n'
    )
    embedder = CachedEmbedder(OnnxEmbedder(bundled_embedding_path(), "int8"))
    store = IndexStore(tmp_path / "index")
    Ingestor(store, embedder, CHUNKING, 1_000_000, tmp_path / "reports", grounding="pooled").run(
        [kb]
    )
    path = store.dir / CACHE_FILE
    with np.load(path) as saved:
        assert str(saved["method"]) == "pooled+alone"  # the quoted sentence is embedded alone
    texts = texts_of(store.load().chunks)
    assert sorted(read_vectors(path, embedder.name)) == sorted(texts)


def test_the_python_api_ingestion_leaves_nothing_for_the_primer(tmp_path: Path) -> None:
    from rag.components import make_embedder, make_ingestor
    from rag.knowledge import KnowledgeBase
    from rag.settings import load_settings

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "drift.md").write_text(
        "# Drift\n\n## Data Drift\n\nInputs change over time. Watch them.\n"
    )
    default = load_settings(
        data_dir=tmp_path / "data", kb_paths=[kb], index={"embedder": "hashing"}
    )
    assert make_ingestor(default, make_embedder(default)).grounding == "off"  # the primer's
    settings = load_settings(
        data_dir=tmp_path / "data",
        kb_paths=[kb],
        index={"embedder": "hashing", "ingest_grounding": "alone"},
    )
    assert make_ingestor(settings, make_embedder(settings)).grounding == "alone"
    embedder = make_embedder(settings)
    assert isinstance(embedder, CachedEmbedder)
    knowledge = KnowledgeBase(settings, embedder)
    try:
        knowledge.ingest([kb])
        texts = texts_of(knowledge.store.load().chunks)
        assert texts and embedder.missing(texts) == []  # loaded from the file at once
    finally:
        knowledge.close()
    off = settings.with_overrides({"index": {"ingest_grounding": "off"}})
    assert make_ingestor(off, make_embedder(off)).grounding == "off"


def test_pooled_vectors_left_by_an_earlier_file_do_not_pass_as_standalone(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    embedder = CachedEmbedder(HashingEmbedder())
    vectors = np.full((1, embedder.dim), 1 / 16, dtype=np.float32)
    save_vectors(path, embedder.name, ["a text"], vectors, "pooled+alone")
    assert read_vectors(path, embedder.name) != {}
    assert read_vectors(path, embedder.name, standalone_only=True) == {}
    save_vectors(path, embedder.name, ["a text"], vectors, "alone")
    assert read_vectors(path, embedder.name, standalone_only=True) != {}


def test_grounding_vectors_that_fail_cost_neither_the_index_nor_its_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the embedder broke")

    monkeypatch.setattr("rag.ingest.write_grounding", broken)
    _, store = _ingest(tmp_path, "alone")
    assert len(store.load().chunks) == 2
    assert (tmp_path / "reports" / "latest.json").exists()
    assert not (store.dir / CACHE_FILE).exists()
