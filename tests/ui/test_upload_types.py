"""The upload box accepts exactly the formats rag/ reads, spelled any way rag/ accepts."""

from __future__ import annotations

from pathlib import Path

from rag.documents import SUPPORTED_SUFFIXES
from ui.holder import AssistantHolder
from ui.kb_page import UPLOAD_TYPES, KbHandlers


def test_the_upload_types_are_the_supported_suffixes() -> None:
    assert list(SUPPORTED_SUFFIXES) == UPLOAD_TYPES


def test_every_supported_spelling_is_uploaded(fake_holder: AssistantHolder, tmp_path: Path) -> None:
    markdown = tmp_path / "notes.markdown"
    markdown.write_text("# Drift\n\nInputs change slowly over time.\n")
    page = tmp_path / "page.htm"
    page.write_text("<html><body><p>Labels change meaning over time.</p></body></html>")
    message = KbHandlers(fake_holder).upload([str(markdown), str(page)])
    assert "unsupported format" not in message
    assert "**notes.markdown**: indexed" in message and "**page.htm**: indexed" in message
