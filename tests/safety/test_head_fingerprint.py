"""A guard uses the harm head fitted on its encoder's vectors, found by fingerprint, and
refuses (fail closed) when its encoder matches no head."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from safety import InputGuard, SafetyPolicy
from safety.guards import FAIL_CLOSED_POLICY
from safety.toxicity import embedded
from safety.toxicity.dataset import WEIGHTS
from safety.toxicity.embedded import EmbeddedToxicity, HarmClassifier
from safety.toxicity.heads import INT8_ENCODER, MATCH_COSINE, PROBES, SHIPPED, matches

DIM = 8


def _encoder(salt: str, noise: float = 0.0) -> Callable[[list[str]], np.ndarray]:
    """A deterministic fake encoder: each text's vector from a hash of it and `salt`
    (`noise` adds a fixed perturbation, like another precision of the same model)."""

    def encode(texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")
            base = np.random.default_rng(seed).normal(size=DIM)
            jitter = np.random.default_rng(seed + len(salt)).normal(size=DIM)
            rows.append(base + noise * jitter)
        array = np.asarray(rows, dtype=np.float32)
        return array / np.linalg.norm(array, axis=1, keepdims=True)

    return encode


def _head(path: Path, name: str, harmful_bias: float, fingerprint: np.ndarray | None) -> Path:
    """A linear head that scores every text by its bias alone: violence iff bias > 0."""
    arrays: dict[str, np.ndarray] = {
        "coef": np.zeros((2, DIM), np.float32),
        "intercept": np.array([0.0, harmful_bias], np.float32),
        "classes": np.array(["benign", "violence"], dtype=str),
        "encoder": np.array(name),
    }
    if fingerprint is not None:
        arrays["fingerprint"] = fingerprint
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


FLOAT = _encoder("float")
INT8 = _encoder("int8", noise=0.3)


@pytest.fixture
def two_heads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shipped heads replaced by two that disagree on everything: the float one allows,
    the int8 one refuses, so a verdict says which head judged it."""
    heads = {
        "float": _head(tmp_path / "f.npz", "minilm", -5.0, FLOAT(list(PROBES))),
        "int8": _head(tmp_path / "i.npz", INT8_ENCODER, 5.0, INT8(list(PROBES))),
    }
    monkeypatch.setattr(embedded, "SHIPPED", heads)


def test_the_fake_precisions_are_as_far_apart_as_real_ones() -> None:
    cosines = (FLOAT(list(PROBES)) * INT8(list(PROBES))).sum(axis=1)
    assert np.all(cosines < MATCH_COSINE) and np.all(cosines > 0.8)
    assert matches(FLOAT(list(PROBES)), FLOAT(list(PROBES)))
    assert not matches(FLOAT(list(PROBES)), INT8(list(PROBES)))


@pytest.mark.usefixtures("two_heads")
def test_each_encoder_gets_the_head_fitted_on_it() -> None:
    as_float = EmbeddedToxicity(FLOAT)
    as_int8 = EmbeddedToxicity(INT8)
    assert (as_float.encoder_name, as_int8.encoder_name) == ("minilm", INT8_ENCODER)
    assert as_float("What is data drift?").scores["violence"] < 0.5
    assert as_int8("What is data drift?").scores["violence"] > 0.5


@pytest.mark.usefixtures("two_heads")
def test_an_encoder_that_matches_no_head_fails_closed_and_says_why() -> None:
    guard = InputGuard(SafetyPolicy(), encoder=_encoder("other", noise=1.0))
    verdict = guard.check("What is data drift?")
    assert (verdict.allowed, verdict.fail_closed, verdict.policy) == (
        False,
        True,
        FAIL_CLOSED_POLICY,
    )
    assert "no harm head was fitted on" in verdict.reasons[0]


@pytest.mark.usefixtures("two_heads")
def test_an_encoder_broken_at_start_is_matched_once_it_works() -> None:
    calls = {"n": 0}

    def flaky(texts: list[str]) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("not ready")
        return FLOAT(texts)

    guard = InputGuard(SafetyPolicy(), encoder=flaky)  # the probe at start fails
    assert guard.check("What is data drift?").allowed


def test_a_head_without_fingerprint_named_alone_serves_any_encoder(tmp_path: Path) -> None:
    legacy = _head(tmp_path / "legacy.npz", "minilm", -5.0, None)
    check = EmbeddedToxicity(_encoder("anything"), legacy)
    assert check("What is data drift?").scores["violence"] < 0.5
    assert check.encoder_name == "minilm"


def test_shipped_heads_carry_their_encoder_fingerprint_and_lexical_part() -> None:
    assert SHIPPED["float"] == WEIGHTS
    heads = {precision: HarmClassifier(path) for precision, path in SHIPPED.items()}
    assert {p: head.encoder_name for p, head in heads.items()} == {
        "float": "minilm",
        "int8": INT8_ENCODER,
    }
    for head in heads.values():
        assert head.fingerprint is not None and head.fingerprint.shape == (len(PROBES), 384)
        assert head.lexical is not None and 0 < head.lexical_weight < 1
