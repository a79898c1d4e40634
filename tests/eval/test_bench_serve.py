"""`make bench-serve` at tiny size: simulated users against the app with a fake assistant.

The real arms (llama.cpp in process, vLLM) are measured by the benchmark, not asserted
here; this checks that users, counting, the turn-log check, the watermark figures and
the per-arm files do what they say.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from eval.serve import report
from eval.serve.bench import (
    app_settings,
    main,
    measure_level,
    patience_s,
    wait_until_primed,
    write_summary,
)
from eval.serve.users import connect
from rag.grounding_cache import CACHE_FILE
from rag.settings import load_settings
from safety.watermark import GreenListDetector, WatermarkConfig
from tests.real_models import COURSE_KB
from tests.ui.ui_fakes import FakeAssistant
from tests.ui.ui_launch import serve
from ui.holder import AssistantHolder

VOCAB = 1000


def _tokenize(text: str) -> list[int]:
    return [sum(map(ord, word)) % VOCAB for word in text.split()]


def _control() -> GreenListDetector:
    return GreenListDetector(WatermarkConfig(key=SecretStr("another key")), VOCAB)


def test_a_tiny_level_against_the_app(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", kb_paths=[COURSE_KB])
    holder = AssistantHolder(settings, FakeAssistant)
    app, url = serve(holder)
    try:
        level = measure_level(
            url,
            settings.data_dir / "turns.sqlite3",
            "inprocess",
            users=3,
            per_user=2,
            deadline_s=60,
            tokenize=_tokenize,
            control=_control(),
            run_id="test",
        )
    finally:
        app.close()  # type: ignore[attr-defined]
    assert (level.sent, level.answered, level.errors, level.turns_logged) == (6, 6, 0, 6)
    assert level.first_text_p50_s is not None and level.final_p95_s is not None
    assert level.first_text_p50_s <= level.final_p95_s
    assert level.answers_per_s > 0
    assert level.watermark.long_answers == 0  # the fake's answers are short

    out = tmp_path / "serve"
    report.save_arm(
        out,
        report.ArmResults(
            arm="inprocess",
            description="fake",
            app_settings={},
            machine={},
            levels={3: level},
            not_measured={200: "capped at 32 users"},
        ),
    )
    table = write_summary(out, "python -m eval.serve --users 3").read_text()
    assert "| inprocess | 3 x 2 | 6 / 6 | 0 |" in table
    assert "inprocess at 200 users: capped at 32 users" in table
    assert json.loads((out / "summary.json").read_text())[0]["levels"]["3"]["answered"] == 6


def test_users_wait_as_long_as_the_app_promises(tmp_path: Path) -> None:
    """A user who gave up at httpx's default 5 s while the app still held their question
    was counted an error, and the answer ran for no one (the 200-user run)."""
    env = app_settings(200, 600.0)
    promised = float(env["COURSEBOT_SERVER__WAIT_TIMEOUT_S"]) + float(
        env["COURSEBOT_SERVER__ANSWER_TIMEOUT_S"]
    )
    assert patience_s(600.0) > promised
    settings = load_settings(data_dir=tmp_path / "data", kb_paths=[COURSE_KB])
    app, url = serve(AssistantHolder(settings, FakeAssistant))
    try:
        client = connect(url, patience_s(600.0))
        assert client.httpx_kwargs["timeout"] == patience_s(600.0)
        client.close()
    finally:
        app.close()  # type: ignore[attr-defined]


def test_a_level_waits_for_the_apps_grounding_vectors(tmp_path: Path) -> None:
    """Against a real index and the file where the primer and the ingestion write it
    (the index folder); an earlier version of this test made up another place."""
    from rag.embeddings import CachedEmbedder, HashingEmbedder
    from rag.grounding_cache import prime_grounding_vectors, save_vectors
    from rag.index import IndexStore
    from rag.ingest import Ingestor

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "drift.md").write_text("# Drift\n\nInputs change over time. Models degrade as they do.\n")
    index = tmp_path / "index"
    store = IndexStore(index)
    embedder = CachedEmbedder(HashingEmbedder())
    chunking = {"max_chars": 400, "overlap_chars": 50}
    Ingestor(store, embedder, chunking, 1_000_000, tmp_path / "reports", grounding="off").run([kb])
    assert wait_until_primed(index, timeout_s=0.1) is None  # nothing embedded yet
    save_vectors(index / CACHE_FILE, embedder.name, ["another text"], np.zeros((1, 256)), "alone")
    assert wait_until_primed(index, timeout_s=0.1) is None  # a file, but not of these texts
    assert prime_grounding_vectors(embedder, store.load().chunks, index) > 0
    assert wait_until_primed(index, timeout_s=60) is not None


def _row(tokens: int, verdict: str, z: float, answer: str) -> dict[str, object]:
    return {
        "usage": json.dumps({"completion_tokens": tokens}),
        "watermark": json.dumps({"verdict": verdict, "z": z}),
        "answer": answer,
    }


def test_watermark_figures_count_long_generations_only() -> None:
    text = " ".join(f"word{i}" for i in range(200))
    rows = [
        _row(180, "watermarked", 6.0, text),
        _row(160, "not watermarked", 2.0, text),
        _row(40, "watermarked", 4.5, text),  # too short to count
        {"usage": "{}", "watermark": None, "answer": "a quote"},  # nothing generated
        {"usage": json.dumps({"completion_tokens": 120}), "watermark": None, "answer": "q"},
    ]
    mark = report.watermarking(rows, _tokenize, _control())
    assert (mark.generated, mark.generated_tokens_p50, mark.untested) == (4, 140, 1)
    assert (mark.long_answers, mark.detected, mark.detection_rate) == (2, 1, 0.5)
    assert mark.min_z == 2.0 and mark.unmarked_judged == 3 and mark.unmarked_flagged == 0


def test_the_ratio_is_only_comparable_within_one_run() -> None:
    def arm(name: str, rate: float, run: str) -> report.ArmResults:
        level = report.Level.model_validate(
            {
                **{k: None for k in report.Level.model_fields},
                "arm": name,
                "users": 32,
                "questions_per_user": 3,
                "run_id": run,
                "measured_at": "now",
                "load_average": [1.0, 1.0, 1.0],
                "sent": 96,
                "answered": 96,
                "errors": 0,
                "error_samples": [],
                "waited_in_line": 0,
                "wall_s": 10.0,
                "answers_per_s": rate,
                "turns_logged": 96,
                "watermark": report.Watermarking(),
            }
        )
        return report.ArmResults(
            arm=name, description="", app_settings={}, machine={}, levels={32: level}
        )

    same = report.markdown([arm("inprocess", 0.1, "a"), arm("vllm1", 0.8, "a")], "cmd")
    assert "8.0x (same run)" in same
    other = report.markdown([arm("inprocess", 0.1, "a"), arm("vllm1", 0.8, "b")], "cmd")
    assert "not comparable" in other


@pytest.mark.parametrize(
    "args", [["--arms", "gpu9"], ["--users", "0"], ["--users", "eight"], ["--questions", "0"]]
)
def test_bad_arguments_are_usage_errors(args: list[str]) -> None:
    assert CliRunner().invoke(main, args).exit_code == 2


def test_the_scripted_arms_engine_streams_through_the_openai_backend(tmp_path: Path) -> None:
    from eval.serve.engines import scripted_engine
    from rag.backends.openai_compat import OpenAICompatGenerator

    with scripted_engine(tmp_path / "logs", word_delay_s=0.0) as url:
        llm = load_settings(
            data_dir=tmp_path / "data", llm={"backend": "openai", "endpoints": [url]}
        ).llm
        generator = OpenAICompatGenerator(
            llm, n_vocab=VOCAB, count_tokens=lambda t: len(t.split()), concurrency=2
        )
        messages = [{"role": "user", "content": "What is data drift?"}]
        stream = generator.stream(messages, max_tokens=12, temperature=0.3, top_p=0.9)
        text = "".join(stream)
        generator.close()
    assert text.startswith("Data drift is a gradual change") and len(text.split()) == 12
    assert stream.result.finish_reason == "length" and stream.result.completion_tokens == 12


def test_no_two_scripted_answers_share_a_sentence() -> None:
    from eval.serve.scripted_engine import answer

    answers = [answer(n) for n in range(30)]
    sentences = [s for a in answers for s in a.split(". ")]
    assert len(set(sentences)) == len(sentences)
    assert all(len(a.split()) >= 200 for a in answers)  # a whole 200-token answer


class _FinishedBetweenPolls:
    """A job whose updates and completion all arrived before the user first looked, as
    when a busy client reads its event stream in one burst."""

    def __init__(self) -> None:
        self.updates: list[tuple[object, ...]] = [
            ([], "", [], {}, "You are number 3 in line; your answer starts when a slot frees up."),
            ([], "", [], {}, "Quoting the course…"),
        ]

    def done(self) -> bool:
        return True

    def outputs(self) -> list[tuple[object, ...]]:
        return self.updates

    def result(self, timeout: float) -> tuple[object, object, str]:
        return [], "", "Answered in 1.0 s"

    def cancel(self) -> None:
        raise AssertionError("a finished job is not cancelled")


class _Client:
    def submit(self, *args: object, **kwargs: object) -> _FinishedBetweenPolls:
        return _FinishedBetweenPolls()


def test_updates_that_arrive_with_the_end_of_the_job_are_still_seen() -> None:
    from eval.serve.users import Request, ask_streamed

    request = Request(user=0, question="What is data drift?", sent_s=0.0)
    ask_streamed(_Client(), request.question, request, deadline_s=5.0)
    assert request.ok and request.error is None
    assert request.waited_in_line
    assert request.first_text_s is not None and request.first_text_s <= request.final_s  # type: ignore[operator]
