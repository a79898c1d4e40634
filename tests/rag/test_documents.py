from pathlib import Path

import pytest

from rag.documents import load_document
from rag.errors import DocumentError


def test_markdown_and_text(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Title\n\nBody.")
    (tmp_path / "b.txt").write_text("Plain body.")
    assert load_document(tmp_path / "a.md", 10_000).text.startswith("# Title")
    assert load_document(tmp_path / "b.txt", 10_000).format == "text"


def test_html_headings_become_markdown(tmp_path: Path) -> None:
    page = "<html><script>x=1</script><h2>Data Drift</h2><p>Inputs change.</p></html>"
    (tmp_path / "p.html").write_text(page)
    text = load_document(tmp_path / "p.html", 10_000).text
    assert "## Data Drift" in text and "Inputs change." in text and "x=1" not in text


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "doc.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Watermarking identifies generated media.")
    pdf.save()
    assert "Watermarking identifies" in load_document(path, 1_000_000).text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bin.txt", b"\x00\x01\x02binary", "binary"),
        ("broken.pdf", b"%PDF-1.4 not really a pdf", "PDF"),
        ("table.xlsx", b"whatever", "unsupported format"),
    ],
)
def test_unreadable_files_get_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(DocumentError, match=reason):
        load_document(tmp_path / name, 10_000)


def test_too_large_file(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 2000)
    with pytest.raises(DocumentError, match="too large"):
        load_document(tmp_path / "big.txt", 1000)


def test_cp1252_falls_back_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_bytes("caf\xe9 na\xefve".encode("cp1252"))
    doc = load_document(tmp_path / "old.txt", 10_000)
    assert doc.text == "café naïve"
    assert doc.encoding == "cp1252" and "not valid UTF-8" in doc.warnings[0]
