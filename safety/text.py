"""The one sentence splitter of coursebot.

Grounding, chunking, the draft screen, the harm classifier and the hallucination metrics
all cut text into sentences, and they must agree on where a sentence ends. It lives on the
lowest floor that needs it (safety/), so rag/ and eval/ import it from here.

A sentence ends at ".", "!" or "?" (closing quotes or brackets may follow) when
whitespace and then a capital letter, a digit or an opening quote follow. A period does
not end a sentence after an abbreviation ("e.g.", "Mr.", "U.S."), an initial ("J. Smith"),
an ellipsis, or "Fig."/"Eq."/"No." before a number. Decimals, versions, URLs and e-mail
addresses hold no whitespace and are never cut. A blank line, a list item, a heading or
a table row always starts a new piece, and so does a line break before a capital letter
(a heading line or a line without final punctuation). A line break before a lower-case
word is a wrapped line of the same sentence.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "cf", "approx", "etc", "al", "ca"}
)
"""Words whose period is not the end of a sentence (compared lower-case, without it)."""
_BEFORE_NUMBER = frozenset(
    {"fig", "figs", "eq", "eqs", "no", "nos", "sec", "vol", "ch", "p", "pp", "tab", "ref"}
)
"""Abbreviations that only hold their period before a number ("Fig. 3", but "No. The")."""
_INITIALISM = re.compile(r"(?:[A-Za-z]\.){2,}")
_INITIAL = re.compile(r"[A-Z]\.")
_CLOSERS = "\"'”’)]*_"
_OPENERS = "\"'“‘([*_"
_WHITESPACE = re.compile(r"\s+")
_LIST_ITEM = re.compile(r"(?:[-*•+]|\d{1,3}[.)])[ \t]|#{1,6}\s|\|")
_NUMBERING = re.compile(r"\d{1,3}[.)]")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)])\s+")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets into `text` of each sentence of `text[start:end]`.

    Spans are in order, never empty and hold no leading or trailing whitespace; together
    they cover every non-space character of the range.
    """
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for gap in _WHITESPACE.finditer(text, start, stop):
        if gap.start() == start:
            cursor = gap.end()
            continue
        if gap.end() < stop and _is_boundary(text, cursor, gap.start(), gap.end(), stop):
            spans.append((cursor, gap.start()))
            cursor = gap.end()
    tail_end = stop
    while tail_end > cursor and text[tail_end - 1].isspace():
        tail_end -= 1
    if tail_end > cursor:
        spans.append((cursor, tail_end))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences, list items and headings of `text`, whitespace-trimmed, in order."""
    return [text[a:b] for a, b in sentence_spans(text)]


def split_complete(text: str) -> tuple[list[str], str]:
    """(sentences known to be complete, the rest) of a text that is still growing.

    A sentence is complete once the next one has begun, or once whitespace follows its
    final ".", "!" or "?" (a period that may belong to "Dr." or "Fig." waits for more), so
    a streamed draft can show each sentence as soon as it ends.
    """
    spans = sentence_spans(text)
    if not spans:
        return [], text
    start, end = spans[-1]
    if end < len(text) and _ends_at_tail(text, start, end):
        return [text[a:b] for a, b in spans], ""
    return [text[a:b] for a, b in spans[:-1]], text[start:]


def strip_list_marker(sentence: str) -> str:
    """`sentence` without a leading list marker ("- ", "* ", "• ", "1. ", "2) ")."""
    return _LIST_MARKER.sub("", sentence, count=1)


def _is_boundary(text: str, piece_start: int, gap_start: int, gap_end: int, stop: int) -> bool:
    """Does the whitespace text[gap_start:gap_end] separate two sentences?"""
    newlines = text.count("\n", gap_start, gap_end)
    if newlines >= 2:
        return True
    if newlines and _LIST_ITEM.match(text, gap_end, stop):
        return True
    word_start = _word_start(text, piece_start, gap_start)
    if _CITATION.fullmatch(text, word_start, gap_start):
        before = text[piece_start:word_start].rstrip()
        return before.endswith((".", "!", "?")) and _starts_sentence(text, gap_end, stop)
    token = text[word_start:gap_start].rstrip(_CLOSERS)
    if not token or not _starts_sentence(text, gap_end, stop):
        return False
    if word_start == piece_start and _NUMBERING.fullmatch(token):
        return False  # "1." opening a list item
    if token[-1] in "!?":
        return True
    if token[-1] == ".":
        return not _holds_period(token, text[gap_end : gap_end + 1].isdigit())
    return newlines > 0


def _ends_at_tail(text: str, piece_start: int, end: int) -> bool:
    """Does the piece text[piece_start:end], with nothing after it yet, end a sentence?"""
    word_start = _word_start(text, piece_start, end)
    token = text[word_start:end].rstrip(_CLOSERS)
    if not token or (word_start == piece_start and _NUMBERING.fullmatch(token)):
        return False
    return token[-1] in "!?" or (token[-1] == "." and not _holds_period(token, True))


def _word_start(text: str, piece_start: int, end: int) -> int:
    while end > piece_start and not text[end - 1].isspace():
        end -= 1
    return end


_CITATION = re.compile(r"\[\d+(?:,\s*\d+)*\]")


def _starts_sentence(text: str, at: int, stop: int) -> bool:
    if _CITATION.match(text, at, stop):
        return False  # "... the end. [1]": a citation marker closes the sentence before it
    while at < stop and text[at] in _OPENERS:
        at += 1
    return at < stop and (text[at].isupper() or text[at].isdigit())


def _holds_period(token: str, number_follows: bool) -> bool:
    """Is the final period of `token` part of a word rather than the end of a sentence?"""
    if token.endswith(".."):
        return True  # an ellipsis
    word = token.lstrip(_OPENERS)
    if _INITIALISM.fullmatch(word) or _INITIAL.fullmatch(word):
        return True
    bare = word[:-1].lower()
    return bare in _ABBREVIATIONS or (bare in _BEFORE_NUMBER and number_follows)
