"""Character n-grams beside the embedding: what a request's words look like, not only
what MiniLM makes of them.

A mean-pooled sentence embedding dilutes a harmful request's few telling words among
its frame ("for a novel", "what would happen if"), and reads fraud ("fake reviews",
"backdated invoice") like ordinary business writing. A linear model over hashed
character 3-5-grams sees those words, their misspellings and their leetspeak remnants
directly. Its class probabilities are mixed with the MLP head's (`blend`), and the guard's
threshold is chosen on the mixture (`safety.toxicity.train`).

The model is a multinomial logistic regression over sublinear tf-idf of hashed n-grams
(`N_FEATURES` columns, no vocabulary to ship), stored in the head's .npz as `lex_idf`,
`lex_coef` (float16), `lex_intercept` and `lex_weight`.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

N_FEATURES = 2**16
NGRAMS = (3, 5)
C = 4.0
"""Inverse regularisation of the logistic regression (one value tried, not tuned)."""


@functools.cache
def _hashing() -> tuple[Any, Any]:
    """(analyzer, hasher) of a HashingVectorizer of `NGRAMS` character n-grams, built once:
    calling them directly skips the vectorizer's per-call parameter validation (about
    1 ms a call, a twentieth of the guard's time)."""
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, n_features=N_FEATURES,
        alternate_sign=False, norm=None, lowercase=True,
    )  # fmt: skip
    hasher = FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False)
    return vectorizer.build_analyzer(), hasher


def ngram_counts(texts: list[str]) -> Any:
    """Hashed character n-gram counts of the texts (sparse, `N_FEATURES` columns)."""
    analyzer, hasher = _hashing()
    return hasher.transform(analyzer(text) for text in texts).astype(np.float32)


class LexicalModel:
    """Class probabilities of texts from their character n-grams."""

    def __init__(self, idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> None:
        if idf.shape != (N_FEATURES,) or coef.shape != (len(intercept), N_FEATURES):
            raise ValueError(f"lexical model of shape {coef.shape} / {idf.shape}")
        self.idf = np.asarray(idf, np.float32)
        self.coef = np.asarray(coef, np.float32)
        self._columns = np.ascontiguousarray(self.coef.T)  # (features, classes), for the product
        self.intercept = np.asarray(intercept, np.float32)

    def features(self, texts: list[str]) -> Any:
        """Sublinear tf-idf rows, L2-normalised (as sklearn's TfidfTransformer makes them)."""
        from scipy import sparse

        counts = sparse.csr_matrix(ngram_counts(texts))
        counts.data = 1.0 + np.log(counts.data)
        weighted = counts.multiply(self.idf[np.newaxis, :]).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        return sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ weighted

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Per text, the softmax over classes (the head's `classes` order)."""
        logits = np.asarray(self.features(texts) @ self._columns) + self.intercept
        logits = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        return np.asarray(probs / probs.sum(axis=1, keepdims=True), dtype=np.float32)

    def arrays(self, weight: float) -> dict[str, np.ndarray]:
        """What the head's .npz stores for this model mixed in at `weight`."""
        return {
            "lex_idf": self.idf,
            "lex_coef": self.coef.astype(np.float16),
            "lex_intercept": self.intercept,
            "lex_weight": np.array(weight, np.float32),
        }


def fit_lexical(texts: list[str], labels: list[str], classes: list[str]) -> LexicalModel:
    """Fit on `texts` (already identity-masked), classes balanced; rows in `classes` order."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    tfidf = TfidfTransformer(sublinear_tf=True).fit(ngram_counts(texts))
    model = LogisticRegression(C=C, max_iter=300, class_weight="balanced")
    model.fit(tfidf.transform(ngram_counts(texts)), labels)
    coef = np.asarray(model.coef_, np.float32)
    intercept = np.asarray(model.intercept_, np.float32)
    if len(model.classes_) == 2:  # one row for the second class: softmax over [0, row]
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([np.zeros_like(intercept), intercept])
    order = [list(model.classes_).index(name) for name in classes]
    return LexicalModel(np.asarray(tfidf.idf_, np.float32), coef[order], intercept[order])


def blend(head: np.ndarray, lexical: np.ndarray, weight: float) -> np.ndarray:
    """The mixture of the MLP head's and the lexical model's class probabilities."""
    return np.asarray((1.0 - weight) * head + weight * lexical, dtype=np.float32)
