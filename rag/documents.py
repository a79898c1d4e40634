"""Read .md, .txt, .pdf and .html files into text, saying exactly why one cannot be read.

What is about a document rather than in it (front matter, a credit line under the title,
a page's title and footer) goes into `metadata`, never into the text that is indexed and
quoted. PDF pages are separated by a form feed, which the chunker turns into page numbers.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from rag.errors import DocumentError

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".html", ".htm")


class LoadedDocument(BaseModel):
    """A document's text (Markdown-style headings where the format has them)."""

    text: str
    format: str
    encoding: str = "utf-8"
    warnings: list[str] = []
    metadata: dict[str, Any] = {}


PAGE_BREAK = "\f"
_FRONT_MATTER = re.compile(
    r"\A(?:---|\+\+\+)[ \t]*\n(.*?\n)(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
_TITLE = re.compile(r"\A\s*#\s+[^\n]+\n")
_BYLINE = re.compile(r"\s*([*_])(?!\1)(.+?)\1[ \t]*(?:\n\s*\n|\Z)", re.S)
_CREDIT_WORDS = re.compile(
    r"\b(author|authors|written by|credit|credited|licen[cs]e[ds]?|copyright|reproduced)\b|©",
    re.I,
)


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
        pages = [(page.extract_text() or "").replace(PAGE_BREAK, " ") for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentError(f"broken PDF: {exc}") from exc
    blank = [number for number, page in enumerate(pages, start=1) if not page.strip()]
    if len(blank) == len(pages):
        raise DocumentError(
            f"scanned PDF: none of its {len(pages)} page(s) has a text layer; "
            "run OCR on it (e.g. ocrmypdf) and add the result"
        )
    warnings = [f"no text layer on page(s) {_ranges(blank)} (scanned?)"] if blank else []
    return LoadedDocument(
        text=f"\n{PAGE_BREAK}\n".join(pages),
        format="pdf",
        warnings=warnings,
        metadata={"pages": len(pages)},
    )


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)


def split_markdown_metadata(text: str) -> tuple[str, dict[str, Any]]:
    """Front matter and a credit line directly under the title, taken out of the text.

    The credit line is an all-emphasised paragraph between the `# Title` and the body
    that names an author, a licence or a copyright; it describes the document.
    """
    metadata: dict[str, Any] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        metadata["front_matter"] = front.group(1).strip()
        text = text[front.end() :]
    title = _TITLE.match(text)
    head = title.end() if title else 0
    byline = _BYLINE.match(text, head)
    if byline and _CREDIT_WORDS.search(byline.group(2)):
        metadata["credit"] = " ".join(byline.group(2).split())
        text = text[:head] + "\n" + text[byline.end() :]
    return text, metadata


def _load_html(data: bytes) -> LoadedDocument:
    from rag.html_text import html_to_text

    markup, encoding, warnings = decode_text(data)
    text, metadata = html_to_text(markup)
    if not text.strip():
        raise DocumentError("HTML page has no main content (only navigation, headers or footers)")
    return LoadedDocument(
        text=text, format="html", encoding=encoding, warnings=warnings, metadata=metadata
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
    metadata: dict[str, Any] = {}
    if suffix != ".txt":
        text, metadata = split_markdown_metadata(text)
    return LoadedDocument(
        text=text,
        format="markdown" if suffix != ".txt" else "text",
        encoding=encoding,
        warnings=warnings,
        metadata=metadata,
    )
