"""Normalised words with their character offsets, and hashed word shingles over them.

Normalisation (NFKC, case folding, words as runs of letters and digits, citation markers
like "[2]" dropped) makes matching indifferent to whitespace, punctuation and case.
With `markers=True` a citation marker is kept as a word of its own ("[2]", "[1,3]"):
coursebot's markers are part of what it shows, so they can tell its answers from the
documents they quote.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from pydantic import BaseModel

_WORD = re.compile(r"\w+")
_CITATION = re.compile(r"\[\s*\d+(?:\s*[,-]\s*\d+)*\s*\]")
_SPACE = re.compile(r"\s+")
MARKER_PREFIX = "["  # no normalised word starts with it


class Word(BaseModel):
    """One normalised word and where it sits in the original text."""

    text: str
    start: int
    end: int


def words(text: str, markers: bool = False) -> list[Word]:
    """The words of `text`, normalised, with offsets into `text` itself; citation markers
    are dropped, or kept as words of their own with `markers`."""
    found: list[Word] = []
    cited: set[int] = set()
    for m in _CITATION.finditer(text):
        cited.update(range(m.start(), m.end()))
        if markers:
            found.append(Word(text=_SPACE.sub("", m.group()), start=m.start(), end=m.end()))
    for match in _WORD.finditer(text):
        if match.start() in cited:
            continue
        norm = unicodedata.normalize("NFKC", match.group()).casefold().replace("_", "")
        if norm:
            found.append(Word(text=norm, start=match.start(), end=match.end()))
    return sorted(found, key=lambda w: w.start) if markers else found


def is_marker(word: Word) -> bool:
    """Is this word a citation marker (kept by `words(text, markers=True)`)?"""
    return word.text.startswith(MARKER_PREFIX)


def shingle_strings(items: Sequence[Word], size: int) -> list[str]:
    """Each run of `size` consecutive words, joined by spaces (none if too few words)."""
    texts = [w.text for w in items]
    return [" ".join(texts[i : i + size]) for i in range(len(texts) - size + 1)]


def shingle_hash(shingle: str, key: bytes = b"") -> int:
    """A signed 64-bit hash of one shingle (keyed BLAKE2b when a key is given)."""
    digest = hashlib.blake2b(shingle.encode("utf-8"), key=key, digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def covered(count: int, hits: Sequence[int], size: int) -> list[bool]:
    """Which of `count` words lie inside at least one of the shingles at `hits`."""
    mask = [False] * count
    for i in hits:
        for j in range(i, min(i + size, count)):
            mask[j] = True
    return mask
