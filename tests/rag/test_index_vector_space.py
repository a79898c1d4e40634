"""An index opens with another embedder of the same vector space only when a few of its own
passages re-embed to their stored vectors; int8 copies and other models are rebuilt."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.components import make_ingestor
from rag.embeddings import CachedEmbedder, HashingEmbedder, Vectors
from rag.errors import IndexCorrupt
from rag.grounding_cache import CACHE_FILE, file_is_usable, save_vectors
from rag.knowledge import KnowledgeBase
from rag.settings import load_settings
from rag.vector_space import probe_problem, probe_rows, same_space, vector_space


class Renamed(HashingEmbedder):
    """The hashing embedder under another name, optionally with its vectors nudged."""

    def __init__(self, name: str, noise: float = 0.0) -> None:
        super().__init__()
        self.name = name
        self.noise = noise
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        out = super().embed(texts)
        if self.noise:
            out = out + self.noise * np.roll(out, 1, axis=1)
            out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


def test_float_runtimes_of_one_model_share_a_space_and_int8_copies_do_not() -> None:
    assert vector_space("m+onnx") == vector_space("m") == "m"
    assert same_space("m", "m+onnx") and same_space("m+onnx", "m")
    for other in ("m+int8", "m+onnx-int8", "n", "n+onnx", "hashing-256"):
        assert not same_space("m", other), other
    assert not same_space("m+int8", "m+onnx-int8")


def test_probe_rows_spread_over_the_index() -> None:
    assert probe_rows(0) == []
    assert probe_rows(1) == [0]
    assert probe_rows(3) == [0, 1, 2]
    rows = probe_rows(100)
    assert rows[0] == 0 and rows[-1] == 99 and len(rows) == 4


def test_probe_accepts_equal_vectors_and_refuses_close_but_different_ones() -> None:
    texts = [f"passage {i} about drift number {i * 7}" for i in range(10)]
    vectors = HashingEmbedder().embed(texts)
    same = Renamed("hashing-256+onnx")
    assert probe_problem("hashing-256", same, texts, vectors) is None
    assert len(same.calls) == 1 and len(same.calls[0]) == 4  # a few rows, not the index
    nudged = Renamed("hashing-256+onnx", noise=0.2)
    problem = probe_problem("hashing-256", nudged, texts, vectors)
    assert problem is not None and "should give the same vectors but does not" in problem
    other = Renamed("hashing-256+onnx-int8")
    assert "built with embedding model 'hashing-256'" in str(
        probe_problem("hashing-256", other, texts, vectors)
    )
    assert other.calls == []  # another space is refused by name, without embedding


def _docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "drift.md").write_text(
        "# Drift\n\nConcept drift is a change in the relation between inputs and labels.\n\n"
        "## Data drift\n\nData drift is a change in the inputs alone.\n"
    )
    return docs


def test_an_index_of_the_same_space_opens_and_answers_under_another_name(tmp_path: Path) -> None:
    docs = _docs(tmp_path)
    settings = load_settings(data_dir=tmp_path / "data", kb_paths=[docs])
    built = make_ingestor(settings, CachedEmbedder(HashingEmbedder())).run([docs])
    assert built.wrote_index
    other = CachedEmbedder(Renamed("hashing-256+onnx"))
    kb = KnowledgeBase(settings, other)
    kb.open()
    assert "Data drift" in kb.retrieve("What is data drift?")[0].text
    kb.close()
    again = make_ingestor(settings, other).run([docs])
    assert not again.wrote_index  # nothing re-embedded: the vectors were kept


def test_a_different_model_under_a_shared_name_is_refused_with_the_rebuild_message(
    tmp_path: Path,
) -> None:
    docs = _docs(tmp_path)
    settings = load_settings(data_dir=tmp_path / "data", kb_paths=[docs])
    make_ingestor(settings, CachedEmbedder(HashingEmbedder())).run([docs])
    impostor = CachedEmbedder(Renamed("hashing-256+onnx", noise=0.3))
    with pytest.raises(IndexCorrupt, match=r"does not.*coursebot ingest --rebuild"):
        KnowledgeBase(settings, impostor).open()
    rebuilt = make_ingestor(settings, impostor).run([docs])
    assert rebuilt.wrote_index and rebuilt.totals["indexed"] == 1  # embedded again


def test_an_int8_embedder_refuses_a_float_index_by_name(tmp_path: Path) -> None:
    docs = _docs(tmp_path)
    settings = load_settings(data_dir=tmp_path / "data", kb_paths=[docs])
    make_ingestor(settings, CachedEmbedder(HashingEmbedder())).run([docs])
    with pytest.raises(IndexCorrupt, match=r"'hashing-256', but the settings use"):
        KnowledgeBase(settings, CachedEmbedder(Renamed("hashing-256+onnx-int8"))).open()


def test_grounding_vectors_of_the_same_space_are_used(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    save_vectors(path, "m", ["a"], np.ones((1, 4), dtype=np.float32) / 2, "alone")
    assert file_is_usable(path, "m+onnx")
    assert not file_is_usable(path, "m+onnx-int8")
