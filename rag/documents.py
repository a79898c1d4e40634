"""Read .md, .txt, .pdf and .html files into text, saying exactly why one cannot be read."""

from __future__ import annotations

import io
from pathlib import Path

from pydantic import BaseModel

from rag.errors import DocumentError

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".html", ".htm")


class LoadedDocument(BaseModel):
    """A document's text (Markdown-style headings where the format has them)."""

    text: str
    format: str
    encoding: str = "utf-8"
    warnings: list[str] = []


def decode_text(data: bytes) -> tuple[str, str, list[str]]:
    """Decode bytes as UTF-8, falling back to cp1252 with a warning; refuse binary data."""
    if b"\x00" in data[:8192]:
        raise DocumentError("looks binary (contains NUL bytes), not a text document")
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        warning = f"not valid UTF-8 (byte {exc.start}); decoded as cp1252"
    try:
        return data.decode("cp1252"), "cp1252", [warning]
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid UTF-8 or cp1252 text (byte {exc.start})") from exc


def _load_pdf(data: bytes) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentError(f"broken PDF: {exc}") from exc
    warnings = [] if any(p.strip() for p in pages) else ["PDF has no extractable text (scanned?)"]
    return LoadedDocument(text="\n\n".join(pages), format="pdf", warnings=warnings)


def _load_html(data: bytes) -> LoadedDocument:
    from bs4 import BeautifulSoup

    text, encoding, warnings = decode_text(data)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer"]):
        tag.decompose()
    blocks: list[str] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td"]):
        content = " ".join(element.get_text(" ", strip=True).split())
        if not content:
            continue
        if element.name and element.name[0] == "h" and element.name[1:].isdigit():
            blocks.append("#" * int(element.name[1:]) + " " + content)
        else:
            blocks.append(("- " if element.name == "li" else "") + content)
    return LoadedDocument(
        text="\n\n".join(blocks), format="html", encoding=encoding, warnings=warnings
    )


def load_document(path: Path, max_bytes: int) -> LoadedDocument:
    """Read one file.

    Raises:
        DocumentError: unsupported, too large, binary, badly encoded or broken; the
            message is the reason shown in the ingestion report.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported format {suffix or '(none)'}")
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(f"too large ({size:,} bytes; limit {max_bytes:,})")
    data = path.read_bytes()
    if suffix == ".pdf":
        return _load_pdf(data)
    if suffix in (".html", ".htm"):
        return _load_html(data)
    text, encoding, warnings = decode_text(data)
    return LoadedDocument(
        text=text,
        format="markdown" if suffix != ".txt" else "text",
        encoding=encoding,
        warnings=warnings,
    )
