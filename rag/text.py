"""Sentence splitting, quoted-span handling and number extraction shared by grounding."""

from __future__ import annotations

import re

from safety.text import split_sentences as _split
from safety.text import strip_list_marker

_QUOTED = re.compile(r"[“\"‘]([^”\"’]{3,}?)[”\"’]")
_NUMBER = re.compile(r"(?<![\w.])\$?\d+(?:[.,]\d+)*%?")
_CITATION_MARK = re.compile(r"\s*\[(?:\d+(?:\s*[,-]\s*\d+)*)\]")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (safety.text's rules), list markers and emphasis stripped."""
    pieces = (strip_list_marker(piece).strip(" -*•") for piece in _split(text))
    return [piece for piece in pieces if piece]


def quoted_spans(text: str) -> list[str]:
    """Spans inside quotation marks of at least two words."""
    return [m.group(1) for m in _QUOTED.finditer(text) if len(m.group(1).split()) >= 2]


def without_quotes(text: str) -> str:
    """The text with quoted multi-word spans removed: quoted examples do not assert anything."""
    return _QUOTED.sub(lambda m: " " if len(m.group(1).split()) >= 2 else m.group(0), text)


def numbers(text: str) -> set[str]:
    """Numbers mentioned in a text, normalised ("1,000" -> "1000")."""
    return {n.replace(",", "").rstrip("%").lstrip("$") for n in _NUMBER.findall(text)}


_SECTION_ECHO = re.compile(r"\((?:[^()]*\s>\s[^()]*)\)")
_LIST_NUMBER = re.compile(r"(?m)^\s*\d+[.)]\s+")


def strip_citation_marks(text: str) -> str:
    """Remove "[1]" markers, echoed "(Section > Path)" labels and list numbers a model wrote.

    Citations are aligned by coursebot, not trusted from the model.
    """
    text = _CITATION_MARK.sub("", text)
    text = _SECTION_ECHO.sub("", text)
    return _LIST_NUMBER.sub("", text)
