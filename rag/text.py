"""Sentence splitting, quoted-span handling and number extraction shared by grounding."""

from __future__ import annotations

import re

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "Dr.", "Mr.", "Ms.", "Fig.", "approx.", "No.")
_SPLIT = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(\[]?[A-Z0-9])|\n+\s*(?:[-*•]\s+|\d+\.\s+)?")
_QUOTED = re.compile(r"[“\"‘]([^”\"’]{3,}?)[”\"’]")
_NUMBER = re.compile(r"(?<![\w.])\$?\d+(?:[.,]\d+)*%?")
_CITATION_MARK = re.compile(r"\s*\[(?:\d+(?:\s*[,-]\s*\d+)*)\]")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations like "e.g." inside a sentence."""
    protected = text
    for i, abbreviation in enumerate(_ABBREVIATIONS):
        protected = protected.replace(abbreviation, f"\x00{i}\x00")
    parts = [p.strip() for p in _SPLIT.split(protected) if p and p.strip()]
    restored = []
    for part in parts:
        for i, abbreviation in enumerate(_ABBREVIATIONS):
            part = part.replace(f"\x00{i}\x00", abbreviation)
        part = part.strip(" -*•")
        if part:
            restored.append(part)
    return restored


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
