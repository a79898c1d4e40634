"""`/upload` through a default gradio_client.Client, as the README shows it."""

from __future__ import annotations

from pathlib import Path

from gradio_client import Client, handle_file

from tests.ui.ui_launch import serve
from ui.holder import AssistantHolder


def test_the_documented_upload_call_works_and_names_its_report(
    fake_holder: AssistantHolder, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\n## Part\n\nUploaded through the API.\n")
    app, url = serve(fake_holder)
    try:
        message = Client(url, verbose=False).predict([handle_file(str(notes))], api_name="/upload")
    finally:
        app.close()  # type: ignore[attr-defined]
    assert isinstance(message, str) and message.startswith("**notes.md**: indexed"), message
    assert "Report: `reports/ingest-" in message
    assert (fake_holder.settings.data_dir / "uploads" / "notes.md").is_file()
