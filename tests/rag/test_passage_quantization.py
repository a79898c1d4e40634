"""Passages embedded by the int8 copy of MiniLM: a different embedder, recorded in the
index, refused by float settings with a clear line, and rebuilt by the next ingestion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.components import make_ingestor
from rag.embeddings import CachedEmbedder, SentenceTransformerEmbedder, passage_embedder
from rag.errors import IndexCorrupt
from rag.knowledge import KnowledgeBase
from rag.onnx_embedder import OnnxEmbedder
from rag.settings import load_settings
from tests.conftest import COURSE_KB
from tests.real_models import RealModels

pytestmark = pytest.mark.slow


def test_int8_passages_are_recorded_refused_by_float_settings_and_rebuilt(
    real_models: RealModels, tmp_path: Path
) -> None:
    embedder = real_models.torch_embedder()
    assert isinstance(embedder, CachedEmbedder)
    assert isinstance(embedder.inner, SentenceTransformerEmbedder)
    int8 = passage_embedder(embedder, "int8")
    assert int8.name == f"{embedder.name}+int8" and int8 is passage_embedder(embedder, "int8")
    texts = [c.embed_text for c in real_models.course.store.load().chunks[:8]]
    float_vectors, int8_vectors = embedder.inner.embed(texts), int8.embed(texts)
    cosines = (float_vectors * int8_vectors).sum(axis=1)
    assert cosines.min() > 0.8 and not np.allclose(float_vectors, int8_vectors)

    quantized = load_settings(
        data_dir=tmp_path / "data", kb_paths=[COURSE_KB], index={"passage_quantization": "int8"}
    )
    report = make_ingestor(quantized, embedder).run([COURSE_KB])
    store = make_ingestor(quantized, embedder).store
    assert store.read_manifest().embedding_model == int8.name
    opened = KnowledgeBase(quantized, embedder)
    opened.open()  # the same settings open it
    opened.close()

    plain = quantized.with_overrides({"index": {"passage_quantization": "off"}})
    with pytest.raises(IndexCorrupt, match=r"\+int8.*coursebot ingest --rebuild"):
        KnowledgeBase(plain, embedder).open()
    again = make_ingestor(plain, embedder).run([COURSE_KB])
    assert again.wrote_index and again.totals["chunks"] == report.totals["chunks"]
    assert store.read_manifest().embedding_model == embedder.name


def test_the_onnx_default_quantizes_passages_with_its_int8_export(
    real_models: RealModels,
) -> None:
    embedder = real_models.course.embedder
    assert isinstance(embedder, CachedEmbedder) and isinstance(embedder.inner, OnnxEmbedder)
    int8 = passage_embedder(embedder, "int8")
    assert isinstance(int8, OnnxEmbedder) and int8.name == f"{embedder.name}-int8"
    assert int8 is passage_embedder(embedder, "int8") and int8.int8_copy() is int8
    assert passage_embedder(embedder, "off") is embedder.inner
    texts = [c.embed_text for c in real_models.course.store.load().chunks[:8]]
    cosines = (embedder.inner.embed(texts) * int8.embed(texts)).sum(axis=1)
    assert cosines.min() > 0.95 and cosines.max() < 0.99999
