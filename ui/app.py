"""The Gradio app: one Blocks with Chat, Knowledge base, Watermark, Rate and Monitor tabs.

The assistant loads in the background (ui/holder.py) so the page answers at once; each
tab's handlers ask the shared `AssistantHolder` for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from rag.components import make_embedder
from rag.embeddings import Embedder
from rag.settings import Settings
from ui.chat_page import chat_page
from ui.holder import AssistantFactory, AssistantHolder, default_factory
from ui.kb_page import kb_page
from ui.monitor_page import monitor_page
from ui.rate_page import rate_page
from ui.watermark_page import watermark_page

log = logging.getLogger(__name__)


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
            line = chat_page(holder, settings)
        with gr.Tab("Knowledge base", id="kb"):
            kb_page(holder)
        with gr.Tab("Watermark", id="watermark"):
            watermark_page(settings)
        with gr.Tab("Rate", id="rate"):
            _mount(rate_page, settings)
        with gr.Tab("Monitor", id="monitor"):
            _mount(monitor_page, settings, embedder_of=lambda: _embedder_of(holder, settings))
    app.holder = holder
    app.line = line
    return app
