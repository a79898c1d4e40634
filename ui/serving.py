"""Launching the web app: local by default, optional login, one generation at a time."""

from __future__ import annotations

import gradio as gr

from rag.settings import Settings
from ui.app import CSS, build_app
from ui.holder import AssistantFactory, AssistantHolder, default_factory
from ui.server_settings import server_settings

MAX_QUEUE = 200
# System fonts only: the default themes pull Google Fonts, and the app must stay offline.
THEME = gr.themes.Soft(
    font=["ui-sans-serif", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "monospace"],
)


def auth_pair(settings: Settings) -> tuple[str, str] | None:
    """(username, password) when the settings ask for a login, else None."""
    return server_settings(settings).login()


def launch(
    settings: Settings,
    assistant_factory: AssistantFactory = default_factory,
    *,
    block: bool = True,
    holder: AssistantHolder | None = None,
    quiet: bool = False,
) -> gr.Blocks:
    """Serve the app on the server settings' host:port; with block=False return once it is up.

    Generation events share one concurrency group of size 1 (see ui.chat_page), so
    concurrent users queue instead of calling llama.cpp from two threads.
    """
    server = server_settings(settings)
    auth = server.login()
    app = build_app(settings, assistant_factory, holder=holder)
    app.queue(default_concurrency_limit=4, max_size=MAX_QUEUE)
    app.launch(
        server_name=server.host,
        server_port=server.port,
        share=False,
        auth=auth,
        auth_message="coursebot: log in with the account your instructor gave you."
        if auth
        else None,
        prevent_thread_lock=not block,
        quiet=quiet,
        css=CSS,
        theme=THEME,
        run_history=False,
        show_error=True,
        footer_links=["api", "settings"],
        max_file_size="50mb",
        ssr_mode=False,
    )
    return app
