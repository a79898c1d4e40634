"""BM25 keyword scoring over chunks: catches exact terms that embeddings blur."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "about",
        "also",
        "any",
        "each",
        "may",
        "might",
        "more",
        "most",
        "much",
        "not",
        "no",
        "only",
        "other",
        "same",
        "some",
        "very",
    ]
)
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_VOWEL = re.compile("[aeiouy]")
_MIN_STEM = 3


def stem(word: str) -> str:
    """A light English stemmer under which a word and its inflections stem alike.

    "loss"/"losses", "bias"/"biases"/"biased", "class"/"classes", "feature"/"features",
    "category"/"categories" and "train"/"training"/"trained" each share one stem. The
    steps run to a fixed point, so a stem is a stem of itself. Letters outside ASCII
    are kept ("café", "naïve"); stems are never shorter than three letters.
    """
    previous = None
    while word != previous:
        previous = word
        word = _stem_once(word)
    return word


@functools.lru_cache(maxsize=65536)
def _stem_once(word: str) -> str:
    for mark in ("'s", "’s"):
        if word.endswith(mark):
            word = word[: -len(mark)]
    # "categories" -> "categori"; "category" becomes "categori" below
    plural_ies = word.endswith("ies") and len(word) - 2 >= _MIN_STEM
    word = word[:-2] if plural_ies else _drop_s(word)
    if not word.endswith("eed"):
        for suffix in ("ing", "ed"):
            rest = word[: -len(suffix)]
            if word.endswith(suffix) and len(rest) >= _MIN_STEM and _VOWEL.search(rest):
                word = rest[:-1] if _doubled(rest) else rest
                break
    if word.endswith("e") and len(word) - 1 >= _MIN_STEM:
        word = word[:-1]
    if word.endswith("y") and len(word) > _MIN_STEM:
        word = word[:-1] + "i"
    return _drop_s(word)


def _drop_s(word: str) -> str:
    """A final "s" goes, except from "ss" ("loss", "class", "process" keep theirs)."""
    if word.endswith("s") and not word.endswith("ss") and len(word) - 1 >= _MIN_STEM:
        return word[:-1]
    return word


def _doubled(rest: str) -> bool:
    return len(rest) > _MIN_STEM and rest[-1] == rest[-2] and rest[-1] not in "lsz" + "aeiou"


def terms(text: str) -> list[str]:
    """Case-folded (NFC), stop-word-free, lightly stemmed terms; any script's letters."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    return [stem(w) for w in words if w not in STOP_WORDS]


class BM25:
    """Okapi BM25 (k1, b) over a fixed list of documents."""

    def __init__(self, documents: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._docs = [Counter(terms(d)) for d in documents]
        self._lengths = np.array([sum(c.values()) for c in self._docs], dtype=np.float64)
        self._avg = float(self._lengths.mean()) if len(self._docs) else 0.0
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every term of the documents (stemmed, as `terms` gives them)."""
        return frozenset(self._idf)

    def scores(self, query: str) -> npt.NDArray[np.float64]:
        """BM25 score of every document for the query (0 where no term matches)."""
        out = np.zeros(len(self._docs), dtype=np.float64)
        if not self._docs:
            return out
        norm = self.k1 * (1 - self.b + self.b * self._lengths / max(self._avg, 1e-9))
        for term in set(terms(query)):
            idf = self._idf.get(term)
            if idf is None:
                continue
            tf = np.array([doc.get(term, 0) for doc in self._docs], dtype=np.float64)
            out += idf * tf * (self.k1 + 1) / (tf + norm)
        return out
