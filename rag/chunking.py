"""Heading-aware chunking: every chunk carries its document, section path and offsets.

Blank-line splitting alone separates a heading ("Data Drift") from its body, and the body
then cannot be found by a question that names the heading. Here, Markdown headings build
a section path ("Failure Modes in Practice > Data Drift") that travels with each chunk and
is part of the text that gets embedded.

The units a chunk is packed from are never cut: a paragraph (or, when it is too long,
its sentences), a fenced code block (or its lines), a Markdown table row. A `#` line
inside a code block is not a heading. A form feed (between PDF pages) ends a section,
and each chunk records its page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from pydantic import BaseModel

from safety.text import sentence_spans

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
PAGE_BREAK = "\f"


class Chunk(BaseModel):
    """A passage of a document; `start`/`end` are character offsets into the document text."""

    chunk_id: str
    source: str
    section: str
    text: str
    start: int
    end: int
    page: int | None = None

    @property
    def embed_text(self) -> str:
        """What gets embedded and keyword-indexed: the section path, then the passage."""
        return f"{self.section}\n{self.text}" if self.section else self.text


class _Section(BaseModel):
    path: str
    start: int
    end: int
    page: int | None = None


def _lines(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
    """(offset, line with its newline) of each line; only "\\n" ends a line."""
    for match in _LINE.finditer(text, start, len(text) if end is None else end):
        yield match.start(), match.group()


class _Fence:
    """Tracks whether a line is inside a fenced code block."""

    def __init__(self) -> None:
        self.marker = ""

    def step(self, line: str) -> bool:
        """True when `line` belongs to a code block (its fences included)."""
        match = _FENCE.match(line)
        if self.marker:
            if (
                match
                and match.group(1)[0] == self.marker[0]
                and len(match.group(1)) >= len(self.marker)
            ):
                self.marker = ""
            return True
        if match:
            self.marker = match.group(1)
            return True
        return False


def _sections(text: str) -> Iterator[_Section]:
    """Split a document at its Markdown headings (and page breaks), tracking the path."""
    stack: list[tuple[int, str]] = []
    body_start = 0
    current_path = ""
    page = 1 if PAGE_BREAK in text else None
    fence = _Fence()
    for offset, line in _lines(text):
        if fence.step(line):
            continue
        if line.strip(" \t\r\n") == PAGE_BREAK and page is not None:
            if text[body_start:offset].strip():
                yield _Section(path=current_path, start=body_start, end=offset, page=page)
            page += 1
            body_start = offset + len(line)
            continue
        match = _HEADING.match(line.rstrip("\n"))
        if match:
            if text[body_start:offset].strip():
                yield _Section(path=current_path, start=body_start, end=offset, page=page)
            level, title = len(match.group(1)), match.group(2).strip()
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
            top_is_title = len(stack) > 1 and stack[0][0] == 1
            current_path = " > ".join(t for _, t in (stack[1:] if top_is_title else stack))
            body_start = offset + len(line)
    if text[body_start:].strip():
        yield _Section(path=current_path, start=body_start, end=len(text), page=page)


def _blocks(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of each paragraph, code block or table; kind is "prose",
    "code" or "table". Blank lines inside a code block do not end it."""
    fence = _Fence()
    block_start: int | None = None
    kind = "prose"
    for offset, line in _lines(text, start, end):
        in_code = fence.step(line)
        opens_code = in_code and kind != "code"
        if block_start is not None and (opens_code or (not in_code and not line.strip())):
            yield block_start, offset, kind
            block_start = None
        if not line.strip() and not in_code:
            continue
        if block_start is None:
            block_start = offset
            kind = "code" if in_code else "table" if line.lstrip().startswith("|") else "prose"
        elif kind == "table" and not line.lstrip().startswith("|"):
            kind = "prose"
        if kind == "code" and not fence.marker:
            yield block_start, offset + len(line), kind
            block_start = None
    if block_start is not None:
        yield block_start, end, kind


def _pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Spans of whole blocks, or of the sentences, rows or lines of an over-long one."""
    for block_start, block_end, kind in _blocks(text, start, end):
        if block_end - block_start <= max_chars:
            yield block_start, block_end
        elif kind == "prose":
            yield from _sentence_pieces(text, block_start, block_end, max_chars)
        else:
            yield from _line_pieces(text, block_start, block_end, max_chars)


def _sentence_pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    for cursor, stop in sentence_spans(text, start, end):
        yield from _word_pieces(text, cursor, stop, max_chars)


def _line_pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Lines (table rows, code lines) packed together up to max_chars."""
    piece_start: int | None = None
    piece_end = start
    for offset, line in _lines(text, start, end):
        line_end = offset + len(line.rstrip("\n"))
        if piece_start is not None and line_end - piece_start > max_chars:
            yield piece_start, piece_end
            piece_start = None
        if line_end - offset > max_chars:
            yield from _word_pieces(text, offset, line_end, max_chars)
            continue
        if piece_start is None:
            piece_start = offset
        piece_end = line_end
    if piece_start is not None:
        yield piece_start, piece_end


def _word_pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """A span cut at whitespace into pieces <= max_chars (mid-word only if one word is longer)."""
    cursor = start
    while end - cursor > max_chars:
        cut = max(text.rfind(space, cursor + 1, cursor + max_chars + 1) for space in " \n\t")
        cut = cut if cut > cursor else cursor + max_chars
        yield cursor, cut
        cursor = cut
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if text[cursor:end].strip():
        yield cursor, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_document(source: str, text: str, max_chars: int, overlap_chars: int) -> list[Chunk]:
    """Split a document into chunks that never cross a section boundary.

    Paragraphs of one section are packed together up to `max_chars`; when a chunk is
    full, the next one starts with up to `overlap_chars` of the previous paragraph(s).
    """
    chunks: list[Chunk] = []
    for section in _sections(text):
        spans = list(_pieces(text, section.start, section.end, max_chars))
        group: list[tuple[int, int]] = []
        for span in spans:
            if group and span[1] - group[0][0] > max_chars:
                chunks.append(_make_chunk(source, section, text, group[0][0], group[-1][1]))
                group = [
                    s
                    for s in group
                    if span[1] - s[0] <= max_chars and group[-1][1] - s[0] <= overlap_chars
                ]
            group.append(span)
        if group:
            chunks.append(_make_chunk(source, section, text, group[0][0], group[-1][1]))
    return chunks


def _make_chunk(source: str, section: _Section, text: str, start: int, end: int) -> Chunk:
    start, end = _trim(text, start, end)
    body = text[start:end]
    digest = hashlib.sha256(f"{source}\x00{start}\x00{body}".encode()).hexdigest()[:16]
    return Chunk(
        chunk_id=digest,
        source=source,
        section=section.path,
        text=body,
        start=start,
        end=end,
        page=section.page,
    )
