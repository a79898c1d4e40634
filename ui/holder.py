"""The loaded assistant, shared by every page: `AssistantHolder` and what it hands out.

The model and index load in a background thread so the page answers at once; a handler
asks the holder for the assistant and shows a "still loading" message until it is ready.
Pages import the holder from here and the app imports the pages, so ui/ has no import
circle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from rag.answer import Answer
from rag.errors import CoursebotError
from rag.settings import Settings
from rag.turnlog import TurnLog
from ui.render import LOADING_MESSAGE


class AssistantLike(Protocol):
    """The part of `rag.Assistant` the web app uses."""

    turn_log: TurnLog
    output_guard: Any

    def ask(
        self, question: str, *, history: Sequence[str] | None = None, session_id: str | None = None
    ) -> Answer: ...

    def stream(
        self, question: str, *, history: Sequence[str] | None = None, session_id: str | None = None
    ) -> Iterator[Any]: ...

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Any: ...

    def documents(self) -> Sequence[Any]: ...

    def last_report(self) -> Any: ...


AssistantFactory = Callable[[Settings], AssistantLike]


class StillLoading(CoursebotError):
    """The model and index are still loading; the caller should try again shortly."""


class AssistantUnavailable(CoursebotError):
    """Loading the assistant failed; the message says why."""


def default_factory(settings: Settings) -> AssistantLike:
    from rag import Assistant

    assistant: AssistantLike = Assistant.from_settings(settings)
    return assistant


class AssistantHolder:
    """Loads the assistant once, in the background, and hands it out when ready."""

    def __init__(self, settings: Settings, factory: AssistantFactory) -> None:
        self.settings = settings
        self._factory = factory
        self._ready = threading.Event()
        self._assistant: AssistantLike | None = None
        self._error: str | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._load, name="coursebot-load", daemon=True
                )
                self._thread.start()

    def _load(self) -> None:
        try:
            self._assistant = self._factory(self.settings)
        except Exception as exc:  # any failure must reach the page, not kill the server
            self._error = f"{type(exc).__name__}: {exc}"
        finally:
            self._ready.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading finished (or failed); True when it finished in time."""
        self.start()
        return self._ready.wait(timeout)

    def get(self, wait_s: float = 0.0) -> AssistantLike:
        """The assistant, waiting up to `wait_s` seconds for it to load.

        Raises:
            StillLoading: not loaded yet.
            AssistantUnavailable: loading failed.
        """
        self.start()
        if not self._ready.wait(wait_s):
            raise StillLoading(LOADING_MESSAGE)
        if self._assistant is None:
            raise AssistantUnavailable(
                f"The assistant could not be loaded ({self._error}). Check the settings "
                "(`coursebot ingest` shows index problems) and restart `coursebot chat`."
            )
        return self._assistant

    def status(self) -> str:
        if not self._ready.is_set():
            return "Loading the model and the course index…"
        if self._assistant is None:
            return f"The assistant failed to load: {self._error}"
        return "Ready."
