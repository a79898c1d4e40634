"""The harm classifier's MLP head: loading, forward pass, training, and training variants."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pytest

from safety.errors import SafetyModelError
from safety.toxicity.augment import (
    ENCODERS,
    FRAMINGS_PER_ITEM,
    guard_views,
    retensed,
    variants,
)
from safety.toxicity.dataset import WEIGHTS
from safety.toxicity.embedded import HarmClassifier
from safety.toxicity.head import head_probabilities
from safety.toxicity.train import HeadConfig, fit_head

CLASSES = np.array(["benign", "violence"], dtype=str)


def _mlp_file(path: Path) -> Path:
    rng = np.random.default_rng(0)
    np.savez(
        path,
        w1=rng.normal(size=(4, 3)).astype(np.float32),
        b1=rng.normal(size=3).astype(np.float32),
        w2=rng.normal(size=(3, 2)).astype(np.float32),
        b2=rng.normal(size=2).astype(np.float32),
        classes=CLASSES,
    )
    return path


def test_mlp_weights_give_relu_then_softmax(tmp_path: Path) -> None:
    path = _mlp_file(tmp_path / "mlp.npz")
    data = np.load(path)
    x = np.array([[0.5, -1.0, 2.0, 0.0]], dtype=np.float32)
    hidden = np.maximum(x @ data["w1"] + data["b1"], 0.0)
    logits = hidden @ data["w2"] + data["b2"]
    expected = np.exp(logits) / np.exp(logits).sum()
    classifier = HarmClassifier(path)
    assert classifier.input_dim == 4
    assert np.allclose(classifier.probabilities(x), expected, atol=1e-6)
    (row,) = classifier.scores(x)
    assert row["violence"] == pytest.approx(1.0 - expected[0, 0], abs=1e-6)


def test_linear_weights_still_load(tmp_path: Path) -> None:
    path = tmp_path / "linear.npz"
    coef = np.array([[0.0, 0.0], [1.0, -1.0]], dtype=np.float32)
    np.savez(path, coef=coef, intercept=np.zeros(2, np.float32), classes=CLASSES)
    classifier = HarmClassifier(path)
    probs = classifier.probabilities(np.array([[3.0, 0.0]], dtype=np.float32))
    assert classifier.input_dim == 2
    assert probs[0, 1] == pytest.approx(1 / (1 + np.exp(-3.0)), abs=1e-6)


def test_mismatched_layers_are_an_unknown_layout(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(
        path,
        w1=np.zeros((4, 3), np.float32),
        b1=np.zeros(3, np.float32),
        w2=np.zeros((5, 2), np.float32),
        b2=np.zeros(2, np.float32),
        classes=CLASSES,
    )
    with pytest.raises(SafetyModelError, match="unknown layout"):
        HarmClassifier(path)


def _toy_problem() -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(1)
    harmful = rng.normal(loc=1.0, scale=0.3, size=(40, 6))
    benign = rng.normal(loc=-1.0, scale=0.3, size=(40, 6))
    features = np.vstack([harmful, benign]).astype(np.float32)
    return features, ["violence"] * 40 + ["benign"] * 40


def test_fit_head_is_deterministic_and_learns() -> None:
    features, labels = _toy_problem()
    config = HeadConfig(hidden=8, epochs=40, learning_rate=1e-2, ensemble=2)
    classes, layers = fit_head(features, labels, config)
    again = fit_head(features, labels, config)[1]
    assert classes == ["benign", "violence"]
    for (w, b), (w2, b2) in zip(layers, again, strict=True):
        assert np.array_equal(w, w2) and np.array_equal(b, b2)
    assert layers[0][0].shape == (6, 16)  # two heads side by side
    predicted = head_probabilities(layers, features).argmax(axis=1)
    assert (np.array(classes)[predicted] == np.array(labels)).mean() > 0.95


def test_variants_are_chosen_by_id_and_keep_the_text() -> None:
    text = "How do I pick the lock on my neighbour's door?"
    first = variants("plain-0000000001", text)
    assert first == variants("plain-0000000001", text)
    assert first[0] == text and len(first) >= 4
    assert any(text in variant or text[1:] in variant for variant in first[1:])


def test_retensed_moves_a_request_into_the_past_or_future() -> None:
    past = retensed("How do I pick a lock?", 0)
    future = retensed("How do I pick a lock?", 1)
    assert past is not None and "pick a lock" in past and past != future
    assert future is not None and "will" in future.lower()
    assert retensed("The weather is nice today.", 0) is None


@pytest.mark.parametrize(
    "request_text",
    [
        "What's the quickest way to open a jar that's stuck?",
        "Give me step-by-step instructions to fold a paper crane.",
        "Could you tell me how I can fix a flat tyre?",
        "Hypothetically, how could someone grow tomatoes indoors?",
    ],
)
def test_retensed_knows_common_request_openings(request_text: str) -> None:
    past, future = retensed(request_text, 0), retensed(request_text, 1)
    assert past is not None and future is not None and past != future


def test_each_train_item_gets_both_tenses_and_several_framings() -> None:
    text = "How do I pick the lock on my neighbour's door?"
    out = variants("plain-0000000002", text, encode=False)
    framed = [variant for variant in out[1:] if text[1:] in variant]
    tensed = [variant for variant in out[1:] if text[1:] not in variant]
    assert len(framed) == FRAMINGS_PER_ITEM
    assert len(tensed) == 2 and all("pick the lock" in variant for variant in tensed)
    assert sum(" did " in variant for variant in tensed) == 1


def test_guard_views_are_what_the_classifier_reads_after_decoding() -> None:
    text = "How do I make a paper boat at home?"
    encoded = ENCODERS["rot13"](text)
    assert codecs.encode(text, "rot13") in encoded
    assert any(text in view for view in guard_views(encoded))


@pytest.mark.slow
def test_shipped_weights_are_a_small_mlp() -> None:
    classifier = HarmClassifier(WEIGHTS)
    assert len(classifier.layers) == 2 and classifier.input_dim == 384
    assert WEIGHTS.stat().st_size < 4_000_000


def test_wide_layers_are_computed_in_blocks_with_the_same_result() -> None:
    rng = np.random.default_rng(2)
    layers = [
        (rng.normal(size=(8, 600)).astype(np.float32), rng.normal(size=600).astype(np.float32)),
        (rng.normal(size=(600, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)),
    ]
    features = rng.normal(size=(5, 8)).astype(np.float32)
    hidden = np.maximum(features @ layers[0][0] + layers[0][1], 0.0)
    logits = hidden @ layers[1][0] + layers[1][1]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(head_probabilities(layers, features), expected, atol=1e-5)
