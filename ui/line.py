"""The line for generation slots: who answers now, who waits, and who is turned away.

Gradio's own queue cannot tell a user why it refused them (a full queue is a bare HTTP
503) and has no per-request time limit, so generation events skip it (their Gradio
concurrency is unbounded) and queue here instead. The line admits as many answers at
once as the backend has slots (1 for llama.cpp in process, `llm.concurrency` for a
remote engine), keeps at most `server.max_waiting` people waiting in arrival order, and
turns the next one away with a one-line `gr.Error` that the page and `gradio_client`
both show. While waiting, a stream shows its place ("you are number 3 in line"). A wait
or an answer that takes longer than its limit ends with an error event, and a stream
whose reader leaves is closed, which ends its request at the engine.

Everything here runs on the server's event loop: a waiting user holds no thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import anyio
import anyio.to_thread
import gradio as gr

from rag.components import generation_slots
from rag.settings import Settings
from ui.server_settings import server_settings

T = TypeVar("T")

_DONE = object()
_WAITING = object()


def busy_message(waiting: int) -> str:
    people = "1 person is" if waiting == 1 else f"{waiting} people are"
    return f"coursebot is busy: {people} waiting; try again in a minute."


def place_message(position: int) -> str:
    return f"You are number {position} in line; your answer starts when a slot frees up."


def waited_too_long_message(seconds: float) -> str:
    return (
        f"coursebot is busy: no answer slot came free within {seconds:.0f} s; "
        "try again in a minute."
    )


def answer_too_long_message(seconds: float) -> str:
    return f"The answer took longer than {seconds:.0f} s and was stopped; please ask again."


@dataclass(eq=False)
class _Ticket:
    admitted: asyncio.Event = field(default_factory=asyncio.Event)


class LineStats:
    """What the line holds now (for tests and the bench)."""

    def __init__(self, running: int, waiting: int) -> None:
        self.running = running
        self.waiting = waiting


class Line:
    """`slots` answers at once, up to `max_waiting` waiting, each with time limits."""

    def __init__(
        self, slots: int, max_waiting: int, *, wait_timeout_s: float, answer_timeout_s: float
    ) -> None:
        if slots < 1:
            raise ValueError("a line needs at least one slot")
        self.slots = slots
        self.max_waiting = max_waiting
        self.wait_timeout_s = wait_timeout_s
        self.answer_timeout_s = answer_timeout_s
        self._running = 0
        self._waiting: deque[_Ticket] = deque()
        self.turned_away = 0
        # One worker thread per slot, plus a few for closing streams that ran over time.
        self._threads = anyio.CapacityLimiter(slots + 4)
        self._tasks: set[asyncio.Future[None]] = set()

    def stats(self) -> LineStats:
        return LineStats(self._running, len(self._waiting))

    def _join(self) -> _Ticket:
        """A place in line, admitted at once when a slot is free.

        Raises:
            gr.Error: the line is full.
        """
        ticket = _Ticket()
        if self._running < self.slots and not self._waiting:
            self._running += 1
            ticket.admitted.set()
        elif len(self._waiting) >= self.max_waiting:
            self.turned_away += 1
            raise gr.Error(busy_message(len(self._waiting)), print_exception=False)
        else:
            self._waiting.append(ticket)
        return ticket

    def _position(self, ticket: _Ticket) -> int:
        return self._waiting.index(ticket) + 1

    def _leave(self, ticket: _Ticket) -> None:
        if not ticket.admitted.is_set():
            with contextlib.suppress(ValueError):
                self._waiting.remove(ticket)
            return
        self._running -= 1
        while self._waiting and self._running < self.slots:
            self._running += 1
            self._waiting.popleft().admitted.set()

    async def _wait_turn(self, ticket: _Ticket) -> AsyncIterator[int]:
        """Yield the ticket's place every second until it is admitted.

        Raises:
            gr.Error: it waited longer than `wait_timeout_s`.
        """
        deadline = time.monotonic() + self.wait_timeout_s
        while not ticket.admitted.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                raise gr.Error(waited_too_long_message(self.wait_timeout_s), print_exception=False)
            yield self._position(ticket)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ticket.admitted.wait(), timeout=min(1.0, left))

    async def stream(
        self, start: Callable[[], Iterator[T]], waiting: Callable[[int], T]
    ) -> AsyncIterator[T]:
        """Wait for a slot (yielding `waiting(place)` meanwhile), then yield what `start()`
        yields, each item fetched on a worker thread. Closing this stream (the reader
        left) closes the inner one, which ends its request at the engine.

        Raises:
            gr.Error: the line is full, or the wait or the answer ran over its limit.
        """
        ticket = self._join()
        handed_off = False
        try:
            async for position in self._wait_turn(ticket):
                yield waiting(position)
            items = start()
            deadline = time.monotonic() + self.answer_timeout_s
            pending: asyncio.Future[Any] | None = None
            try:
                while True:
                    pending = asyncio.ensure_future(
                        anyio.to_thread.run_sync(next, items, _DONE, limiter=self._threads)
                    )
                    left = max(deadline - time.monotonic(), 0.0)
                    done, _ = await asyncio.wait({pending}, timeout=left)
                    if not done:
                        raise gr.Error(
                            answer_too_long_message(self.answer_timeout_s),
                            print_exception=False,
                        )
                    item = pending.result()
                    pending = None
                    if item is _DONE:
                        return
                    yield item
            finally:
                if pending is not None:
                    # A step still runs (over time, or the event was cancelled): the
                    # reader hears now; the stream is closed, and its slot freed, when
                    # that step returns.
                    handed_off = True
                    self._in_background(self._finish(items, pending, ticket))
                else:
                    await self._close(items)
        finally:
            if not handed_off:
                self._leave(ticket)

    async def call(self, fn: Callable[[], T]) -> T:
        """Wait for a slot, then run `fn` on a worker thread (the non-streaming API).

        Raises:
            gr.Error: the line is full, or the wait or the call ran over its limit.
        """

        def once() -> Iterator[object]:
            yield fn()

        def waiting(position: int) -> object:
            return _WAITING

        results = [item async for item in self.stream(once, waiting) if item is not _WAITING]
        return cast(T, results[0])

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish(
        self, items: Iterator[Any], pending: asyncio.Future[Any], ticket: _Ticket
    ) -> None:
        try:
            with contextlib.suppress(BaseException):
                await pending
            await self._close(items)
        finally:
            self._leave(ticket)

    async def _close(self, items: Iterator[Any]) -> None:
        close = getattr(items, "close", None)
        if close is not None:
            await anyio.to_thread.run_sync(close, limiter=self._threads)


def line_for(settings: Settings) -> Line:
    """The line the settings ask for: the backend's slots, the server's limits."""
    server = server_settings(settings)
    return Line(
        generation_slots(settings),
        server.max_waiting,
        wait_timeout_s=server.wait_timeout_s,
        answer_timeout_s=server.answer_timeout_s,
    )
