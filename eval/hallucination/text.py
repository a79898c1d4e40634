"""Text helpers shared by the verifier and the matchers: claims, terms, quotes, numbers.

Everything here is plain string work, deterministic and model-free, so that the rules a
metric depends on can be read in one place and tested on hand-made sentences.
"""

from __future__ import annotations

import re

from safety.text import split_sentences as _split
from safety.text import strip_list_marker

CITATION_MARK = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_CLAUSE_SPLIT = re.compile(r";\s+|\s+(?:but|whereas|while|although)\s+|,\s+and\s+(?=[a-z]+\s)")
MIN_CLAIM_WORDS = 3

_QUOTE_PAIRS = re.compile(
    r"“([^”]{1,400})”|\"([^\"]{1,400})\"|‘([^’]{1,400})’|(?<![A-Za-z])'([^']{1,400})'"
)
_HYPOTHETICAL_CUE = re.compile(
    r"\b(?:respond|responds|responded|answer|answers|answered|reply|replies|say|says|said|"
    r"claim|claims|claimed|state|states|stated|output|outputs|asked|asks|might|could|would)\b"
    r"[^.!?]{0,30}$",
    re.IGNORECASE,
)

STRONG_NEGATIONS = frozenset({"not", "never", "cannot", "neither", "nor"})
NEGATIONS = STRONG_NEGATIONS | {"no", "none", "nothing", "without"}
_NEGATION_WORD = re.compile(r"[a-z']+(?:-[a-z']+)*")
_CLAIM_HEDGE = re.compile(
    r"\b(?:might|could|would|example|hallucinat\w*|wrongly|incorrectly|mistakenly)\b", re.I
)
_STOPWORD_TEXT = """
    a an the and or of to in on at by for with from as is are was were be been being it its
    this that these those there their they them he she his her we you your i our us which who
    whom what when where why how than then so such can could may might will would should must
    do does did has have had also into over under about across per via each any all some more
    most other only just very much many both either if but because while whereas within upon
    not no course according says said say describes describe mentions mention gives give
    example examples e g eg ie uses use used question questions document documents states
    state explains explain"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def strip_citations(text: str) -> str:
    """Remove `[1]` / `[1, 2]` markers so they are not read as numbers or words."""
    return CITATION_MARK.sub("", text)


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of `text` (safety.text's rules), list markers removed."""
    pieces = (strip_list_marker(piece).strip() for piece in _split(text))
    return [piece for piece in pieces if piece]


_DECLINE = re.compile(
    r"^\W*(?:nothing\s+in\s+.{1,80}?\s+says?\s+that\b"
    r"|this\s+is\s+not\s+(?:covered|answered)\s+in\b"
    r"|not\s+covered\s+in\b"
    r"|(?:the|these|this)\s+(?:\w+\s+){0,3}(?:documents?|passages?|notes|course|pages?)\s+"
    r"(?:do|does)\s*(?:not|n't)\s+(?:cover|say|mention|state|answer)\b)",
    re.IGNORECASE,
)


def is_decline(sentence: str) -> bool:
    """A sentence about what the documents do not say ("Nothing in the notes says that
    X.", "This is not covered in ..."): it states no fact about the subject, so it is no
    claim to verify (a forbidden claim inside it is negated, see `stated_forbidden`)."""
    return bool(_DECLINE.match(sentence))


def split_claims(text: str) -> list[str]:
    """The checkable claims of an answer: sentences, further split at clause boundaries.

    Questions and declines (`is_decline`) are skipped. A clause shorter than MIN_CLAIM_WORDS
    words is merged back into its neighbour, so "X; and so on" is not a claim of its own.
    Quoted spans are never split.
    """
    claims: list[str] = []
    for sentence in split_sentences(strip_citations(text)):
        if sentence.rstrip(' "”’)').endswith("?"):
            continue  # a question asserts nothing
        if is_decline(sentence):
            continue  # what the documents do not say is no claim about the subject
        parts = _split_outside_quotes(sentence)
        merged: list[str] = []
        for part in parts:
            part = part.strip(" ,;")
            if not part:
                continue
            short = len(part.split()) < MIN_CLAIM_WORDS
            if merged and (short or len(merged[-1].split()) < MIN_CLAIM_WORDS):
                merged[-1] = f"{merged[-1]}; {part}"
            else:
                merged.append(part)
        claims.extend(m for m in merged if _has_content(m))
    return claims


