"""The Watermark tab: paste a text, see where it came from.

The provenance report (rag.provenance) over the text, as `coursebot watermark detect`
prints it: quoted from the documents, generated with coursebot's watermark, matching an
answer coursebot showed; the one-line verdict, a table of the signals and the text with
each span highlighted by its signal.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from rag.errors import CoursebotError
from rag.provenance import ProvenanceReport
from rag.provenance.check import ProvenanceChecker
from rag.settings import Settings

log = logging.getLogger(__name__)

Highlighted = list[tuple[str, str | None]]
LABELS = ("quoted", "generated", "answer")


def _field(verdict: Any, name: str, default: Any = None) -> Any:
    if isinstance(verdict, dict):
        return verdict.get(name, default)
    return getattr(verdict, name, default)


def verdict_markdown(verdict: Any) -> str:
    """A watermark verdict (pydantic model or plain dict) as Markdown."""
    decision = str(_field(verdict, "verdict", "unknown"))
    z = float(_field(verdict, "z", 0.0))
    p = float(_field(verdict, "p_value", 1.0))
    lines = [f"### {decision.capitalize()}", f"z = **{z:.2f}**, p-value = **{p:.2g}**"]
    note = _field(verdict, "note", "")
    if note:
        lines.append(f"_{note}_")
    return "\n\n".join(lines)


def report_markdown(report: ProvenanceReport) -> str:
    """The verdict line, then one row per signal with its share of the text."""
    head = {True: "From coursebot", False: "Not coursebot output", None: "Too short to tell"}
    mark = report.generated
    answers = ", ".join(f"#{m.turn_id} of {m.date}" for m in report.answer.matches) or "none"
    rows = [
        "| signal | share of the words | detail |",
        "|---|---|---|",
        f"| quoted from the documents | {report.quoted.share:.0%} | "
        f"{len(report.quoted.spans)} span(s) |",
        f"| generated (watermark) | {mark.share:.0%} | {mark.verdict}, z = {mark.z:.2f}, "
        f"p = {mark.p_value:.2g} |",
        f"| a coursebot answer | {report.answer.share:.0%} | matches: {answers} |",
    ]
    lines = [f"### {head[report.from_coursebot]}", report.verdict, "\n".join(rows)]
    lines.extend(f"_{note}_" for note in report.notes)
    return "\n\n".join(lines)


def highlighted(text: str, report: ProvenanceReport) -> Highlighted:
    """The text cut into pieces, each labelled by the strongest signal covering it."""
    label: list[str | None] = [None] * len(text)
    for name, spans in (
        ("quoted", report.quoted.spans),
        ("generated", report.generated.spans),
        ("answer", report.answer.spans),
    ):
        for span in spans:
            for i in range(span.start, min(span.end, len(text))):
                label[i] = name
    pieces: Highlighted = []
    for i, char in enumerate(text[: report.analysed_characters]):
        if pieces and pieces[-1][1] == label[i]:
            pieces[-1] = (pieces[-1][0] + char, label[i])
        else:
            pieces.append((char, label[i]))
    return pieces


class WatermarkHandlers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._checker: ProvenanceChecker | None = None

    def checker(self) -> ProvenanceChecker:
        """Loaded on first use, then reused (the index and memory stay open)."""
        if self._checker is None:
            self._checker = ProvenanceChecker.from_settings(self.settings)
        return self._checker

    def detect(self, text: str) -> tuple[str, Highlighted]:
        """(report Markdown, highlighted text) for the pasted text."""
        if not (text or "").strip():
            return "Paste some text first.", []
        try:
            report = self.checker().report(text)
        except CoursebotError as exc:
            return f"Error: {exc}", []
        return report_markdown(report), highlighted(text, report)


def watermark_page(settings: Settings) -> None:
    """Build the Watermark tab's components inside the current Tab context."""
    handlers = WatermarkHandlers(settings)
    text = gr.Textbox(
        label="Text to check", lines=8, placeholder="Paste an answer here…", elem_id="cb-wm-text"
    )
    button = gr.Button("Where did this come from?", variant="primary", elem_id="cb-wm-check")
    verdict = gr.Markdown(elem_id="cb-wm-verdict")
    tokens = gr.HighlightedText(
        label="Spans by signal",
        color_map={"quoted": "#93c5fd", "generated": "#86efac", "answer": "#fcd34d"},
        show_legend=True,
        combine_adjacent=True,
        elem_id="cb-wm-tokens",
    )
    button.click(handlers.detect, inputs=[text], outputs=[verdict, tokens], api_name="watermark")
