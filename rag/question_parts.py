"""The parts of a question: each thing it asks, and what it takes for granted.

"What is concept drift, and how is it different from data drift?" asks two things; a
quote that defines concept drift answers half of it. A question is cut where a new
question starts (after "?", ";" or "and"/"or"/"but" when the next words open a question),
and a pronoun in a later part stands for the first part's subject.

"Why does random.shuffle() return a new list?" takes for granted that it does. Such a
premise is read from the question's grammar alone: a statement written before the
question, a "since ..." or "given that ..." clause, what "the course says" according to
the question, and the statement a why-question asks the reason for. Whether the
documents support it is for the grounding check to say (`rag.pipeline.abstention`).
"""

from __future__ import annotations

import re

from rag.keyword import terms

_OPENS_QUESTION = (
    r"(?:how|what|why|when|where|which|who|whom|whose|is|are|was|were|does|do|did|can|"
    r"could|should|would|will|has|have)\b"
)
_PART_BOUNDARY = re.compile(
    rf"\?\s+(?={_OPENS_QUESTION})|;\s*(?={_OPENS_QUESTION})"
    rf"|,?\s+(?:and|or|but)\s+(?:also\s+)?(?={_OPENS_QUESTION}\s+(?!of\b|to\b|for\b))",
    re.I,
)
_PRONOUN = re.compile(r"\b(it|its|they|their|them|this|that)\b", re.I)
QUESTION_LEAD = re.compile(
    r"^\s*(?:(?:what|which|who|how|why|when|where)\s+(?:is|are|was|were|does|do|did|can|"
    r"could|should|would)?\s*(?:an?\s+|the\s+)?|(?:can you\s+)?(?:explain|define|describe|"
    r"tell me about)\s*(?:an?\s+|the\s+)?|(?:is|are|does|do)\s+(?:an?\s+|the\s+)?)",
    re.I,
)
"""A question's opening words ("What is the", "Can you explain"), before its subject."""
_SUBJECT_END = re.compile(
    r"\s+(?:(?:is|are|was|were|does|do|did|can|could|should|would|has|have)\b|"
    r"(?:mean|means|work|works|differ|differs|compare|compares|matter|matters|help|helps|"
    r"happen|happens|affect|affects|use|uses|used|computed|calculated|detected|measured|"
    r"defined|different|related|important|misleading|needed|required)\b)",
    re.I,
)
MIN_PART_TERMS = 2
"""A part with fewer content terms (its pronoun resolved) is no question of its own."""


def subject(question: str) -> str:
    """The thing a (single-part) question is about: "What is data drift?" -> "data
    drift"; "How is mean squared error computed?" -> "mean squared error"."""
    rest = QUESTION_LEAD.sub("", question.strip(), count=1).strip(" ?.!")
    end = _SUBJECT_END.search(rest)
    head = rest[: end.start()] if end else rest
    return head.strip(" ,") or rest or question.strip(" ?.!")


def _as_question(piece: str) -> str:
    piece = piece.strip(" ,;")
    piece = piece[0].upper() + piece[1:] if piece else piece
    return piece if piece.endswith("?") else piece.rstrip(".!") + "?"


def split_parts(question: str) -> list[str]:
    """The questions `question` asks, in order; one element when it asks one thing.

    Later parts have a leading pronoun replaced by the first part's subject, so each part
    can be answered (and retrieved for) on its own.
    """
    pieces = [p for p in _PART_BOUNDARY.split(question.strip()) if p and p.strip(" ,;?")]
    if len(pieces) < 2:
        return [question.strip()]
    first = _as_question(pieces[0])
    topic = subject(first)
    parts = [first]
    for piece in pieces[1:]:
        resolved = _PRONOUN.sub(
            lambda m: f"{topic}'s" if m.group(1).lower() in ("its", "their") else topic,
            piece,
            count=1,
        )
        if len(terms(resolved)) < MIN_PART_TERMS:
            return [question.strip()]
        parts.append(_as_question(resolved))
    return parts