def _split_outside_quotes(sentence: str) -> list[str]:
    spans = [m.span() for m in _QUOTE_PAIRS.finditer(sentence)]
    parts: list[str] = []
    start = 0
    for match in _CLAUSE_SPLIT.finditer(sentence):
        if any(a <= match.start() < b for a, b in spans):
            continue
        parts.append(sentence[start : match.start()])
        start = match.end()
    parts.append(sentence[start:])
    return parts


def _has_content(text: str) -> bool:
    return bool(content_words(text) or numbers(text))


def mask_hypothetical_quotes(text: str) -> str:
    """Blank out quoted spans presented as what someone says, answers or might say.

    `a model might confidently respond “Brazil won the 2026 FIFA World Cup”` reports a wrong
    answer; the words inside the quotes are not something the passage asserts. Quotes not
    introduced by such a cue (a prompt, a label) are kept.
    """
    out: list[str] = []
    last = 0
    for match in _QUOTE_PAIRS.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        if _HYPOTHETICAL_CUE.search(before):
            out.append(text[last : match.start()])
            out.append(" … ")
            last = match.end()
    out.append(text[last:])
    return "".join(out)


def quoted_spans(text: str) -> list[str]:
    """The texts inside quotation marks."""
    return [next(g for g in m.groups() if g is not None) for m in _QUOTE_PAIRS.finditer(text)]


def without_quotes(text: str) -> str:
    """`text` with every quoted span blanked."""
    return _QUOTE_PAIRS.sub(" … ", text)


def normalise(text: str) -> str:
    """Lower-case; thousands separators, currency signs, dashes and underscores removed (so a
    snake_case identifier is matched by its words); % spelled out."""
    text = text.lower().replace("_", " ")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = text.replace("%", " percent ").replace("$", " ").replace("\\", " ")
    text = re.sub(r"[–—−/]", " ", text)
    return text


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def stem(word: str) -> str:
    """A crude suffix stripper: enough to equate "drifts"/"drift", "labelled"/"labels"."""
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ies", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """Stemmed words that carry meaning: no stopwords, no bare numbers."""
    return {
        stem(w) for w in words(text) if w not in STOPWORDS and not w[0].isdigit() and len(w) > 1
    }


def numbers(text: str) -> set[str]:
    """Numbers in `text` as canonical strings ("10,000" -> "10000", "0.50" -> "0.5")."""
    found = set()
    for raw in _NUMBER.findall(normalise(strip_citations(text))):
        value = float(raw)
        found.add(str(int(value)) if value.is_integer() else repr(value))
    return found


def negations(text: str) -> set[str]:
    """Negation words of `text` ("n't" forms count as "not"; "not-spam" is not a negation)."""
    found = set()
    for word in _NEGATION_WORD.findall(text.lower().replace("’", "'")):
        if word.endswith("n't"):
            found.add("not")
        elif word in NEGATIONS:
            found.add(word)
    return found


def is_negated(text: str) -> bool:
    return bool(negations(text))


def is_hedged(text: str) -> bool:
    """Does the claim report a hypothetical or an example rather than assert it?"""
    return bool(_CLAIM_HEDGE.search(text))


def term_pattern(term: str) -> re.Pattern[str]:
    """The matching rule for one key-fact term, as a regular expression on normalised text.

    Words match at a word start and may continue ("refin" matches "refining"); numbers match
    whole ("8" does not match "80" or "8.5"). Several words must appear in that order with
    at most three words in between.
    """
    tokens = _WORD.findall(normalise(term))
    parts = []
    for token in tokens:
        if token[0].isdigit():
            parts.append(rf"(?<![\d.]){re.escape(token)}(?![\d]|\.\d)")
        else:
            parts.append(rf"\b{re.escape(token)}")
    gap = r"\w*(?:\W+\w+){0,3}?\W+"
    if not parts:
        return re.compile(r"(?!x)x")
    body = parts[0]
    for part in parts[1:]:
        body += gap + part
    return re.compile(body)


def contains_term(text: str, term: str) -> bool:
    return bool(term_pattern(term).search(normalise(text)))
