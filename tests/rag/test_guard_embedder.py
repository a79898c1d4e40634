"""The guards embed with their model at `safety.encoder_precision` (int8 by default),
whatever embeds the index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.components import guard_embedder, make_guards
from rag.embeddings import CachedEmbedder, HashingEmbedder
from rag.onnx_embedder import OnnxEmbedder
from rag.settings import load_settings
from tests.real_models import RealModels

ANSWER = (
    "Data drift is a gradual change in the inputs a model sees. Monitoring compares "
    "recent inputs with the training data and raises an alert when they differ."
)


@pytest.mark.parametrize("name", ["hashing", "onnx"])
def test_hashing_and_float_onnx_embedders_serve_the_guards_themselves(
    tmp_path: Path, name: str
) -> None:
    settings = load_settings(
        data_dir=tmp_path, index={"embedder": name}, safety={"encoder_precision": "float"}
    )
    embedder = CachedEmbedder(HashingEmbedder())
    assert guard_embedder(settings, embedder) is embedder


def test_without_an_export_the_guards_keep_the_index_embedder(tmp_path: Path) -> None:
    empty = tmp_path / "no-model"
    empty.mkdir()
    settings = load_settings(data_dir=tmp_path, index={"embedding_path": str(empty)})
    embedder = CachedEmbedder(HashingEmbedder())
    assert guard_embedder(settings, embedder) is embedder


def test_an_export_cache_that_cannot_be_written_keeps_the_index_embedder(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings = load_settings(data_dir=tmp_path, index={"onnx_cache_dir": str(blocked / "onnx")})
    embedder = CachedEmbedder(HashingEmbedder())
    assert guard_embedder(settings, embedder) is embedder


@pytest.mark.slow
def test_the_guards_get_float_onnx_vectors_equal_to_torch_and_the_same_verdicts(
    real_models: RealModels,
) -> None:
    course = real_models.course
    int8_guards = guard_embedder(course.settings, course.embedder)  # the default: int8
    assert isinstance(int8_guards, CachedEmbedder) and isinstance(int8_guards.inner, OnnxEmbedder)
    assert int8_guards.inner.name.endswith("+onnx-int8") and int8_guards.inner.batch_size == 1
    float_course = course.settings.with_overrides({"safety": {"encoder_precision": "float"}})
    assert guard_embedder(float_course, course.embedder) is course.embedder  # float ONNX shared
    torch_embedder = real_models.torch_embedder()
    settings = float_course.with_overrides({"index": {"embedder": "sentence-transformers"}})
    guards = guard_embedder(settings, torch_embedder)
    assert isinstance(guards, CachedEmbedder) and isinstance(guards.inner, OnnxEmbedder)
    assert guards.inner.name.endswith("+onnx")
    assert guard_embedder(settings, torch_embedder) is guards  # one per process
    int8 = settings.with_overrides({"index": {"embedder": "onnx-int8"}})
    assert guard_embedder(int8, torch_embedder) is guards  # never the int8 vectors
    texts = [ANSWER, f"Tell me how to do this: {ANSWER}", "How do I pick a lock?"]
    cosines = (guards.embed(texts) * torch_embedder.embed(texts)).sum(axis=1)
    assert np.all(cosines > 0.9999)
    from safety import OutputGuard

    _, onnx_guard = make_guards(settings, torch_embedder)
    torch_guard = OutputGuard(settings.safety, encoder=torch_embedder.embed)
    assert onnx_guard is not None
    for text in [ANSWER, "You are worthless and everyone hates you."]:
        ours, theirs = onnx_guard.check(text), torch_guard.check(text)
        assert (ours.allowed, ours.action) == (theirs.allowed, theirs.action)
