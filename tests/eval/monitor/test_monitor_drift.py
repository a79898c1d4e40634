from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from eval.monitor.config import MonitorConfig
from eval.monitor.drift import drift_between, drift_report
from eval.monitor.turns import Turn, load_turns, now
from rag.components import make_embedder
from rag.embeddings import Embedder
from rag.settings import load_settings
from ui.cli.monitor import command

QUESTIONS = Path(__file__).resolve().parents[3] / "eval" / "data" / "questions.jsonl"

OFF_TOPIC = [
    "How long should I boil an egg for a runny yolk?",
    "Who won the football match last night?",
    "What is the best recipe for sourdough bread?",
    "How do I change a flat tyre on my bicycle?",
    "What is the capital city of Australia?",
    "Which plants grow well on a shady balcony?",
    "How many calories are in a banana?",
    "What time does the train to Lyon leave?",
    "Can you recommend a good thriller novel?",
    "How do I knit a scarf for beginners?",
    "What is the weather forecast for tomorrow?",
    "How do I remove red wine stains from a carpet?",
    "Who painted the Mona Lisa?",
    "What are the rules of cricket?",
    "How do I make a paper aeroplane that flies far?",
    "What should I pack for a camping trip?",
    "How often should I water a cactus?",
    "What is the tallest mountain in Africa?",
    "How do I train my puppy to sit?",
    "Which wine goes well with grilled fish?",
    "How do I tune a guitar by ear?",
    "What are good exercises for lower back pain?",
    "When is the best season to visit Japan?",
    "How do I bake chocolate chip cookies?",
    "What is the plot of Hamlet?",
    "How much does a new kitchen cost?",
    "Which birds migrate south in winter?",
    "How do I fix a dripping tap?",
    "What is a good name for a goldfish?",
    "How do I fold a fitted sheet?",
]


class WordLengthEmbedder:
    """Cheap deterministic stand-in: a vector of word-length counts."""

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 12))
        for row, text in enumerate(texts):
            for word in text.split():
                out[row, min(len(word), 11)] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def course_questions() -> list[str]:
    records = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    return [r["question"] for r in records if r.get("kind") == "answerable"]


def turn(i: int, question: str = "q", top: float | None = 0.6, abstained: bool = False) -> Turn:
    return Turn(
        id=i, ts=now(), session_id="s", arm="default", question=question, answer="a",
        abstained=abstained, refused=False, refusal_policy=None, chunk_ids=("c",), top_score=top,
        support_min=0.9, support_mean=0.9, total_s=1.0, first_token_s=0.2,
    )  # fmt: skip


def test_too_little_data_says_so() -> None:
    report = drift_between([turn(i) for i in range(5)], [turn(i) for i in range(30)],
                           MonitorConfig(), WordLengthEmbedder())  # fmt: skip
    assert [c.message for c in report.checks] == ["not enough data: 5 turns, need 20"] * 3
    assert report.alerts == []


def test_score_and_scope_drift_fire_and_stay_quiet() -> None:
    rng = np.random.default_rng(0)
    config = MonitorConfig()
    reference = [turn(i, top=float(rng.normal(0.6, 0.08))) for i in range(60)]
    same = [turn(i, top=float(rng.normal(0.6, 0.08))) for i in range(60)]
    lower = [turn(i, top=float(rng.normal(0.3, 0.08))) for i in range(60)]
    quiet = drift_between(reference, same, config, WordLengthEmbedder())
    loud = drift_between(reference, lower, config, WordLengthEmbedder())
    assert not quiet.checks[1].alert and not quiet.checks[2].alert
    assert loud.checks[1].alert and "more out-of-scope" in loud.checks[1].message
    assert loud.checks[2].alert and loud.checks[2].result is not None
    assert loud.checks[2].result.effect < -0.2


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    embedder = make_embedder(load_settings())
    embedder.embed(["warm up"])
    return embedder


@pytest.mark.slow
def test_real_embeddings_detect_off_topic_batch(minilm: Embedder) -> None:
    course = course_questions()
    assert len(course) >= 60
    config = MonitorConfig()
    reference = [turn(i, q) for i, q in enumerate(course[:30])]
    drifted = [turn(i, q) for i, q in enumerate(OFF_TOPIC)]
    report = drift_between(reference, drifted, config, minilm)
    assert report.checks[0].alert, report.checks[0].message
    assert report.checks[0].result is not None and report.checks[0].result.p_value < config.alpha
    # Two samples of the same course questions (interleaved): no alert.
    a = [turn(i, q) for i, q in enumerate(course[0:60:2])]
    b = [turn(i, q) for i, q in enumerate(course[1:60:2])]
    null = drift_between(a, b, config, minilm)
    assert not null.checks[0].alert, null.checks[0].message


@pytest.mark.slow
def test_cli_drift_on_a_log_with_an_off_topic_day(write_log, minilm: Embedder) -> None:  # type: ignore[no-untyped-def]
    course = course_questions()
    old = [{"question": q, "ago": timedelta(days=2), "top_score": 0.6} for q in course[:30]]
    new = [{"question": q, "top_score": 0.15, "abstained": True} for q in OFF_TOPIC]
    path = write_log(old + new)
    result = CliRunner().invoke(command, ["drift", "--window", "1d", "--json"],
                                obj={"config": None})  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["alerts"]) == 3
    report = drift_report(load_turns(path).turns, now(), "1d", MonitorConfig(), minilm)
    assert report.reference_turns == 30 and report.current_turns == 30
