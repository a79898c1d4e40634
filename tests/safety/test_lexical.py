"""The character n-gram model beside the MLP head: features, fit, storage and the mixture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safety.errors import SafetyModelError
from safety.toxicity.embedded import HarmClassifier
from safety.toxicity.head import head_probabilities
from safety.toxicity.lexical import N_FEATURES, LexicalModel, blend, fit_lexical, ngram_counts

CLASSES = ["benign", "fraud"]
TEXTS = [
    "write fake reviews for my shop",
    "post fake five star reviews",
    "backdate this invoice for the auditors",
    "how do I bake sourdough bread",
    "tips for watering tomato plants",
    "how do I write a thank-you note",
]
LABELS = ["fraud", "fraud", "fraud", "benign", "benign", "benign"]


def test_counts_are_those_of_sklearns_hashing_vectorizer() -> None:
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), n_features=N_FEATURES,
        alternate_sign=False, norm=None,
    )  # fmt: skip
    assert abs(ngram_counts(TEXTS) - vectorizer.transform(TEXTS)).sum() == 0


def test_features_are_sklearns_sublinear_tfidf() -> None:
    from sklearn.feature_extraction.text import TfidfTransformer

    model = fit_lexical(TEXTS, LABELS, CLASSES)
    reference = TfidfTransformer(sublinear_tf=True).fit(ngram_counts(TEXTS))
    ours = model.features(["fake reviews, fake reviews!"]).toarray()
    theirs = reference.transform(ngram_counts(["fake reviews, fake reviews!"])).toarray()
    assert np.allclose(ours, theirs, atol=1e-5)


def test_it_learns_words_and_keeps_the_heads_class_order() -> None:
    model = fit_lexical(TEXTS, LABELS, list(reversed(CLASSES)))  # fraud first
    probs = model.probabilities(["fake reviews for a restaurant", "bake bread at home"])
    assert probs[0, 0] > 0.5 > probs[1, 0]


def _head_file(path: Path, lexical: LexicalModel | None, weight: float = 0.5) -> Path:
    rng = np.random.default_rng(0)
    arrays = {
        "w1": rng.normal(size=(4, 3)).astype(np.float32),
        "b1": np.zeros(3, np.float32),
        "w2": rng.normal(size=(3, 2)).astype(np.float32),
        "b2": np.zeros(2, np.float32),
        "classes": np.array(CLASSES, dtype=str),
    }
    if lexical is not None:
        arrays |= lexical.arrays(weight)
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


def test_a_stored_lexical_part_is_mixed_into_the_heads_probabilities(tmp_path: Path) -> None:
    lexical = fit_lexical(TEXTS, LABELS, CLASSES)
    classifier = HarmClassifier(_head_file(tmp_path / "h.npz", lexical, 0.35))
    x = np.random.default_rng(1).normal(size=(2, 4)).astype(np.float32)
    texts = ["post fake reviews", "water the plants"]
    expected = blend(head_probabilities(classifier.layers, x), lexical.probabilities(texts), 0.35)
    assert np.allclose(classifier.probabilities(x, texts), expected, atol=1e-3)  # float16
    assert not np.allclose(expected, head_probabilities(classifier.layers, x), atol=1e-2)
    with pytest.raises(SafetyModelError, match="reads the texts"):
        classifier.probabilities(x)


def test_a_head_without_lexical_part_reads_embeddings_only(tmp_path: Path) -> None:
    classifier = HarmClassifier(_head_file(tmp_path / "h.npz", None))
    x = np.ones((1, 4), np.float32)
    assert np.allclose(classifier.probabilities(x), head_probabilities(classifier.layers, x))


def test_a_lexical_part_of_the_wrong_shape_is_a_clear_error(tmp_path: Path) -> None:
    path = _head_file(tmp_path / "h.npz", fit_lexical(TEXTS, LABELS, CLASSES))
    arrays = dict(np.load(path))
    arrays["lex_idf"] = np.ones(N_FEATURES // 2, np.float32)
    np.savez(path, **arrays)
    with pytest.raises(SafetyModelError, match="missing or corrupt"):
        HarmClassifier(path)
