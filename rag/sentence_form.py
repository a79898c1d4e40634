"""What a sentence of a passage gives, read from its English form alone: a reason, a
means, a purpose, a definition of a term, a call signature, a code block.

`rag.question_type` says what a question asks for; the quote selection
(`rag.grounding`) prefers the passage sentence whose form gives it. Nothing here is
specific to any document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.keyword import terms
from rag.question_type import AnswerKind

_REASON_GIVEN = re.compile(
    r"\b(?:because|since|due\s+to|owing\s+to|so\s+that|in\s+order\s+to|as\s+a\s+result|"
    r"therefore|thus|hence|reasons?|caus(?:e|es|ed|ing)|leads?\s+to|results?\s+in|"
    r"ensur(?:e|es|ing)|prevent(?:s|ing)?|avoid(?:s|ing)?)\b",
    re.I,
)
_METHOD_GIVEN = re.compile(
    r"\b(?:by\s+\w+ing|using|through|via|by\s+means\s+of|with\s+the\s+help\s+of)\b", re.I
)


_PURPOSE_GIVEN = re.compile(
    r"\b(?:intended\s+(?:to|for)|used\s+(?:to|for)|in\s+order\s+to|so\s+that|purpose|"
    r"serves?\s+to|designed\s+(?:to|for)|meant\s+(?:to|for)|allows?|lets|enables?)\b",
    re.I,
)
_COPULA = re.compile(
    r"^\s*(?P<head>(?:[\w'’().,-]+\s+){1,8}?)(?:is|are|means|refers\s+to|denotes|"
    r"stands\s+for)\s+(?:(?:not|also|simply|merely|usually|often)\s+)?(?P<next>[\w-]+)",
    re.I,
)
_PARTICIPLE = re.compile(
    r"(?:ed|en|wn)$|^(?:made|done|run|set|put|kept|held|built|found|known|given|seen)$", re.I
)
_DEMONSTRATIVE = frozenset({"this", "that", "these", "those", "it", "they", "there", "here"})


MAX_TERM_WORDS = 5
"""A definition-list term is at most this many words long."""


def is_term_line(line: str) -> bool:
    """A line that is only a term, as a definition list writes it ("phantom read" before
    its definition): a few words, no sentence punctuation, no table, code or number."""
    line = line.strip()
    return (
        0 < len(line.split()) <= MAX_TERM_WORDS
        and not line.endswith((".", ":", "?", "!", ";", ","))
        and not re.search(r"[|`<>=]|^\d|^>>>", line)
        and bool(re.search(r"[A-Za-z]", line))
    )


def defines(sentence: str, focus: Sequence[str], term: str = "") -> bool:
    """Whether `sentence` defines what the question asks about: its subject, before
    "is/are/means/refers to", names the question's first focus term and what follows
    is not a participle ("A namespace is a mapping ...", not "Namespaces are created
    ..."); or it is the entry of a definition list for `term`, the line before it
    ("phantom read" then "A transaction re-executes a query ...")."""
    asked = set(focus)
    if is_term_line(term):
        line_terms = set(terms(term))
        if line_terms and line_terms <= asked:
            return True
    match = _COPULA.match(sentence.rsplit(": ", 1)[-1])
    if match is None or _PARTICIPLE.search(match.group("next")):
        return False
    head = match.group("head")
    if head.split()[0].lower() in _DEMONSTRATIVE:
        return False
    return bool(focus) and focus[0] in set(terms(head))


def gives_form(kind: AnswerKind, sentence: str) -> bool | None:
    """Whether `sentence` has the surface form of the answer to a question of `kind`: a
    reason ("because", "due to", "leads to") for a why-question, a means ("by ...ing",
    "using", "through") for a how-question, a purpose ("intended to", "used for") for
    "what is X for?"; None for other kinds (definitions need the question's terms:
    `defines`). Numbers, dates and names are left to `rag.evidence`: preferring any
    sentence with a figure lets questions the documents do not answer through. Read from
    English wording alone."""
    if kind == "reason":
        return bool(_REASON_GIVEN.search(sentence))
    if kind == "procedure":
        return bool(_METHOD_GIVEN.search(sentence))
    if kind == "purpose":
        return bool(_PURPOSE_GIVEN.search(sentence))
    return None


_SIGNATURE = re.compile(
    r"^\s*(?:class\s+|async\s+|def\s+)?[A-Za-z_][\w.]*\((?:[^()]|\([^()]*\))*\)"
    r"\s*(?:->\s*\S+)?\s*$"
)


def is_signature(line: str) -> bool:
    """A line that is only a call signature ("random.choices(population, weights=None,
    *, cum_weights=None, k=1)"): it names a function, and the line after it says what the
    function does."""
    return bool(_SIGNATURE.match(line))


_CODE_LINE = re.compile(r"```|^\s*(?:>>>|\.\.\.\s)|\n\s*>>>")


def is_code(sentence: str) -> bool:
    """A code block or interpreter session (```...```, ">>> ..."), not prose: it shows a
    call, and the prose around it says what the call does."""
    return bool(_CODE_LINE.search(sentence))
