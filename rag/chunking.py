"""Heading-aware chunking: every chunk carries its document, section path and offsets.

Blank-line splitting alone separates a heading ("Data Drift") from its body, and the body
then cannot be found by a question that names the heading. Here, Markdown headings build
a section path ("Failure Modes in Practice > Data Drift") that travels with each chunk and
is part of the text that gets embedded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from pydantic import BaseModel

from safety.text import sentence_spans

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


class Chunk(BaseModel):
    """A passage of a document; `start`/`end` are character offsets into the document text."""

    chunk_id: str
    source: str
    section: str
    text: str
    start: int
    end: int

    @property
    def embed_text(self) -> str:
        """What gets embedded and keyword-indexed: the section path, then the passage."""
        return f"{self.section}\n{self.text}" if self.section else self.text


class _Section(BaseModel):
    path: str
    start: int
    end: int


def _sections(text: str) -> Iterator[_Section]:
    """Split a document at its Markdown headings, tracking the heading path."""
    stack: list[tuple[int, str]] = []
    body_start = 0
    offset = 0
    current_path = ""
    for line in text.splitlines(keepends=True):
        match = _HEADING.match(line.rstrip("\n"))
        if match:
            if text[body_start:offset].strip():
                yield _Section(path=current_path, start=body_start, end=offset)
            level, title = len(match.group(1)), match.group(2).strip()
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
            top_is_title = len(stack) > 1 and stack[0][0] == 1
            current_path = " > ".join(t for _, t in (stack[1:] if top_is_title else stack))
            body_start = offset + len(line)
        offset += len(line)
    if text[body_start:].strip():
        yield _Section(path=current_path, start=body_start, end=len(text))


def _pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Spans of paragraphs (or sentences of over-long paragraphs), each <= max_chars."""
    cursor = start
    for match in [*_PARAGRAPH_BREAK.finditer(text, start, end), None]:
        para_end = match.start() if match else end
        if text[cursor:para_end].strip():
            if para_end - cursor <= max_chars:
                yield cursor, para_end
            else:
                yield from _sentence_pieces(text, cursor, para_end, max_chars)
        cursor = match.end() if match else end


def _sentence_pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    for cursor, stop in sentence_spans(text, start, end):
        while stop - cursor > max_chars:
            yield cursor, cursor + max_chars
            cursor += max_chars
        if text[cursor:stop].strip():
            yield cursor, stop


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
                chunks.append(_make_chunk(source, section.path, text, group[0][0], group[-1][1]))
                group = [
                    s
                    for s in group
                    if span[1] - s[0] <= max_chars and group[-1][1] - s[0] <= overlap_chars
                ]
            group.append(span)
        if group:
            chunks.append(_make_chunk(source, section.path, text, group[0][0], group[-1][1]))
    return chunks


def _make_chunk(source: str, section: str, text: str, start: int, end: int) -> Chunk:
    start, end = _trim(text, start, end)
    body = text[start:end]
    digest = hashlib.sha256(f"{source}\x00{start}\x00{body}".encode()).hexdigest()[:16]
    return Chunk(chunk_id=digest, source=source, section=section, text=body, start=start, end=end)
