"""The local claim verifier: does a retrieved passage support a claim of the answer?

No LLM judge and nothing from a model hub. Four signals, combined into one score:

1. semantic: the highest cosine similarity (MiniLM embeddings) between the claim and a
   window of one or two consecutive passage sentences;
2. lexical: the share of the claim's content words (stemmed, stopwords dropped) found in
   the passage;
3. numbers: every number of the claim must occur in the passage, otherwise score 0;
4. negation: if the claim is negated ("not", "never", "no", "without", "n't") and the
   best-matching window is not, the score is multiplied by `negation_penalty`. The reverse
   (a negated passage, an affirmative claim) is not penalised: passages say "without" and
   "not yet" too often for that to help on the labelled pairs.

score = w * semantic + (1 - w) * lexical; supported when score >= threshold. `w` and the
threshold are calibrated on labelled pairs (see calibration.py).

Quoted spans that a passage presents as what someone says or might say (a model "might
confidently respond 'Brazil won ...'") are blanked before any of this, so a quoted wrong
answer never supports the same words in the answer. A claim that itself reports a hedge or
an example ("a model might answer ...", "... as an example of hallucination") is checked
against the unmasked passage.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from eval.hallucination.text import (
    content_words,
    is_hedged,
    mask_hypothetical_quotes,
    negations,
    numbers,
    quoted_spans,
    split_sentences,
    without_quotes,
)
from rag.embeddings import Embedder


class VerifierConfig(BaseModel):
    """The verifier's tunable parameters (the defaults are overwritten by calibration)."""

    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(0.5, ge=0.0, le=1.0)
    embedding_weight: float = Field(0.5, ge=0.0, le=1.0)
    negation_penalty: float = Field(0.5, ge=0.0, le=1.0)


@dataclass(frozen=True)
class Features:
    """The raw signals for one (claim, passage) pair, before weighting."""

    semantic: float
    lexical: float
    numbers_ok: bool
    negation_ok: bool

    def score(self, config: VerifierConfig) -> float:
        if not self.numbers_ok:
            return 0.0
        w = config.embedding_weight
        value = w * self.semantic + (1 - w) * self.lexical
        return value if self.negation_ok else value * config.negation_penalty


@dataclass(frozen=True)
class Support:
    """The verdict for one claim against the best of several passages."""

    claim: str
    supported: bool
    score: float
    passage: int | None
    features: Features | None


class ClaimVerifier:
    """Scores claims against passages with one shared embedder (embeddings are cached)."""

    def __init__(self, embedder: Embedder, config: VerifierConfig | None = None) -> None:
        self.embedder = embedder
        self.config = config or VerifierConfig()
        self._cache: dict[str, np.ndarray] = {}

    def features(self, claim: str, passage: str) -> Features:
        masked = passage if is_hedged(claim) else mask_hypothetical_quotes(passage)
        windows = _windows(masked)
        vectors = self._vectors([claim, *windows])
        sims = vectors[1:] @ vectors[0]
        best = int(np.argmax(sims)) if len(windows) else 0
        semantic = float(max(0.0, sims[best])) if len(windows) else 0.0
        return Features(
            semantic=semantic,
            lexical=_lexical(claim, masked, passage),
            numbers_ok=_numbers_ok(claim, masked, passage),
            negation_ok=_negation_ok(without_quotes(claim), windows[best]) if windows else True,
        )

    def warm(self, claims: Sequence[str], passages: Sequence[str]) -> None:
        """Embed every text that `check` will need in one batch (much faster than one by one)."""
        texts = list(claims)
        for passage in passages:
            texts += _windows(passage) + _windows(mask_hypothetical_quotes(passage))
        self._vectors(texts)

    def check(self, claim: str, passages: Sequence[str]) -> Support:
        """The claim against each passage; supported if the best passage scores high enough."""
        best: tuple[float, int | None, Features | None] = (0.0, None, None)
        for i, passage in enumerate(passages):
            found = self.features(claim, passage)
            score = found.score(self.config)
            if best[1] is None or score > best[0]:
                best = (score, i, found)
        return Support(
            claim=claim,
            supported=best[1] is not None and best[0] >= self.config.threshold,
            score=round(best[0], 4),
            passage=best[1],
            features=best[2],
        )

    def _vectors(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self.embedder.embed(missing), strict=True):
                self._cache[text] = np.asarray(vector, dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


def _windows(text: str) -> list[str]:
    sentences = split_sentences(text) or [text]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(sentences)]
    return [*sentences, *pairs]


def _negation_ok(claim: str, window: str) -> bool:
    return not negations(claim) or bool(negations(window))


def _lexical(claim: str, masked_passage: str, raw_passage: str) -> float:
    asserted = content_words(without_quotes(claim))
    quoted = set().union(*(content_words(q) for q in quoted_spans(claim)))
    wanted = len(asserted) + len(quoted)
    if wanted == 0:
        return 0.0
    found = len(asserted & content_words(masked_passage)) + len(quoted & content_words(raw_passage))
    return found / wanted


def _numbers_ok(claim: str, masked_passage: str, raw_passage: str) -> bool:
    asserted = numbers(without_quotes(claim))
    quoted = set().union(*(numbers(q) for q in quoted_spans(claim)))
    return asserted <= numbers(masked_passage) and quoted <= numbers(raw_passage)
