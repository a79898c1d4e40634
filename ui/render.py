"""Answer -> what people see: Markdown for the chat bubble, JSON for the API.

The chat shows the grounded text, a row of badges (abstained, refused, watermark,
sentences removed), then numbered sources that expand to the passage the citation points at.
"""

from __future__ import annotations

import html
from pathlib import PurePath
from typing import Any

from rag.answer import Answer, Citation, WatermarkReport

NOT_IN_COURSE = "Not in the course documents"
LOADING_MESSAGE = "The model and the course index are still loading: try again in a few seconds."


def badges(answer: Answer) -> list[str]:
    """Short labels that say what kind of answer this is, most important first."""
    labels: list[str] = []
    if answer.refused:
        policy = answer.safety.policy or "safety policy"
        labels.append(f"Refused by the safety filter ({policy})")
    if answer.abstained:
        labels.append(NOT_IN_COURSE)
    if answer.extractive:
        labels.append("Quoted from the course")
    removed = removed_sentences(answer)
    if removed:
        noun = "sentence" if len(removed) == 1 else "sentences"
        labels.append(f"{len(removed)} unsupported {noun} removed")
    flagged = [s for s in answer.sentences if not s.supported and s.text.strip() in answer.text]
    if flagged:
        noun = "sentence" if len(flagged) == 1 else "sentences"
        labels.append(f"{len(flagged)} {noun} not supported by the sources")
    mark = watermark_badge(answer.watermark)
    if mark:
        labels.append(mark)
    return labels


def removed_sentences(answer: Answer) -> list[str]:
    """Generated sentences the grounding check dropped from the final text."""
    return [
        s.text for s in answer.sentences if not s.supported and s.text.strip() not in answer.text
    ]


def watermark_badge(mark: WatermarkReport | None) -> str:
    if mark is None:
        return ""
    if mark.status != "applied":
        return f"Watermark: {mark.status}"
    return f"Watermark: {mark.verdict}, z = {mark.z:.1f}"


def source_label(citation: Citation) -> str:
    name = PurePath(citation.source).name or citation.source
    where = f"{name}, p. {citation.page}" if citation.page is not None else name
    return f"{where} › {citation.section}" if citation.section else where


def sources_html(answer: Answer) -> str:
    """One expandable block per citation: document, section path, passage, score."""
    if not answer.citations:
        return ""
    blocks = []
    for c in answer.citations:
        blocks.append(
            f'<details class="cb-source"><summary>[{c.n}] {html.escape(source_label(c))}'
            f" <small>(support {c.score:.2f})</small></summary>\n\n"
            f"<blockquote>{html.escape(c.text)}</blockquote>\n\n"
            f"<small>document: {html.escape(c.source)} · chunk {html.escape(c.chunk_id)}</small>"
            "</details>"
        )
    return "**Sources**\n\n" + "\n".join(blocks)


def removed_html(answer: Answer) -> str:
    removed = removed_sentences(answer)
    if not removed:
        return ""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in removed)
    return (
        '<details class="cb-removed"><summary>Sentences removed by the grounding check'
        f"</summary><ul>{items}</ul></details>"
    )


def answer_markdown(answer: Answer) -> str:
    """The whole chat bubble for a final answer."""
    parts = []
    labels = badges(answer)
    if labels:
        parts.append(" ".join(f"`{label}`" for label in labels))
    parts.append(answer.text.strip() or "_(no answer text)_")
    if (answer.abstained or answer.refused) and answer.reason:
        parts.append(f"_Why: {answer.reason}_")
    for extra in (sources_html(answer), removed_html(answer)):
        if extra:
            parts.append(extra)
    return "\n\n".join(parts)


def draft_markdown(shown: str, quote: str = "") -> str:
    """The bubble while the answer is being made; the grounded final text replaces it.

    The course quote that opens the answer is shown as it will stand. The model's draft
    arrives one whole sentence at a time, each already passed by the output guard, and is
    marked as a draft, because grounding may still remove any of it.
    """
    if not quote:
        note = "the model is drafting; each sentence is screened before it is shown"
        return f"{shown} ▌\n\n<small>_{note}_</small>"
    screened = f"\n\n<small>screened draft: {shown} ▌</small>" if shown else ""
    note = "the model is adding to the course's words; its sentences are checked first"
    return f"{quote}{screened}\n\n<small>_{note}_</small>"


def answer_json(answer: Answer) -> dict[str, Any]:
    """What the `ask` API endpoint returns: the answer without token ids."""
    data = answer.model_dump(mode="json", exclude={"generated_token_ids"})
    data["badges"] = badges(answer)
    return data
