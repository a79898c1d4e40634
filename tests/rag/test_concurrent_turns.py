"""Many turns at once through one real Assistant: every one answered and logged exactly once.

With a remote backend the web app runs up to `llm.concurrency` turns at the same time, so
the embedder, the guards, the grounding cache, the turn log, the answer memory and the
watermark test are all used from several threads at once. The generator is a fake that
runs many generations side by side (the real vLLM test is in tests/serving); everything
else is the real pipeline: with hashing embeddings here, with MiniLM and the real guards
in the slow test.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from rag.assistant import Assistant
from rag.components import make_embedder, make_guards
from rag.events import FinalEvent, StreamEvent, TokenEvent
from rag.generation import GenerationResult, GenerationStream, Message
from rag.pipeline.messages import INTERRUPTED
from rag.settings import Settings, deep_merge, load_settings
from tests.fakes import FakeGenerator
from tests.real_models import COURSE_KB, RealModels

TURNS = 16
LEAVERS = {3, 7, 11}
"""Turns whose reader leaves after the first draft sentence."""

REPLY = (
    "Data drift is a gradual change in the input distribution. It degrades the performance "
    "of deployed models. Monitoring compares live inputs with the training data."
)


class ConcurrentGenerator(FakeGenerator):
    """Runs any number of generations at once, each meeting another mid-way (so they
    really overlap), and counts what it started, finished and had closed on it."""

    concurrency = TURNS

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._active = 0
        self.max_active = 0
        self.started = 0
        self.finished = 0
        self.closed = 0
        self._meet = threading.Barrier(2)

    def stream(self, messages: Sequence[Message], **kwargs: Any) -> GenerationStream:
        words = REPLY.split(" ")[: kwargs["max_tokens"]]

        def pieces(result: GenerationResult) -> Iterator[str]:
            with self._lock:
                self.started += 1
                self._active += 1
                self.max_active = max(self.max_active, self._active)
            complete = False
            try:
                result.prompt_tokens = sum(self.count_tokens(m["content"]) for m in messages)
                for i, word in enumerate(words):
                    if i == 3:
                        try:
                            self._meet.wait(timeout=10)
                        except threading.BrokenBarrierError:
                            self._meet.reset()
                    result.token_ids.append(100 + i)
                    yield word if i == 0 else " " + word
                result.text = " ".join(words)
                result.finish_reason = "stop"
                complete = True
            finally:
                with self._lock:
                    self._active -= 1
                    self.finished += int(complete)
                    self.closed += int(not complete)

        return GenerationStream(pieces)


def run_turns(bot: Assistant, questions: list[str]) -> list[list[StreamEvent]]:
    """Each question on its own thread, all released at once; the LEAVERS' readers close
    their stream after the first draft sentence."""
    start = threading.Barrier(len(questions))
    events: list[list[StreamEvent]] = [[] for _ in questions]
    errors: list[BaseException] = []

    def turn(i: int) -> None:
        try:
            start.wait()
            stream = bot.stream(questions[i], session_id=f"student-{i}")
            for event in stream:
                events[i].append(event)
                if i in LEAVERS and isinstance(event, TokenEvent):
                    close = getattr(stream, "close", None)
                    if close is not None:
                        close()
                    break
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=turn, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return events


def check_every_turn_answered_and_logged_once(
    bot: Assistant, generator: ConcurrentGenerator, questions: list[str]
) -> None:
    events = run_turns(bot, questions)
    finals = {i: [e for e in ev if isinstance(e, FinalEvent)] for i, ev in enumerate(events)}
    for i in range(len(questions)):
        expected = 0 if i in LEAVERS else 1
        assert len(finals[i]) == expected, (i, events[i])
    answers = {i: f[0].answer for i, f in finals.items() if f}
    assert all(a.turn_id is not None and a.text.strip() for a in answers.values())
    assert all(not a.abstained and a.generated_token_ids for a in answers.values())
    assert len({a.turn_id for a in answers.values()}) == len(answers)

    rows = list(bot.turn_log.turns())
    assert len(rows) == len(questions)
    by_session = {row["session_id"]: row for row in rows}
    assert len(by_session) == len(questions), "a session was logged twice"
    for i, question in enumerate(questions):
        row = by_session[f"student-{i}"]
        assert row["question"] == question
        if i in LEAVERS:
            assert row["answer"] == INTERRUPTED
        else:
            assert row["id"] == answers[i].turn_id and row["answer"] == answers[i].text

    assert generator.started == len(questions)
    assert generator.finished == len(questions) - len(LEAVERS)
    assert generator.closed == len(LEAVERS), "a leaving reader's generation was not closed"
    assert generator.max_active >= 2, "generations never overlapped"
    if bot.answer_memory is not None:
        assert bot.answer_memory.count() == len(answers)


KB = {
    "drift.md": "# Course\n\n## Failure Modes\n\n### Data Drift\n\n"
    "Data drift is a gradual change in the input distribution. Gradual input distribution "
    "changes degrade the performance of deployed models. Monitoring compares live inputs "
    "with the training data.\n",
}


def _questions() -> list[str]:
    return [f"What is data drift, question {i}?" for i in range(TURNS)]


def test_concurrent_turns_with_hashing_embeddings(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    for name, text in KB.items():
        (kb / name).write_text(text)
    settings = load_settings(
        data_dir=tmp_path / "data",
        kb_paths=[kb],
        index={"embedder": "hashing"},
        retrieval={"min_dense_score": 0.1, "min_passage_score": 0.05},
        safety={"enabled": False},
    )
    generator = ConcurrentGenerator()
    bot = Assistant(settings, make_embedder(settings), generator)  # type: ignore[arg-type]
    bot.open_index()
    try:
        check_every_turn_answered_and_logged_once(bot, generator, _questions())
    finally:
        bot.close()


@pytest.mark.slow
def test_concurrent_turns_with_the_real_embedder_and_guards(
    real_models: RealModels, tmp_path: Path
) -> None:
    course = real_models.course
    data_dir = tmp_path / "data"
    shutil.copytree(
        course.settings.data_dir,
        data_dir,
        ignore=lambda _dir, names: [n for n in names if ".sqlite3" in n],
    )
    settings: Settings = course.settings.with_overrides(
        deep_merge({"data_dir": data_dir, "kb_paths": [COURSE_KB]}, {})
    )
    input_guard, output_guard = make_guards(settings, course.embedder)
    generator = ConcurrentGenerator()
    bot = Assistant(
        settings,
        course.embedder,
        generator,  # type: ignore[arg-type]
        input_guard=input_guard,
        output_guard=output_guard,
    )
    bot.open_index()
    try:
        check_every_turn_answered_and_logged_once(bot, generator, _questions())
    finally:
        bot.close()


class _GatedEmbedder:
    """Hashing embeddings that hold on one text until `gate` opens."""

    def __init__(self, slow_text: str) -> None:
        from rag.embeddings import HashingEmbedder

        self._inner = HashingEmbedder()
        self.name, self.dim = self._inner.name, self._inner.dim
        self.slow_text = slow_text
        self.gate = threading.Event()
        self.entered = threading.Event()

    def embed(self, texts: Sequence[str]) -> Any:
        if self.slow_text in texts:
            self.entered.set()
            self.gate.wait(timeout=60)
        return self._inner.embed(texts)


def test_cache_hits_do_not_wait_for_another_threads_embedding() -> None:
    from rag.embeddings import CachedEmbedder

    inner = _GatedEmbedder("a long new answer sentence")
    cached = CachedEmbedder(inner)
    cached.embed(["What is data drift?"])
    slow = threading.Thread(target=cached.embed, args=(["a long new answer sentence"],))
    slow.start()
    assert inner.entered.wait(timeout=60)
    hit = threading.Thread(target=cached.embed, args=(["What is data drift?"],))
    hit.start()
    hit.join(timeout=10)
    still_waiting = hit.is_alive()
    inner.gate.set()
    slow.join(timeout=60)
    assert not still_waiting, "a cache hit waited for another thread's embedding"
    assert cached.missing(["a long new answer sentence", "What is data drift?"]) == []
