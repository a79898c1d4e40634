"""The guards embed with their model at `safety.encoder_precision` (int8 by default),
whatever embeds the index."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.components import guard_embedder, guard_export, int8_head_fit, make_guards
from rag.embeddings import CachedEmbedder, HashingEmbedder
from rag.onnx_embedder import OnnxEmbedder
from rag.settings import load_settings
from safety.toxicity.heads import MATCH_COSINE
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
    export = guard_export(course.settings, course.embedder, "int8")
    assert isinstance(export, CachedEmbedder) and isinstance(export.inner, OnnxEmbedder)
    assert export.inner.name.endswith("+onnx-int8") and export.inner.batch_size == 1
    fits = int8_head_fit(export) >= MATCH_COSINE  # this CPU's int8 arithmetic
    assert int8_guards is (export if fits else course.embedder)
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


class _ProbeEmbedder:
    """An 'int8 export' whose probe vectors are the shipped int8 head's fingerprint,
    nudged by `shift` (0 fits the head; 0.3 is another CPU's arithmetic)."""

    name = "probe-int8"
    dim = 384

    def __init__(self, shift: float) -> None:
        self.shift = shift

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from safety.toxicity.heads import PROBES, head_path

        with np.load(head_path("int8")) as data:
            fingerprint = np.asarray(data["fingerprint"], np.float32)
        assert list(texts) == list(PROBES)
        noise = np.random.default_rng(0).normal(size=fingerprint.shape).astype(np.float32)
        return fingerprint + self.shift * noise * np.linalg.norm(fingerprint, axis=1)[:, None]


@pytest.mark.parametrize(("shift", "int8_kept"), [(0.0, True), (0.3, False)])
def test_an_int8_export_that_fits_no_head_on_this_cpu_hands_the_guards_the_float_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    shift: float,
    int8_kept: bool,
) -> None:
    from rag import components

    made: dict[str, CachedEmbedder] = {
        "int8": CachedEmbedder(_ProbeEmbedder(shift)),
        "float": CachedEmbedder(HashingEmbedder()),
    }
    monkeypatch.setattr(components, "guard_onnx", lambda _p, precision, _t, _c: made[precision])
    settings = load_settings(data_dir=tmp_path, index={"embedder": "sentence-transformers"})
    assert settings.safety.encoder_precision == "int8"
    embedder = CachedEmbedder(HashingEmbedder())
    with caplog.at_level("WARNING", logger="rag.components"):
        chosen = guard_embedder(settings, embedder)
    assert chosen is made["int8" if int8_kept else "float"]
    assert ("int8 export gives other vectors" in caplog.text) is not int8_kept


def test_shipped_fit_is_one_on_the_fingerprint_and_zero_for_a_missing_head(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from safety.toxicity import heads

    with np.load(heads.head_path("int8")) as data:
        fingerprint = np.asarray(data["fingerprint"], np.float32)
    assert heads.shipped_fit(fingerprint, "int8") == pytest.approx(1.0, abs=1e-6)
    assert heads.shipped_fit(-fingerprint, "int8") < 0
    monkeypatch.setitem(heads.SHIPPED, "int8", tmp_path / "missing.npz")
    assert heads.shipped_fit(fingerprint, "int8") == 0.0
