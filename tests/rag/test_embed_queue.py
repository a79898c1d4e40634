"""The embedding queue: calls of many threads in few batches, answers before background."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from rag.embed_queue import EmbeddingQueue, Vectors, similar_lengths
from rag.embeddings import CachedEmbedder, HashingEmbedder


class _Recording:
    """Hashing vectors; records each batch; the first batch waits for `gate`."""

    def __init__(self) -> None:
        self._inner = HashingEmbedder(dim=32)
        self.name, self.dim = "recording", 32
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.fail_on: str | None = None

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.batches.append(list(texts))
        self.entered.set()
        if len(self.batches) == 1:
            assert self.gate.wait(timeout=60)
        if self.fail_on in texts:
            raise ValueError("model broke")
        return self._inner.embed(texts)


def _in_thread(target: Callable[[], Vectors]) -> tuple[threading.Thread, list[Vectors]]:
    out: list[Vectors] = []
    thread = threading.Thread(target=lambda: out.append(target()))
    thread.start()
    return thread, out


def _embedding(queue: EmbeddingQueue, *texts: str) -> tuple[threading.Thread, list[Vectors]]:
    return _in_thread(lambda: queue.embed(list(texts)))


def _wait_until_queued(queue: EmbeddingQueue, calls: int) -> None:
    state = queue._state
    for _ in range(2000):
        with state.cond:
            if len(state.answers) + len(state.background) >= calls:
                return
        time.sleep(0.005)
    raise AssertionError("calls did not reach the queue")


def _niced(target: Callable[[], Vectors]) -> Callable[[], Vectors]:
    def run() -> Vectors:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        return target()

    return run


def test_calls_arriving_during_a_batch_share_the_next_one() -> None:
    model = _Recording()
    queue = EmbeddingQueue(model.embed, model.dim)
    first, _ = _in_thread(lambda: queue.embed(["first"]))
    assert model.entered.wait(timeout=60)
    waiting = [_embedding(queue, t, "shared") for t in ("a", "b", "c")]
    _wait_until_queued(queue, 3)
    model.gate.set()
    for thread in [first, *(t for t, _ in waiting)]:
        thread.join(timeout=60)
    assert model.batches[0] == ["first"]
    assert sorted(model.batches[1]) == ["a", "b", "c", "shared"]  # one batch, each text once
    assert len(model.batches) == 2
    for text, (_, out) in zip("abc", waiting, strict=True):
        np.testing.assert_allclose(out[0], HashingEmbedder(dim=32).embed([text, "shared"]))
    stats = queue.stats
    assert (stats.requests, stats.batches, stats.texts) == (4, 2, 5)
    assert stats.wait_s > 0


def test_a_batch_holds_at_most_max_texts_unless_one_call_is_larger() -> None:
    model = _Recording()
    queue = EmbeddingQueue(model.embed, model.dim, max_batch_texts=4)
    first, _ = _in_thread(lambda: queue.embed([f"big {i}" for i in range(6)]))
    assert model.entered.wait(timeout=60)
    rest = [_embedding(queue, f"x{i}", f"y{i}") for i in range(3)]
    _wait_until_queued(queue, 3)
    model.gate.set()
    for thread in [first, *(t for t, _ in rest)]:
        thread.join(timeout=60)
    assert [len(b) for b in model.batches] == [6, 4, 2]


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are Linux's")
def test_background_calls_wait_for_answers_and_go_a_few_texts_at_a_time() -> None:
    model = _Recording()
    queue = EmbeddingQueue(model.embed, model.dim, background_texts=2)
    first, _ = _embedding(queue, "first")
    assert model.entered.wait(timeout=60)
    background, out = _in_thread(_niced(lambda: queue.embed(["p1", "p2", "p3", "p4", "p5"])))
    _wait_until_queued(queue, 1)
    answer, _ = _in_thread(lambda: queue.embed(["answer"]))
    _wait_until_queued(queue, 2)
    model.gate.set()
    for thread in (first, background, answer):
        thread.join(timeout=60)
    assert model.batches == [["first"], ["answer"], ["p1", "p2"], ["p3", "p4"], ["p5"]]
    np.testing.assert_allclose(
        out[0], HashingEmbedder(dim=32).embed(["p1", "p2", "p3", "p4", "p5"])
    )


def test_an_error_reaches_every_caller_of_its_batch_and_the_worker_goes_on() -> None:
    model = _Recording()
    model.fail_on = "bad"
    queue = EmbeddingQueue(model.embed, model.dim)
    model.gate.set()
    with pytest.raises(ValueError, match="model broke"):
        queue.embed(["bad"])
    assert queue.embed(["good"]).shape == (1, 32)


def test_a_text_that_cannot_even_be_sorted_fails_its_caller_not_the_worker() -> None:
    model = _Recording()
    queue = EmbeddingQueue(model.embed, model.dim)
    model.gate.set()
    raised: list[BaseException] = []

    def ask() -> None:
        try:
            queue.embed([None, "text"])  # type: ignore[list-item]
        except TypeError as exc:
            raised.append(exc)

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(30)  # a dead worker would leave the caller waiting for ever
    assert not asking.is_alive() and raised
    assert queue.embed(["good"]).shape == (1, 32)


def test_the_worker_stops_when_its_cache_is_gone() -> None:
    cached = CachedEmbedder(HashingEmbedder())
    assert cached.embed(["a text"]).shape == (1, 256)
    worker = cached._queue.worker
    assert worker.is_alive()
    del cached
    gc.collect()
    worker.join(timeout=10)
    assert not worker.is_alive()


def test_cached_embedder_counts_what_the_model_did() -> None:
    cached = CachedEmbedder(HashingEmbedder())
    cached.embed(["one", "two"])
    cached.embed(["one"])  # a cache hit: the model is not asked
    stats = cached.stats
    assert (stats.requests, stats.batches, stats.texts) == (1, 1, 2)
    assert stats.minus(stats).requests == 0


def test_texts_of_similar_length_share_a_model_call_and_a_long_one_goes_alone() -> None:
    short = [f"sentence {i} of a draft." for i in range(20)]
    answer = "A whole answer of many words. " * 20
    assert similar_lengths(sorted([*short, answer], key=len)) == [short, [answer]]
    assert similar_lengths([]) == []


def test_a_mixed_batch_is_embedded_by_length_and_each_caller_gets_its_rows() -> None:
    model = _Recording()
    model.gate.set()
    queue = EmbeddingQueue(model.embed, model.dim)
    long = "word " * 100
    vectors = queue.embed([long, "short one", "short two"])
    assert model.batches == [["short one", "short two"], [long]]
    np.testing.assert_allclose(
        vectors, HashingEmbedder(dim=32).embed([long, "short one", "short two"])
    )
