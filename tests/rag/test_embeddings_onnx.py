"""The ONNX embedding path with the real MiniLM: vectors close to the torch model's, the
export reused and rebuilt when damaged, and indexes of one embedder refused by another."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag import onnx_export
from rag.components import make_embedder, make_ingestor
from rag.embeddings import CachedEmbedder, SentenceTransformerEmbedder, bulk_threads
from rag.errors import IndexCorrupt
from rag.knowledge import KnowledgeBase
from rag.onnx_embedder import OnnxEmbedder
from rag.paths import bundled_embedding_path
from rag.settings import load_settings
from tests.real_models import RealModels

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def int8() -> OnnxEmbedder:
    return OnnxEmbedder(bundled_embedding_path(), "int8")


def _torch_model(real_models: RealModels) -> SentenceTransformerEmbedder:
    embedder = real_models.torch_embedder()
    assert isinstance(embedder, CachedEmbedder)
    assert isinstance(embedder.inner, SentenceTransformerEmbedder)
    return embedder.inner


def test_onnx_vectors_are_close_to_the_torch_models(
    real_models: RealModels, int8: OnnxEmbedder
) -> None:
    torch_model = _torch_model(real_models)
    chunks = real_models.course.store.load().chunks
    texts = [c.embed_text for c in chunks[:24]] + ["What is overfitting?", "x", ""]
    reference = torch_model.embed(texts)
    plain = OnnxEmbedder(bundled_embedding_path(), "float")
    assert plain.name == f"{torch_model.name}+onnx" and int8.name.endswith("+onnx-int8")
    float_vectors = plain.embed(texts)
    float_cos = (float_vectors * reference).sum(axis=1)
    with bulk_threads(int8, 2):
        int8_vectors = int8.embed(texts)
    int8_cos = (int8_vectors * reference).sum(axis=1)
    assert float_cos.min() > 0.999
    assert int8_cos.mean() > 0.98 and int8_cos.min() > 0.95
    assert np.allclose(np.linalg.norm(int8_vectors, axis=1), 1.0, atol=1e-4)
    # padding does not leak into a text's vector; int8 activations are scaled per batch,
    # so there a text alone and in a batch differ slightly
    assert np.allclose(plain.embed(texts[:1]), float_vectors[:1], atol=1e-4)
    assert float((int8.embed(texts[:1]) * int8_vectors[:1]).sum()) > 0.98


def test_batches_on_parallel_threads_give_the_one_thread_vectors_in_order(
    real_models: RealModels, int8: OnnxEmbedder
) -> None:
    chunks = real_models.course.store.load().chunks
    texts = [c.embed_text for c in chunks[:60]] + ["What is overfitting?", "x"]
    lengths = [len(e.ids) for e in int8._tokenizer.encode_batch(texts)]
    batches = list(int8._batches(np.argsort(lengths, kind="stable"), lengths))
    assert len(batches) >= 4
    one_thread = int8.embed(texts)
    with bulk_threads(int8, 3):
        parallel = int8.embed(texts)
    assert np.array_equal(parallel, one_thread)


def test_the_export_is_reused_and_a_damaged_one_rebuilt(
    int8: OnnxEmbedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cached = onnx_export.onnx_model(bundled_embedding_path(), "int8")
    cache = tmp_path / "onnx"
    shutil.copytree(cached.parent, cache / cached.parent.name)
    copy = cache / cached.parent.name / cached.name
    with monkeypatch.context() as patched:

        def no_export(*args: object) -> None:
            raise AssertionError("the cached export should have been used")

        patched.setattr(onnx_export, "_export", no_export)
        reused = OnnxEmbedder(bundled_embedding_path(), "int8", cache_root=cache)
    assert np.allclose(reused.embed(["a text"]), int8.embed(["a text"]), atol=1e-6)

    copy.write_bytes(copy.read_bytes()[:1000])  # a truncated file, as after a full disk
    with caplog.at_level(logging.WARNING, logger="rag.onnx_export"):
        rebuilt = OnnxEmbedder(bundled_embedding_path(), "int8", cache_root=cache)
    assert any("is damaged" in r.getMessage() for r in caplog.records)
    assert np.allclose(rebuilt.embed(["a text"]), int8.embed(["a text"]), atol=1e-3)


def test_an_index_of_one_embedder_is_refused_by_another_and_rebuilt(
    real_models: RealModels, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "drift.md").write_text(
        "# Drift\n\nConcept drift is a change in the relation between inputs and labels. "
        "Data drift is a change in the inputs alone.\n"
    )
    fast = load_settings(
        data_dir=tmp_path / "data", kb_paths=[docs], index={"embedder": "onnx-int8"}
    )
    fast_embedder = make_embedder(fast)
    make_ingestor(fast, fast_embedder).run([docs])
    store = make_ingestor(fast, fast_embedder).store
    assert store.read_manifest().embedding_model == fast_embedder.name
    opened = KnowledgeBase(fast, fast_embedder)
    opened.open()
    opened.close()

    plain = fast.with_overrides({"index": {"embedder": "sentence-transformers"}})
    torch_embedder = real_models.torch_embedder()
    with pytest.raises(IndexCorrupt, match=r"onnx-int8.*coursebot ingest --rebuild"):
        KnowledgeBase(plain, torch_embedder).open()
    again = make_ingestor(plain, torch_embedder).run([docs])
    assert again.wrote_index and store.read_manifest().embedding_model == torch_embedder.name


def test_an_index_built_on_torch_answers_under_the_onnx_default_and_back(
    real_models: RealModels, tmp_path: Path
) -> None:
    torch_embedder = real_models.torch_embedder()
    course = real_models.course
    assert course.settings.index.embedder == "onnx"
    assert course.embedder.name == f"{torch_embedder.name}+onnx"
    data = tmp_path / "data"
    torch_settings = course.settings.with_overrides(
        {"data_dir": data, "index": {"embedder": "sentence-transformers"}}
    )
    built = make_ingestor(torch_settings, torch_embedder).run(list(course.settings.kb_paths))
    assert built.wrote_index
    store = make_ingestor(torch_settings, torch_embedder).store
    assert store.read_manifest().embedding_model == torch_embedder.name

    bot = real_models.assistant(data_dir=data)  # the ONNX default on the torch index
    answer = bot.ask("What is data drift?")
    assert not answer.abstained
    assert any("drift" in c.section.lower() for c in answer.citations)
    assert store.read_manifest().embedding_model == torch_embedder.name  # not rebuilt
    bot.knowledge.close()

    back = KnowledgeBase(
        course.settings.with_overrides({"index": {"embedder": "sentence-transformers"}}),
        torch_embedder,
    )
    back.open()  # the course index, written by the ONNX default, under torch
    assert (
        back.retrieve("What is data drift?")[0].chunk_id
        == course.retrieve("What is data drift?")[0].chunk_id
    )
    back.close()
