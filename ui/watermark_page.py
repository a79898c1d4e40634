"""The Watermark tab: paste text, see whether it carries coursebot's green-list watermark.

Shows the verdict, z-score and p-value, and the text with its green tokens highlighted.
Detection needs only the tokenizer and the key in the settings, not the model's answers.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from rag import watermarking
from rag.errors import CoursebotError
from rag.settings import Settings

log = logging.getLogger(__name__)

Highlighted = list[tuple[str, str | None]]


def _field(verdict: Any, name: str, default: Any = None) -> Any:
    if isinstance(verdict, dict):
        return verdict.get(name, default)
    return getattr(verdict, name, default)


def verdict_markdown(verdict: Any) -> str:
    decision = str(_field(verdict, "verdict", "unknown"))
    z = float(_field(verdict, "z", 0.0))
    p = float(_field(verdict, "p_value", 1.0))
    scored = _field(verdict, "scored_tokens")
    green = _field(verdict, "green_tokens")
    lines = [f"### {decision.capitalize()}", f"z = **{z:.2f}**, p-value = **{p:.2g}**"]
    if scored is not None and green is not None:
        lines.append(f"{green} of {scored} scored tokens are green.")
    note = _field(verdict, "note", "")
    if note:
        lines.append(f"_{note}_")
    return "\n\n".join(lines)


def highlighted(tokens: list[tuple[str, bool | None]]) -> Highlighted:
    return [(text, "green" if green else None) for text, green in tokens]


class WatermarkHandlers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def detect(self, text: str) -> tuple[str, Highlighted]:
        """(verdict Markdown, highlighted tokens) for the pasted text."""
        if not (text or "").strip():
            return "Paste some text first.", []
        try:
            verdict = watermarking.detect_text(text, self.settings)
            tokens = watermarking.highlight(text, self.settings)
        except CoursebotError as exc:
            return f"Error: {exc}", []
        return verdict_markdown(verdict), highlighted(tokens)


def watermark_page(settings: Settings) -> None:
    """Build the Watermark tab's components inside the current Tab context."""
    handlers = WatermarkHandlers(settings)
    text = gr.Textbox(
        label="Text to check", lines=8, placeholder="Paste an answer here…", elem_id="cb-wm-text"
    )
    button = gr.Button("Check for the watermark", variant="primary", elem_id="cb-wm-check")
    verdict = gr.Markdown(elem_id="cb-wm-verdict")
    tokens = gr.HighlightedText(
        label="Green tokens",
        color_map={"green": "#86efac"},
        show_legend=True,
        combine_adjacent=False,
        elem_id="cb-wm-tokens",
    )
    button.click(handlers.detect, inputs=[text], outputs=[verdict, tokens], api_name="watermark")
