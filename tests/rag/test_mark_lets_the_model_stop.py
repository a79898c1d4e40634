"""The real bundled model, marked in process: the mark must not keep it from stopping.

Before the end-of-turn ids got the green bias, a red end token lost delta (4) against the
green ones at every step and the model wrote on to the token cap. The same prompts and
seeds are generated plain, marked without the end ids, and marked as the app marks. How
much the end ids shorten an answer depends on the llama.cpp build (on one build four
prompts came out token for token the same with and without them), so the test asks that
they never lengthen one, and that marked answers end before the cap about as often and as
soon as plain ones.
"""

from __future__ import annotations

import statistics

import pytest

from rag.generation import LlamaCppGenerator, Message
from rag.paths import bundled_llm_path
from rag.settings import Settings
from safety.watermark import GreenListProcessor

pytestmark = pytest.mark.slow

CAP = 120
QUESTIONS = [
    "In one sentence: what is data drift?",
    "Name one metric used to evaluate a classifier.",
    "What does RAG stand for?",
    "In one sentence: why split data into train and test sets?",
    "In one sentence: what is overfitting?",
    "What does a confusion matrix show?",
    "In one sentence: what is a content filter?",
    "Name one way to detect data drift.",
]


def _lengths(generator: LlamaCppGenerator, arm: str) -> list[int]:
    settings = Settings()
    lengths = []
    for seed, question in enumerate(QUESTIONS):
        messages: list[Message] = [
            {"role": "system", "content": "You are a teaching assistant. Answer briefly."},
            {"role": "user", "content": question},
        ]
        processor = None
        if arm != "plain":
            ends = generator.end_ids if arm == "app" else frozenset()
            processor = GreenListProcessor(
                settings.watermark, generator.n_vocab, settings.generation.temperature, ends
            )
        stream = generator.stream(
            messages,
            max_tokens=CAP,
            temperature=settings.generation.temperature,
            top_p=settings.generation.top_p,
            logits_processor=processor,
            seed=seed,
        )
        for _ in stream:
            pass
        lengths.append(stream.result.completion_tokens)
    return lengths


def test_a_marked_answer_stops_about_where_a_plain_one_does() -> None:
    generator = LlamaCppGenerator(bundled_llm_path(), n_threads=1)
    assert generator.end_ids, "the bundled model's end-of-turn ids were not found"
    plain, held, app = (_lengths(generator, arm) for arm in ("plain", "held", "app"))
    assert sum(app) <= sum(held), (plain, held, app)
    assert sum(length < CAP for length in app) >= len(QUESTIONS) - 3, (plain, held, app)
    assert statistics.median(app) <= 2 * statistics.median(plain) + 10, (plain, held, app)