_STATED_BEFORE = re.compile(r"^(?P<premise>[^?]{12,}?[.!])\s+(?P<question>[^.!]+\?)\s*$")
_SINCE = re.compile(
    r"^\s*(?:since|given\s+that|as|because|now\s+that)\s+(?P<premise>[^,?]{8,}?),", re.I
)
_SOURCE_SAYS = re.compile(
    r"\b(?:the\s+)?(?:course|documents?|documentation|docs|text|notes|tutorial|guide|"
    r"lecture|book|author|page)s?\s+(?:(?:says?|said|claims?|claimed|states?|stated|"
    r"tells?\s+us)\s+(?:that\s+)?(?!(?:about|on|regarding|for|of|in|how|what|which|why|"
    r"when|whether|if|so)\b)(?P<premise>[^?]{8,})|defines?\s+"
    r"(?P<defined>[^?]{2,60}?)\s+as\s+(?P<definition>[^?]{4,}))",
    re.I,
)
_WHY = re.compile(
    r"^\s*why\s+(?P<aux>does|do|did|is|are|was|were|can|can't|cannot|doesn't|don't|isn't|"
    r"aren't)\s+(?P<rest>[^?]{8,})\??\s*$",
    re.I,
)


def _third_person(rest: str) -> str:
    """ "random.shuffle() return a new list" -> "random.shuffle() returns a new list":
    the verb after a subject that ends in a name or noun takes an -s (good enough for a
    statement that is only compared with the documents, never shown)."""
    words = rest.split()
    for i, word in enumerate(words[1:], start=1):
        if word.isalpha() and word.islower() and not word.endswith("s") and i <= 4:
            previous = words[i - 1]
            if previous.endswith(("()", "s")) or previous[:1].isupper() or "." in previous:
                words[i] = word + ("es" if word.endswith(("sh", "ch", "x")) else "s")
                break
    return " ".join(words)


def _with_verb(rest: str, aux: str) -> str:
    """ "automated metrics limited for ..." + "are" -> "automated metrics are limited for
    ...": the verb goes before the first participle after the subject's first word, else
    after that word (the statement is compared with the documents and may be shown)."""
    words = rest.split()
    at = next((i for i, w in enumerate(words[1:], start=1) if w.endswith("ed")), 1)
    return " ".join([*words[:at], aux, *words[at:]])


def _said(text: str) -> list[str]:
    """What `text` says the documents say: "the course says that X" -> X; "the course
    defines X as Y" -> "X is Y"."""
    match = _SOURCE_SAYS.search(text)
    if match is None:
        return []
    if match.group("premise"):
        return [match.group("premise").rstrip(" .!")]
    return [f"{match.group('defined')} is {match.group('definition').rstrip(' .!')}"]


def premises(question: str) -> list[str]:
    """The statements `question` takes for granted, as written (possibly none).

    Only statements about the subject are kept: a why-question about the documents
    themselves ("why does the course say ...") yields what it says the course says.
    """
    text = " ".join(question.split())
    found: list[str] = []
    stated = _STATED_BEFORE.match(text)
    if stated:
        text = stated.group("question")
        found.extend(_said(stated.group("premise")) or [stated.group("premise").rstrip(".!")])
    since = _SINCE.match(text)
    if since:
        found.append(since.group("premise"))
    said = _said(text)
    found.extend(said)
    why = _WHY.match(text)
    if why and not since and not said:
        aux, rest = why.group("aux").lower(), why.group("rest")
        if aux in ("does", "do", "did"):
            found.append(_third_person(rest) if aux == "does" else rest)
        else:
            found.append(_with_verb(rest, aux))
    kept = [p.strip(" ,") for p in found if len(terms(p)) >= MIN_PART_TERMS + 1]
    return list(dict.fromkeys(kept))


_SIDES = (
    re.compile(r"\bdifferences?\s+between\s+(?P<a>.+?)\s+and\s+(?P<b>[^?,;]+)", re.I),
    re.compile(
        r"^(?:\W*(?:how|in\s+what\s+way)\s+(?:is|are|does|do)\s+)?(?P<a>.+?)\s+(?:differ|differs|"
        r"different|compare|compares|compared)\s+(?:from|to|with)\s+(?P<b>[^?,;]+)",
        re.I,
    ),
    re.compile(r"^\W*compare\s+(?P<a>.+?)\s+(?:and|with|to)\s+(?P<b>[^?,;]+)", re.I),
    re.compile(r"(?P<a>[^?,;]+?)\s+(?:versus|vs\.?)\s+(?P<b>[^?,;]+)", re.I),
    re.compile(r"^\W*how\s+do\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s+differ\b", re.I),
)


def comparison_sides(question: str) -> list[str]:
    """The two things a comparison question compares ("How is concept drift different
    from data drift?" -> ["concept drift", "data drift"]), or [] when it compares none."""
    for pattern in _SIDES:
        match = pattern.search(question.strip())
        if match:
            sides = [subject(match.group("a")), match.group("b").strip(" ?.")]
            sides = [re.sub(r"^(?:an?|the)\s+", "", s, flags=re.I) for s in sides]
            if all(terms(s) for s in sides):
                return sides
    return []
