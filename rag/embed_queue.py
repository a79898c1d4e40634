"""One worker thread runs the embedding model for every thread of the app, in batches.

Under load every answer embeds a few texts many times over (the output guard on each
draft sentence, grounding, the opening quote), each call a model call of its own behind
one lock: 32 answers in flight made hundreds of small calls wait in line, each paying
the model's fixed cost per call. Here calls go into a queue; the worker takes every
call waiting when it is free and embeds them as one batch (texts of similar length in
one model call, `similar_lengths`), so calls that arrive while a batch runs share the
next one.

Calls from a thread that lowered its own CPU priority (the grounding primer, see
`rag.grounding_cache`) are background work: the worker runs them only when no answer
is waiting, a few texts at a time, and at its own (normal) priority, so an answer never
waits behind a low-priority thread that the scheduler starves on a busy machine.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from rag.cpu_priority import this_thread_lowered

Vectors = npt.NDArray[np.float32]

MAX_BATCH_TEXTS = 64
"""Texts of several calls embedded in one model call, at most (one larger call runs alone)."""
BACKGROUND_TEXTS = 8
"""Texts of a background call embedded at a time, between answers' batches."""
PAD_CHARS = 128
"""Padding a model call may add, in characters (about 30 tokens), before a batch's texts
go in two calls. A batch pads every text to its longest: a 200-word answer beside twenty
short draft sentences made the batch dearer than the calls it replaced. MiniLM on one
core here: about 10 ms a call plus 0.3 ms a token of the padded batch, so 30 tokens of
padding cost what a call does."""


class EmbeddingStats(BaseModel):
    """What the queue did, summed since it started (subtract two readings for a span)."""

    requests: int = 0
    """Calls that needed the model."""
    batches: int = 0
    """Model calls the worker made for them (a batch of dissimilar lengths makes several)."""
    texts: int = 0
    """Texts embedded (each text of a batch once)."""
    model_s: float = 0.0
    """Seconds inside the model."""
    model_cpu_s: float = 0.0
    """CPU seconds of the worker thread inside the model (all of the model's CPU when it
    runs on one thread, as it does while answering)."""
    wait_s: float = 0.0
    """Seconds calls waited for their batch to start, summed over calls."""

    def minus(self, before: EmbeddingStats) -> EmbeddingStats:
        """The counts since the reading `before`."""
        fields = type(self).model_fields
        return EmbeddingStats(**{k: getattr(self, k) - getattr(before, k) for k in fields})


@dataclass
class _Call:
    texts: list[str]
    queued: float = field(default_factory=time.perf_counter)
    done: threading.Event = field(default_factory=threading.Event)
    vectors: Vectors | None = None
    error: Exception | None = None


class _State:
    """What the worker shares with the queue (not the queue itself, so the queue can be
    collected and the worker told to stop)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.answers: deque[_Call] = deque()
        self.background: deque[_Call] = deque()
        self.stopped = False
        self.stats = EmbeddingStats()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


class EmbeddingQueue:
    """Embeds with `embed` (a model's own `embed`) on one worker thread, batching the
    calls of every thread. `embed` is called by the worker only, one batch at a time."""

    def __init__(
        self,
        embed: Callable[[Sequence[str]], Vectors],
        dim: int,
        *,
        max_batch_texts: int = MAX_BATCH_TEXTS,
        background_texts: int = BACKGROUND_TEXTS,
    ) -> None:
        self.dim = dim
        self.max_batch_texts = max_batch_texts
        self.background_texts = background_texts
        self._state = _State()
        self.worker = threading.Thread(
            target=_work,
            args=(self._state, embed, dim, max_batch_texts),
            name="embedding-queue",
            daemon=True,
        )
        self.worker.start()
        # on collection only: at exit a primer may still be finishing its batch here
        weakref.finalize(self, self._state.stop).atexit = False

    @property
    def stats(self) -> EmbeddingStats:
        """A copy of the counts so far."""
        with self._state.cond:
            return self._state.stats.model_copy()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors of `texts` (one row each), embedded in the next batch; a call from a
        thread at lowered priority waits until no answer is waiting."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if not this_thread_lowered():
            return self._submit(_Call(list(texts)), background=False)
        step = self.background_texts
        parts = [self._submit(_Call(list(texts[i : i + step])), background=True)
                 for i in range(0, len(texts), step)]  # fmt: skip
        return np.concatenate(parts).astype(np.float32, copy=False)

    def _submit(self, call: _Call, *, background: bool) -> Vectors:
        state = self._state
        with state.cond:
            if state.stopped:
                raise RuntimeError("the embedding queue is stopped")
            (state.background if background else state.answers).append(call)
            state.cond.notify_all()
        call.done.wait()
        if call.error is not None:
            raise call.error
        assert call.vectors is not None
        return call.vectors


def _work(
    state: _State, embed: Callable[[Sequence[str]], Vectors], dim: int, max_texts: int
) -> None:
    """The worker: take a batch (answers first), embed it, hand each call its rows."""
    while True:
        with state.cond:
            while not state.stopped and not state.answers and not state.background:
                state.cond.wait()
            if state.stopped:
                _fail_all(state)
                return
            batch = (
                _take(state.answers, max_texts) if state.answers else [state.background.popleft()]
            )
        _run(state, embed, dim, batch)


def _take(waiting: deque[_Call], max_texts: int) -> list[_Call]:
    """The calls waiting at the front of the line, up to `max_texts` texts (at least one)."""
    batch = [waiting.popleft()]
    size = len(batch[0].texts)
    while waiting and size + len(waiting[0].texts) <= max_texts:
        size += len(waiting[0].texts)
        batch.append(waiting.popleft())
    return batch


def _run(
    state: _State, embed: Callable[[Sequence[str]], Vectors], dim: int, batch: list[_Call]
) -> None:
    started, cpu = time.perf_counter(), time.thread_time()
    try:  # everything that can raise: a worker that died would leave every caller waiting
        unique = sorted(dict.fromkeys(t for call in batch for t in call.texts), key=len)
        groups = similar_lengths(unique)
        vectors = np.concatenate(
            [np.asarray(embed(g), dtype=np.float32).reshape(len(g), dim) for g in groups]
        )
    except Exception as exc:  # every caller gets the error; the worker goes on
        for call in batch:
            call.error = exc
            call.done.set()
        return
    row = {text: i for i, text in enumerate(unique)}
    finished = time.perf_counter()
    with state.cond:
        stats = state.stats
        stats.requests += len(batch)
        stats.batches += len(groups)
        stats.texts += len(unique)
        stats.model_s += finished - started
        stats.model_cpu_s += time.thread_time() - cpu
        stats.wait_s += sum(started - call.queued for call in batch)
    for call in batch:
        call.vectors = vectors[[row[t] for t in call.texts]]
        call.done.set()


def similar_lengths(texts: Sequence[str], pad_chars: int = PAD_CHARS) -> list[list[str]]:
    """`texts` (sorted by length) in runs that each pad by at most `pad_chars` in all."""
    groups: list[list[str]] = []
    total = 0
    for text in texts:
        if groups and (len(groups[-1]) + 1) * len(text) - (total + len(text)) <= pad_chars:
            groups[-1].append(text)
            total += len(text)
        else:
            groups.append([text])
            total = len(text)
    return groups


def _fail_all(state: _State) -> None:
    for call in (*state.answers, *state.background):
        call.error = RuntimeError("the embedding queue is stopped")
        call.done.set()
    state.answers.clear()
    state.background.clear()
