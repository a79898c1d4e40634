from __future__ import annotations

import threading
from pathlib import Path

from ui.holder import AssistantHolder
from ui.kb_page import KbHandlers, documents_table, upload_target


def test_upload_indexes_good_files_and_reports_bad_ones(
    fake_holder: AssistantHolder, tmp_path: Path
) -> None:
    good = tmp_path / "notes.md"
    good.write_text("# Gradient descent\n\nGradient descent follows the negative gradient.\n")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    odd = tmp_path / "slides.pptx"
    odd.write_bytes(b"zip")
    handlers = KbHandlers(fake_holder)
    message = handlers.upload([str(good), str(bad), str(odd)])
    assert "**notes.md**: indexed" in message
    assert "**broken.pdf**: not indexed (skipped:" in message
    assert "**slides.pptx**: not indexed, unsupported format" in message
    uploads = fake_holder.settings.data_dir / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["notes.md"]
    table, counts, _, report_json = handlers.refresh()
    sources = [row[0] for row in table["data"]]
    assert sources == ["foundations-of-machine-learning.md", "notes.md"]
    assert counts.startswith("**2 documents indexed")
    assert report_json is not None and report_json["files"][1]["status"] == "skipped"


def test_upload_without_files_asks_for_some(fake_holder: AssistantHolder) -> None:
    assert "Choose one or more files" in KbHandlers(fake_holder).upload([])


def test_same_name_different_content_does_not_overwrite(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "a.md").write_text("first")
    second = tmp_path / "a.md"
    second.write_text("second")
    target = upload_target(uploads, second)
    assert target.parent == uploads and target.name.startswith("a-") and target.suffix == ".md"
    (tmp_path / "same").mkdir()
    same = tmp_path / "same" / "a.md"
    same.write_text("first")
    assert upload_target(uploads, same) == uploads / "a.md"


def test_documents_table_accepts_dicts_and_models() -> None:
    headers, rows = documents_table([{"source": "a.md", "chunks": 3, "meta": {"x": 1}}])
    assert headers == ["source", "chunks"] and rows == [["a.md", 3]]


def test_two_uploads_at_once_both_land(fake_holder: AssistantHolder, tmp_path: Path) -> None:
    handlers = KbHandlers(fake_holder)
    files = []
    for name in ("alpha.md", "beta.txt"):
        path = tmp_path / name
        path.write_text(f"# {name}\n\nNotes about {name}.\n")
        files.append(path)
    messages: list[str] = []
    threads = [
        threading.Thread(target=lambda f=f: messages.append(handlers.upload([str(f)])))
        for f in files
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m.split("**")[1] for m in messages) == ["alpha.md", "beta.txt"]
    table, *_ = handlers.refresh()
    names = {row[0] for row in table["data"]}
    assert {"alpha.md", "beta.txt", "foundations-of-machine-learning.md"} <= names
