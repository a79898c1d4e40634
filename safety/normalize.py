"""Text normalisation and de-obfuscation shared by the checks.

Attackers hide payloads from filters with invisible characters, look-alike letters,
leetspeak, spaced-out letters and base64. Checks see the normalised text plus every
decoded view, so a hidden payload is scanned like a plain one.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from safety.deobfuscate import lexicon

ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"}
BIDI_CONTROLS = {chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_TAG_RANGE = range(0xE0000, 0xE0080)

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_LEET_WORD = re.compile(
    r"(?<![\w@$])(?=(?:[0-9@$]*[A-Za-z]){2})(?=[A-Za-z0-9@$]*[0-9@$])[A-Za-z0-9@$]{3,}(?![\w@$])"
)
_LEET_LETTERS = {
    "0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s",
}  # fmt: skip
"""Letters a leet character may stand for, tried in order when spelling a dictionary word."""
_LEET_TOKEN = re.compile(r"(?<![\w@$])[A-Za-z0-9@$]+(?![\w@$])")
MAX_LEET_SPELLINGS = 16
"""Spellings tried per token (a "1" is "i" or "l"); bounds the work on long tokens."""
MIN_LEET_WORDS = 2
"""Mixed letter-and-digit words that must spell dictionary words before all-digit tokens
("7h3" beside "70") are read as leetspeak too; ordinary numbers stay numbers otherwise."""
_SPACED = re.compile(r"\b(?:[A-Za-z][ .\-_*]){2,}[A-Za-z]\b")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


@dataclass
class NormalizedText:
    """The cleaned text, the decoded hidden views, and what was found hidden."""

    text: str
    views: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)

    @property
    def all_views(self) -> list[str]:
        """The cleaned text first, then each distinct decoded view."""
        return [self.text, *self.views]


def strip_invisible(text: str) -> tuple[str, str, list[str]]:
    """Remove zero-width, bidi-control and tag characters; decode tag-smuggled ASCII."""
    kept: list[str] = []
    smuggled: list[str] = []
    found: set[str] = set()
    for char in text:
        code = ord(char)
        if char in ZERO_WIDTH:
            found.add("zero-width characters")
        elif char in BIDI_CONTROLS:
            found.add("bidirectional override characters")
        elif code in _TAG_RANGE:
            found.add("Unicode tag characters")
            if 0xE0020 <= code <= 0xE007E:
                smuggled.append(chr(code - 0xE0000))
        elif unicodedata.category(char) == "Cc" and char not in "\n\r\t":
            found.add("control characters")
        else:
            kept.append(char)
    return "".join(kept), "".join(smuggled), sorted(found)


def decode_base64_blobs(text: str, limit: int = 8) -> list[str]:
    """Printable text decoded from base64-looking runs (at most `limit` runs)."""
    decoded: list[str] = []
    for match in _BASE64.finditer(text):
        blob = match.group(0)
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
            value = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        letters = sum(char.isalpha() or char.isspace() for char in value)
        if value and letters / len(value) > 0.8:
            decoded.append(value)
        if len(decoded) >= limit:
            break
    return decoded


def _leet_spelling(token: str) -> str | None:
    """The dictionary word `token` spells with its leet characters read as letters
    (`5734l` -> `steal`, `7h3` -> `the`), or None when no reading is a word."""
    options = [_LEET_LETTERS.get(char, char) for char in token.lower()]
    if not any(char in _LEET_LETTERS for char in token) or not all(
        option.isalpha() for option in options
    ):
        return None
    words = lexicon()
    for letters in itertools.islice(itertools.product(*options), MAX_LEET_SPELLINGS):
        word = "".join(letters)
        if word in words and (len(word) > 1 or word in "ai"):
            return word
    return None


def unleet(text: str) -> str:
    """Map digits and symbols inside words back to letters (`b0mb` -> `bomb`).

    A token whose leet reading is a dictionary word becomes that word, so short words
    with a single letter left (`7h3`, `m3`) are read too; once `MIN_LEET_WORDS` mixed
    tokens read as words, all-digit tokens that spell words (`70` -> `to`, `4` -> `a`)
    do as well. Other mixed words get the plain character map."""
    tokens = [match.group(0) for match in _LEET_TOKEN.finditer(text)]
    spelled = {token: _leet_spelling(token) for token in set(tokens)}
    mixed = sum(
        spelled[token] is not None and any(char.isalpha() for char in token) for token in tokens
    )

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        word = spelled.get(token)
        if word is not None and (mixed >= MIN_LEET_WORDS or any(c.isalpha() for c in token)):
            return word
        if _LEET_WORD.fullmatch(token):
            return token.translate(_LEET)
        return token

    return _LEET_TOKEN.sub(swap, text)


def join_spaced(text: str) -> str:
    """Join letters written one by one (`b o m b` -> `bomb`)."""
    return _SPACED.sub(lambda match: re.sub(r"[ .\-_*]", "", match.group(0)), text)


def normalize(text: str) -> NormalizedText:
    """NFKC, invisible characters removed, and every decoded view of hidden payloads."""
    visible, smuggled, hidden = strip_invisible(text)
    cleaned = unicodedata.normalize("NFKC", visible)
    views: list[str] = []
    if smuggled:
        views.append(smuggled)
    blobs = decode_base64_blobs(cleaned)
    if blobs:
        hidden.append("base64-encoded text")
        views.extend(blobs)
    for transform, label in ((unleet, "leetspeak"), (join_spaced, "spaced-out letters")):
        view = transform(cleaned)
        if view != cleaned:
            views.append(view)
            hidden.append(label)
    distinct = [view for view in dict.fromkeys(views) if view != cleaned]
    return NormalizedText(text=cleaned, views=distinct, hidden=hidden)
