"""The benchmark's figures, computed from the generated samples and the course text."""

from __future__ import annotations

import math
import re
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from eval.watermark.generate import Sample
from safety.watermark import GreenListDetector, GreenListProcessor, WatermarkConfig

LENGTHS = (50, 100, 200)
ATTACKS = (("delete", 0.10), ("delete", 0.25), ("replace", 0.10), ("replace", 0.25))
_WORD = re.compile(r"[a-z][a-z\-]{3,}")
_STOP = frozenset(
    [
        "this",
        "that",
        "with",
        "from",
        "they",
        "their",
        "there",
        "which",
        "what",
        "when",
        "where",
        "have",
        "been",
        "were",
        "will",
        "would",
        "also",
        "into",
        "such",
        "than",
        "then",
        "these",
        "those",
        "more",
        "most",
        "some",
        "other",
        "each",
        "about",
        "over",
        "only",
        "very",
        "does",
        "used",
        "using",
        "uses",
        "because",
        "while",
        "being",
        "many",
        "much",
    ]
)


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _rate(hits: Sequence[bool]) -> float | None:
    return sum(hits) / len(hits) if hits else None


def content_overlap(answer: str, context: str) -> float:
    """Fraction of the answer's content words that appear in the context passage."""
    words = [w for w in _WORD.findall(answer.lower()) if w not in _STOP]
    vocabulary = set(_WORD.findall(context.lower()))
    return sum(w in vocabulary for w in words) / len(words) if words else 0.0


def attack(ids: list[int], kind: str, fraction: float, vocab: int, seed: int) -> list[int]:
    """Delete or replace (with random ids) `fraction` of the tokens at random positions."""
    rng = np.random.default_rng(seed)
    hit = set(rng.choice(len(ids), size=round(fraction * len(ids)), replace=False).tolist())
    if kind == "delete":
        return [t for i, t in enumerate(ids) if i not in hit]
    return [int(rng.integers(vocab)) if i in hit else t for i, t in enumerate(ids)]


def detection_by_length(
    samples: list[Sample], detector: GreenListDetector, threshold: float
) -> dict[str, Any]:
    """Positive rate at z >= threshold and median z, per arm and truncation length."""
    table: dict[str, Any] = {}
    for arm in ("watermarked", "plain"):
        for length in LENGTHS:
            long_enough = [s for s in samples if s.arm == arm and len(s.token_ids) >= length]
            zs = [detector.detect(s.token_ids[:length]).z for s in long_enough]
            table[f"{arm}@{length}"] = {
                "n": len(zs),
                "positive_rate": _rate([z >= threshold for z in zs]),
                "median_z": _median(zs),
                "median_scored": _median(
                    [detector.detect(s.token_ids[:length]).scored_tokens for s in long_enough]
                ),
            }
    return table


def robustness(
    samples: list[Sample], detector: GreenListDetector, threshold: float, length: int
) -> dict[str, Any]:
    """Detection of watermarked answers (first `length` tokens) after random edits."""
    marked = [s.token_ids[:length] for s in samples if s.arm == "watermarked"]
    table: dict[str, Any] = {}
    for kind, fraction in ATTACKS:
        zs = [
            detector.detect(attack(ids, kind, fraction, detector.vocab_size, seed=i)).z
            for i, ids in enumerate(marked)
        ]
        table[f"{kind} {fraction:.0%}"] = {
            "n": len(zs),
            "positive_rate": _rate([z >= threshold for z in zs]),
            "median_z": _median(zs),
        }
    return table


def human_text(
    paragraphs: list[str], tokenize: Callable[[str], list[int]], detector: GreenListDetector
) -> dict[str, Any]:
    """False positives on every paragraph of the human-written course, and on all of it."""
    verdicts = [detector.detect(tokenize(p)) for p in paragraphs]
    judged = [v for v in verdicts if v.verdict != "too short to tell"]
    whole = tokenize("\n\n".join(paragraphs))
    return {
        "paragraphs": len(paragraphs),
        "judged": len(judged),
        "too_short": len(verdicts) - len(judged),
        "false_positives": sum(v.verdict == "watermarked" for v in judged),
        "max_z": max((v.z for v in judged), default=None),
        "median_z": _median([v.z for v in judged]),
        "whole_document_z": detector.detect(whole).z,
        "whole_document_tokens": len(whole),
        "spans_in_whole_document": len(detector.detect_spans(whole)),
    }


def round_trip(
    samples: list[Sample], tokenize: Callable[[str], list[int]], detector: GreenListDetector
) -> dict[str, Any]:
    """Detection from the answer text re-tokenised, as `coursebot watermark detect` sees it."""
    table: dict[str, Any] = {}
    for arm in ("watermarked", "plain"):
        zs = [detector.detect(tokenize(s.text)).z for s in samples if s.arm == arm]
        table[arm] = {
            "n": len(zs),
            "positive_rate": _rate([z >= detector.config.z_threshold for z in zs]),
            "median_z": _median(zs),
        }
    return table


def cost(samples: list[Sample]) -> dict[str, Any]:
    """Per-token decode time of each arm, from interleaved pairs of the same run."""
    per_token: dict[str, dict[int, float]] = {"watermarked": {}, "plain": {}}
    for s in samples:
        if len(s.token_ids) > 1:
            decode = s.seconds - s.first_token_s
            per_token[s.arm][s.index] = decode / (len(s.token_ids) - 1)
    paired = sorted(set(per_token["watermarked"]) & set(per_token["plain"]))
    ratios = [per_token["watermarked"][i] / per_token["plain"][i] for i in paired]
    marked_ms = [per_token["watermarked"][i] * 1e3 for i in paired]
    plain_ms = [per_token["plain"][i] * 1e3 for i in paired]
    return {
        "pairs": len(paired),
        "median_ms_per_token_watermarked": _median(marked_ms),
        "median_ms_per_token_plain": _median(plain_ms),
        "median_pair_ratio": _median(ratios),
    }


def processor_ms(config: WatermarkConfig, vocab: int, repeats: int = 500) -> float:
    """Median milliseconds of one processor call over the whole vocabulary."""
    processor = GreenListProcessor(config, vocab, temperature=0.7)
    rng = np.random.default_rng(0)
    scores = rng.normal(size=vocab).astype(np.single)
    ids = rng.integers(0, vocab, size=400).astype(np.intc)
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        processor(ids[: 1 + i % 399], scores)
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


def quality(samples: list[Sample], contexts: dict[str, str]) -> dict[str, Any]:
    """Perplexity under the unbiased model, and overlap of content words with the context."""
    table: dict[str, Any] = {}
    for arm in ("watermarked", "plain"):
        mine = [s for s in samples if s.arm == arm]
        nll = [s.mean_nll for s in mine if s.mean_nll is not None]
        table[arm] = {
            "n": len(mine),
            "median_perplexity": math.exp(statistics.median(nll)) if nll else None,
            "median_context_overlap": _median(
                [content_overlap(s.text, contexts.get(s.section, "")) for s in mine]
            ),
        }
    return table
