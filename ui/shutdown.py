"""Graceful shutdown of the web app: stop taking work, end open streams, close databases.

`SHUTDOWN` is the one switch. `ui.serving` sets it on SIGTERM/SIGINT, and every event
handler of the app runs inside `SHUTDOWN.guard`: once it is set, a new call is refused
and a streaming call ends at its next update with an error event the client sees (a
`gradio_client` job raises `AppError` with `SHUTDOWN_MESSAGE`; the page shows it). A
handler that wants to end more politely (say, log its turn as interrupted) checks
`SHUTDOWN.requested` between its own events.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import gradio as gr

SHUTDOWN_MESSAGE = (
    "The coursebot server is shutting down, so this request was stopped. Ask again when it is back."
)


class Shutdown:
    """A shutdown switch and a count of the handler calls still running."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._idle = threading.Condition()
        self._active = 0
        self.interrupted = 0
        """Streams ended by the shutdown (for the last log line)."""

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self) -> None:
        """Stop taking work (safe to call from a signal handler)."""
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds for a shutdown request; True when there is one."""
        return self._event.wait(timeout)

    def reset(self) -> None:
        """Back to running (a new server in the same process, or a test)."""
        self._event.clear()
        self.interrupted = 0

    def wait_idle(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for running handlers to end; returns how many still run."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._active and time.monotonic() < deadline:
                self._idle.wait(deadline - time.monotonic())
            return self._active

    def _enter(self) -> None:
        if self.requested:
            raise gr.Error(SHUTDOWN_MESSAGE, print_exception=False)
        with self._idle:
            self._active += 1

    def _leave(self) -> None:
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn` refusing new calls after a shutdown request; a generator `fn` (sync or
        async) also stops between updates."""
        if inspect.isasyncgenfunction(fn):
            return self._guard_async_stream(fn)
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awaited(*args: Any, **kwargs: Any) -> Any:
                self._enter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self._leave()

            return awaited
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def streaming(*args: Any, **kwargs: Any) -> Iterator[Any]:
                self._enter()
                updates = fn(*args, **kwargs)
                try:
                    for update in updates:
                        if self.requested:
                            self.interrupted += 1
                            raise gr.Error(SHUTDOWN_MESSAGE, print_exception=False)
                        yield update
                finally:
                    updates.close()
                    self._leave()

            return streaming

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            self._enter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._leave()

        return call

    def _guard_async_stream(self, fn: Callable[..., AsyncIterator[Any]]) -> Callable[..., Any]:
        @functools.wraps(fn)
        async def streaming(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            self._enter()
            updates = fn(*args, **kwargs)
            try:
                async for update in updates:
                    if self.requested:
                        self.interrupted += 1
                        raise gr.Error(SHUTDOWN_MESSAGE, print_exception=False)
                    yield update
            finally:
                await updates.aclose()  # type: ignore[attr-defined]
                self._leave()

        return streaming


SHUTDOWN = Shutdown()
