"""The Watermark tab's handler over the real detector and the bundled GGUF tokenizer."""

from __future__ import annotations

import pytest

from rag.settings import Settings
from ui.watermark_page import WatermarkHandlers, verdict_markdown

pytestmark = pytest.mark.slow

PLAIN = (
    "Data drift happens when the distribution of the inputs a deployed model sees slowly "
    "moves away from the distribution of its training data, so accuracy degrades over time "
    "even though nothing in the code has changed at all."
)


def test_plain_human_text_is_not_flagged_and_the_text_is_shown(settings: Settings) -> None:
    markdown, pieces = WatermarkHandlers(settings).detect(PLAIN)
    assert markdown.startswith("### Not coursebot output"), markdown
    assert "not watermarked" in markdown and "| a coursebot answer | 0% |" in markdown
    assert "".join(text for text, _ in pieces) == PLAIN
    assert {label for _, label in pieces} <= {"quoted", "generated", "answer", None}


def test_empty_text_asks_for_text(settings: Settings) -> None:
    assert WatermarkHandlers(settings).detect("  ") == ("Paste some text first.", [])


def test_verdict_markdown_reads_a_plain_dict() -> None:
    text = verdict_markdown({"verdict": "watermarked", "z": 5.4, "p_value": 3e-8})
    assert text.startswith("### Watermarked") and "z = **5.40**" in text
