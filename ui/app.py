"""The Gradio app: one Blocks with Chat, Knowledge base, Watermark, Rate and Monitor tabs.

The assistant loads in a background thread so the page answers at once; handlers ask the
`AssistantHolder` for it and show a "still loading" message until it is ready.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import gradio as gr

from rag.answer import Answer
from rag.components import make_embedder
from rag.embeddings import Embedder
from rag.errors import CoursebotError
from rag.settings import Settings
from rag.turnlog import TurnLog
from ui.render import LOADING_MESSAGE

log = logging.getLogger(__name__)


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


CSS = """
.cb-source summary, .cb-removed summary { cursor: pointer; }
.cb-source blockquote { white-space: pre-wrap; font-size: 0.9em; }
#cb-status { min-height: 1.5em; }
"""


def _mount(page: Callable[..., None], settings: Settings, **kwargs: Any) -> None:
    """Build another area's tab; if it breaks, say so in that tab and keep the chat up."""
    try:
        page(settings, **kwargs)
    except Exception as exc:
        log.exception("the %s tab failed to build", page.__name__)
        gr.Markdown(f"This tab could not be built ({type(exc).__name__}: {exc}).")


def _embedder_of(holder: AssistantHolder, settings: Settings) -> Embedder:
    """The loaded assistant's embedder, so the Monitor tab does not load a second model."""
    embedder = getattr(holder.get(), "embedder", None)
    return embedder if embedder is not None else make_embedder(settings)


def build_app(
    settings: Settings,
    assistant_factory: AssistantFactory = default_factory,
    *,
    holder: AssistantHolder | None = None,
) -> gr.Blocks:
    """The whole web app; the assistant starts loading in the background right away."""
    from ui.chat_page import chat_page
    from ui.kb_page import kb_page
    from ui.monitor_page import monitor_page
    from ui.rate_page import rate_page
    from ui.watermark_page import watermark_page

    holder = holder or AssistantHolder(settings, assistant_factory)
    holder.start()
    with gr.Blocks(title="coursebot", analytics_enabled=False) as app:
        gr.Markdown(
            "# coursebot\nAnswers from the course documents only, with their sources. "
            "Runs locally; nothing leaves this machine."
        )
        status = gr.Markdown(holder.status(), elem_id="cb-status")
        timer = gr.Timer(1.0)

        def refresh_status() -> tuple[str, gr.Timer]:
            return holder.status(), gr.Timer(active=not holder.wait(0))

        timer.tick(refresh_status, outputs=[status, timer], api_visibility="private")
        with gr.Tab("Chat", id="chat"):
            chat_page(holder)
        with gr.Tab("Knowledge base", id="kb"):
            kb_page(holder)
        with gr.Tab("Watermark", id="watermark"):
            watermark_page(settings)
        with gr.Tab("Rate", id="rate"):
            _mount(rate_page, settings)
        with gr.Tab("Monitor", id="monitor"):
            _mount(monitor_page, settings, embedder_of=lambda: _embedder_of(holder, settings))
    app.holder = holder
    return app
