"""What kind of answer a question asks for: a number, a date, a name, a recommendation, ...

Retrieval finds passages on a question's topic; whether they answer it depends on what
was asked. "How many layers does the network have?" wants a number about layers, "Which
optimizer does the course recommend?" a recommendation, "Who wrote ...?" a name. The
type is read from the question's own wording (its question word and the noun after it),
in plain English grammar, never from any particular document, so it carries over to any
course. `rag.evidence` then checks whether a candidate sentence gives that kind of answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from rag.keyword import terms

AnswerKind = Literal[
    "number",
    "date",
    "name",
    "recommendation",
    "comparison",
    "definition",
    "purpose",
    "reason",
    "procedure",
    "list",
    "yes-no",
    "other",
]

QUANTITY_NOUNS = frozenset(
    {
        "number",
        "count",
        "amount",
        "size",
        "depth",
        "limit",
        "length",
        "percentage",
        "percent",
        "proportion",
        "ratio",
        "fraction",
        "rate",
        "speed",
        "speedup",
        "duration",
        "capacity",
        "total",
        "maximum",
        "minimum",
        "average",
        "mean",
        "median",
        "cost",
        "price",
        "complexity",
        "precision",
        "recall",
        "accuracy",
        "score",
        "value",
    }
)
"""Nouns that make "what is the X of ..." a question about a quantity."""

NAME_NOUNS = frozenset(
    {
        "company",
        "person",
        "people",
        "organization",
        "organisation",
        "author",
        "inventor",
        "creator",
        "developer",
        "country",
        "city",
        "team",
        "university",
        "institute",
        "lab",
        "laboratory",
        "researcher",
        "scientist",
        "vendor",
        "publisher",
        "name",
    }
)
"""Nouns that make "which X ..." a question about a name (a who-question in disguise)."""

_NUMBER_LEAD = re.compile(
    r"\bhow\s+(?:many|much|long|often|fast|far|big|large|small|old|quickly|slow)\b", re.I
)
_TIMES = re.compile(r"\bhow\s+many\s+times\b|\btimes\s+(?:faster|slower|more|less|larger)\b", re.I)
_DATE_LEAD = re.compile(
    r"^\W*when\s+(?:was|were|did|will|is|are|does)\b(?!.*\b(?:should|better|prefer))"
    r"|\bwhat\s+(?:year|date|day|month|decade)\b|\bwhich\s+(?:year|date|month|decade)\b"
    r"|\bin\s+what\s+year\b|\brelease\s+date\b|\bsince\s+when\b",
    re.I,
)
_WHO = re.compile(
    r"^\W*(?:who|whom|whose)\b|\b(?:by\s+whom|who\s+(?:wrote|invented|created|"
    r"developed|designed|proposed|introduced|founded|won))\b",
    re.I,
)
_WHICH_NOUN = re.compile(r"\b(?:which|what)\s+([a-z-]+)", re.I)
_RECOMMEND = re.compile(
    r"\brecommend\w*|\bsuggest\w*|\badvis\w*|\bshould\s+(?:i|we|you|one)\b"
    r"|\bbest\s+(?:way|choice|option|practice|value|setting)\b|\bwhich\s+\w+\s+(?:is\s+)?best\b"
    r"|\bwhat\s+\w+(?:\s+\w+)?\s+(?:is\s+)?best\b|\bprefer\w*\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\bdiffer\w*|\bdistinguish\w*|\bcompar\w*|\bversus\b|\bvs\.?\s|\bcontrast\w*"
    r"|\b(?:better|worse|faster|slower)\s+than\b|\bsimilar\s+to\b|\bin\s+common\b",
    re.I,
)
_PURPOSE = re.compile(
    r"^\W*what\s+(?:is|are|was|were)\s+[^?]{2,60}?\bfor\s*\??\s*$|\bpurpose\s+of\b"
    r"|\bwhat\s+[^?]{2,60}?\bused\s+for\b",
    re.I,
)
_DEFINITION = re.compile(
    r"^\W*(?:what\s+(?:is|are)\s+(?:an?\s+|the\s+)?[\w\s.()'-]{1,60}\??$"
    r"|define\b|what\s+does\s+.+\s+mean\b|what\s+is\s+meant\s+by\b|meaning\s+of\b)",
    re.I,
)
_REASON = re.compile(
    r"^\W*why\b|\bfor\s+what\s+reason\b|\bwhat\s+(?:causes|is\s+the\s+reason)\b", re.I
)
_PROCEDURE = re.compile(r"^\W*how\s+(?:do|does|can|could|should|would|is|are|to)\b", re.I)
_LIST = re.compile(
    r"\bwhat\s+(?:are\s+the\s+)?(?:types|kinds|stages|steps|options|examples|categories|ways|"
    r"methods|dimensions|features|parts|components)\b|\bwhich\s+\w+\s+does\s+the\s+\w+\s+"
    r"(?:list|name|mention)\b",
    re.I,
)
_YES_NO = re.compile(
    r"^\W*(?:is|are|was|were|does|do|did|can|could|should|will|would|has|have)\b", re.I
)
_ENTITY = re.compile(
    r"(?<![\w.])(?:[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(\))?"  # dotted names: json.parse()
    r"|[A-Za-z_]\w*\(\)"  # calls: zip()
    r"|[A-Za-z]+[-_]?\d[\w-]*"  # names with digits: ResNet-50, GPT-4, utf8
    r"|[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*"  # camelCase, CamelCase
    r"|[A-Z]{2,}[a-z]?)(?![\w])"  # acronyms: BERT, JSON
)
GENERIC_TERMS = frozenset(
    terms(
        "course document documents documentation tutorial page pages guide text book chapter "
        "section author say says said describe explain tell mention mentioned according give "
        "example use used using way one thing happen happens many who whose whom since "
        "anyone someone anybody everyone get gets got make makes need needs want know like "
        "just here there time times same kind sort"
    )
)
"""Words that name the documents or the act of asking, not the thing asked about."""


class QuestionType(BaseModel):
    """What a question asks for, read from its wording."""

    kind: AnswerKind
    target: str | None = Field(
        None, description="The noun a number or a name is about ('layers', 'company')."
    )
    focus: list[str] = Field(
        default_factory=list, description="Content terms (stemmed) of what is asked about."
    )
    entities: list[str] = Field(
        default_factory=list,
        description="Names the question mentions as they are written: functions, models, "
        "acronyms ('json.parse()', 'ResNet-50'); the documents must mention them to answer.",
    )
    which_words: list[str] = Field(
        default_factory=list,
        description="The words of what a which-question asks for, as written ('Which cloud "
        "provider ...' -> ['cloud', 'provider']): documents using none of them cannot name one.",
    )


_PHRASE_END = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "does",
        "do",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "may",
        "might",
        "must",
        "has",
        "have",
        "had",
        "of",
        "in",
        "on",
        "at",
        "for",
        "to",
        "from",
        "with",
        "by",
        "as",
        "that",
        "which",
        "who",
        "than",
    ]
)
_DETERMINERS = frozenset(
    ["the", "a", "an", "its", "their", "this", "these", "those", "my", "your", "our"]
)


def _which_words(question: str) -> list[str]:
    """The noun phrase a which-question asks for, as written ("Which cloud provider offers
    the ..." -> ["cloud", "provider"]): up to three words after "which", ending before an
    auxiliary, a preposition or a verb (a word followed by a determiner)."""
    match = _WHICH.match(question)
    if match is None:
        return []
    words = re.findall(r"[\w-]+", question[match.start(1) :])[:4]
    phrase: list[str] = []
    for i, word in enumerate(words[:3]):
        following = words[i + 1].lower() if i + 1 < len(words) else ""
        if word.lower() in _PHRASE_END or (phrase and following in _DETERMINERS):
            break
        phrase.append(word.lower())
    return [w for w in phrase if terms(w) and not set(terms(w)) & GENERIC_TERMS]


def _word_after(pattern: re.Pattern[str], question: str) -> str | None:
    match = pattern.search(question)
    return match.group(1).lower() if match else None


_QUANTITY_ASKED = re.compile(
    r"^\W*(?:what|which)\s+([a-z-]+)\s+(?:of|is|are|was|were|does|do|did)\b", re.I
)
"""'What percentage of ...', 'What precision does ...': a quantity noun right after the
question word asks for that quantity."""
_WHICH = re.compile(r"^\W*which\s+(\w)", re.I)

_NOT_COUNTED = frozenset({"is", "are", "was", "were", "does", "do", "did", "faster", "slower"})


_COUNT_STOPS = _NOT_COUNTED | _PHRASE_END | _DETERMINERS | {"per", "each", "every"}
"""Words that end the noun phrase after "how many" ('how many rows per page')."""


def _number_target(question: str) -> str | None:
    """The thing counted, the head of the noun phrase after "how many": 'how many layers
    ...' -> 'layers', 'how many decimal digits of precision ...' -> 'digits' (a modifier
    says which digits; the noun says what is counted). A quantity noun ('what is the
    error rate') names the kind of number, not a thing, and sets no target."""
    match = re.search(
        r"\bhow\s+(?:many|much)\s+(?:times\s+)?([a-z-]+(?:\s+[a-z-]+){0,3})", question, re.I
    )
    if match is None:
        return None
    phrase: list[str] = []
    for word in match.group(1).lower().split():
        if word in _COUNT_STOPS:
            break
        phrase.append(word)
    return phrase[-1] if phrase else None


_PERCENT_ASKED = re.compile(
    r"\b(?:what|which)\s+(?:percentage|percent)\b|\bhow\s+many\s+percent", re.I
)


def asks_for_percentage(question: str) -> bool:
    """'What percentage of ...', 'how many percent': the number must be a percentage."""
    return bool(_PERCENT_ASKED.search(question))


def _is_quantity_question(question: str) -> bool:
    if _NUMBER_LEAD.search(question) or _TIMES.search(question):
        return True
    asked = _QUANTITY_ASKED.match(question)
    if asked and (
        asked.group(1).lower() in QUANTITY_NOUNS
        or asked.group(1).lower().rstrip("s") in QUANTITY_NOUNS
    ):
        return True
    match = re.match(
        r"^\W*(?:what|which)\s+(?:is|are|was|were)\s+(?:the\s+|an?\s+)?(?:[\w'’.()-]+\s+){0,4}?"
        r"([a-z-]+)\s+(?:of|for|in|that|when|on|between|whose|which)\b",
        question,
        re.I,
    )
    head = match.group(1).lower() if match else None
    if head is None:
        tail = re.match(
            r"^\W*what\s+(?:is|are)\s+(?:[\w'’.()-]+\s+){0,5}?([a-z-]+)\W*$", question, re.I
        )
        head = tail.group(1).lower() if tail else None
    return head is not None and (head in QUANTITY_NOUNS or head.rstrip("s") in QUANTITY_NOUNS)


def classify(question: str) -> QuestionType:
    """The kind of answer `question` asks for, its target noun, focus terms and entities.

    The checks run from the most specific kind (a number, a date, a name) to the most
    general (a definition, a how-question); the first that fits wins.
    """
    text = question.strip()
    focus = [t for t in dict.fromkeys(terms(text)) if t not in GENERIC_TERMS]
    entities = list(dict.fromkeys(m.group(0) for m in _ENTITY.finditer(text)))
    kind: AnswerKind
    target: str | None = None
    if _DATE_LEAD.search(text):
        kind = "date"
    elif _is_quantity_question(text):
        kind, target = "number", _number_target(text)
    elif _WHO.search(text) or (_word_after(_WHICH_NOUN, text) or "") in NAME_NOUNS:
        kind = "name"
        noun = _word_after(_WHICH_NOUN, text)
        target = noun if noun in NAME_NOUNS else None
    elif _COMPARISON.search(text):
        kind = "comparison"
    elif _RECOMMEND.search(text):
        kind = "recommendation"
    elif _PURPOSE.search(text):
        kind = "purpose"
    elif _REASON.search(text):
        kind = "reason"
    elif _LIST.search(text):
        kind = "list"
    elif _DEFINITION.search(text):
        kind = "definition"
    elif _PROCEDURE.search(text):
        kind = "procedure"
    elif _YES_NO.search(text):
        kind = "yes-no"
    else:
        kind = "other"
    return QuestionType(
        kind=kind,
        target=target,
        focus=focus,
        entities=entities,
        which_words=_which_words(text),
    )


def _entity_pattern(entity: str) -> re.Pattern[str]:
    """A case-free pattern for a name as documents may write it: 'F1-score' ~ 'F1 score',
    'zip()' ~ 'zip(iterables)'."""
    core = entity.removesuffix("()")
    pieces = [re.escape(p) for p in re.split(r"[\s_-]+", core) if p]
    return re.compile(r"(?<![\w.])" + r"[\s_-]*".join(pieces) + r"(?![\w])", re.I)


def mentions(entity: str, texts: Sequence[str]) -> bool:
    """True when any of `texts` names `entity`."""
    pattern = _entity_pattern(entity)
    return any(pattern.search(text) for text in texts)


_CODE_ASKED = re.compile(
    r"\b(?:code|example|examples|syntax|snippet|snippets|write|written)\b", re.I
)


def asks_for_code(question: str) -> bool:
    """The question asks to be shown code ("an example", "the syntax", "how do I write")."""
    return bool(_CODE_ASKED.search(question))
