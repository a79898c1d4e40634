"""Launching the web app: local by default, optional login, answers sized to the backend,
and a graceful stop on SIGTERM/SIGINT (see ui/shutdown.py)."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import gradio as gr

from rag.components import generation_slots
from rag.settings import Settings
from ui.app import CSS, build_app
from ui.holder import AssistantFactory, AssistantHolder, default_factory
from ui.server_settings import server_settings
from ui.shutdown import SHUTDOWN

log = logging.getLogger(__name__)

MAX_QUEUE = 200
OTHER_EVENTS = 40
"""Events besides answers that Gradio runs at once (status ticks, feedback, uploads)."""
GRACE_S = 20.0
"""How long a stop waits for running requests (a non-streamed answer, an upload) to end."""
# System fonts only: the default themes pull Google Fonts, and the app must stay offline.
THEME = gr.themes.Soft(
    font=["ui-sans-serif", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "monospace"],
)


def auth_pair(settings: Settings) -> tuple[str, str] | None:
    """(username, password) when the settings ask for a login, else None."""
    return server_settings(settings).login()


def events_at_once(slots: int, max_waiting: int) -> int:
    """How many events Gradio may run at once: every answer in the line, running or
    waiting, plus the other events. Gradio starts at most this many (its `max_threads`,
    40 by default) and holds the rest in its own queue, where no one is told their place
    and the line's own limit never comes into play."""
    return slots + max_waiting + OTHER_EVENTS


def launch(
    settings: Settings,
    assistant_factory: AssistantFactory = default_factory,
    *,
    block: bool = True,
    holder: AssistantHolder | None = None,
    quiet: bool = False,
) -> gr.Blocks:
    """Serve the app on the server settings' host:port; with block=False return once it is up.

    Answering events wait in the app's line (ui/line.py), as many at once as the backend
    has slots (one for llama.cpp in process); the other events share Gradio's queue. With
    block=True, SIGTERM or SIGINT stops it gracefully (`stop`) and launch returns.
    """
    server = server_settings(settings)
    auth = server.login()
    SHUTDOWN.reset()
    app = build_app(settings, assistant_factory, holder=holder)
    for block_fn in app.fns.values():
        if block_fn.fn is not None:
            block_fn.fn = SHUTDOWN.guard(block_fn.fn)
    # Answering events pass through Gradio's queue at once and wait in the line instead.
    app.queue(default_concurrency_limit=4, max_size=MAX_QUEUE + server.max_waiting)
    app.launch(
        server_name=server.host,
        server_port=server.port,
        share=False,
        auth=auth,
        auth_message="coursebot: log in with the account your instructor gave you."
        if auth
        else None,
        prevent_thread_lock=True,
        quiet=quiet,
        css=CSS,
        theme=THEME,
        run_history=False,
        show_error=True,
        footer_links=["api", "settings"],
        max_file_size="50mb",
        ssr_mode=False,
        max_threads=events_at_once(generation_slots(settings), server.max_waiting),
    )
    if block:
        serve_until_signalled(app)
    return app


def serve_until_signalled(app: gr.Blocks) -> None:
    """Block until SIGTERM/SIGINT (or the server stops), then `stop` the app."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        SHUTDOWN.request()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not SHUTDOWN.wait(0.5) and app.is_running:
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    stop(app)


def stop(app: gr.Blocks, grace_s: float = GRACE_S) -> None:
    """Stop taking work, end open streams with an error event, wait for running requests
    (up to `grace_s`), close the server and the assistant's databases."""
    SHUTDOWN.request()
    running = SHUTDOWN.wait_idle(grace_s)
    if running:
        log.warning("%d request(s) still running after %.0f s; stopping anyway", running, grace_s)
    time.sleep(0.5)  # let the queue send the error events of the streams just ended
    app.close()
    holder = getattr(app, "holder", None)
    if holder is not None and holder.wait(0):
        try:
            close_databases(holder.get())
        except Exception as exc:  # the assistant never loaded: nothing to close
            log.debug("no assistant to close: %s", exc)


def close_databases(assistant: object) -> None:
    """Close the assistant's SQLite stores (its own `close`, else its turn log)."""
    close = getattr(assistant, "close", None)
    if callable(close):
        close()
        return
    turn_log = getattr(assistant, "turn_log", None)
    if turn_log is not None:
        turn_log.close()
