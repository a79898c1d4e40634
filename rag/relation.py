"""Which way a causal statement runs: "X causes Y" is not "Y causes X".

The premise check scores a statement the question takes for granted against the passages
by shared terms and embedding similarity, and neither sees word order: "Why does overfitting
cause high training accuracy?" shares every term with "high capacity causes overfitting" the
other way round. Here a statement's cause and effect are read from its causal wording (an
active verb: "causes", "leads to", "results in"; or a passive / reason form: "is caused by",
"results from", "due to", "because of"), and a sentence of the documents states it the
other way when its cause holds the statement's effect and its effect the statement's cause.
Nothing depends on any one document; sentences without causal wording are never read as
reversing anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel

from rag.keyword import terms

_FORWARD = (
    r"caus(?:e|es|ed|ing)|leads?\s+to|led\s+to|leading\s+to|results?\s+in|resulted\s+in"
    r"|resulting\s+in|produc(?:e|es|ed|ing)|trigger(?:s|ed|ing)?|induc(?:e|es|ed|ing)"
    r"|gives?\s+rise\s+to|brings?\s+about"
)
_BACKWARD = (
    r"(?:caused|produced|triggered|induced|driven|brought\s+about)\s+by"
    r"|results?\s+from|resulted\s+from|stems?\s+from"
    r"|arises?\s+from|due\s+to|because\s+of|owing\s+to|comes?\s+from"
)
_MARKER = re.compile(rf"\b(?:(?P<back>{_BACKWARD})|(?P<fwd>{_FORWARD}))\b", re.IGNORECASE)
MIN_SIDE_SHARE = 0.5


class Relation(BaseModel):
    """A statement's cause and effect, as stemmed terms."""

    cause: frozenset[str]
    effect: frozenset[str]


def relation(statement: str) -> Relation | None:
    """The cause and effect `statement` states, or None when it has no causal wording, more
    than one (a chain, "A causes B, which leads to C", has no one direction to compare), or
    a side with no content term."""
    found = list(_MARKER.finditer(statement))
    if len(found) != 1:
        return None
    match = found[0]
    before = frozenset(terms(statement[: match.start()]))
    after = frozenset(terms(statement[match.end() :]))
    if not before or not after:
        return None
    if match.group("back"):
        return Relation(cause=after, effect=before)
    return Relation(cause=before, effect=after)


def _covers(side: frozenset[str], held: frozenset[str]) -> bool:
    return bool(side) and len(side & held) >= max(1.0, MIN_SIDE_SHARE * len(side))


def direction(claim: Relation, sentence: str) -> int:
    """+1 when `sentence` states `claim`'s relation the same way, -1 the other way round,
    0 when it states no relation between the two. Terms both sides of the claim share
    ("drift" in "data drift causes concept drift") tell the sides apart not at all and
    are left out."""
    stated = relation(sentence)
    if stated is None:
        return 0
    shared = claim.cause & claim.effect
    cause, effect = claim.cause - shared, claim.effect - shared
    if _covers(cause, stated.cause) and _covers(effect, stated.effect):
        return 1
    if _covers(cause, stated.effect) and _covers(effect, stated.cause):
        return -1
    return 0


def stated_the_other_way(statement: str, sentences: Iterable[str]) -> bool:
    """True when some sentence states `statement`'s causal relation reversed and none
    states it as written."""
    claim = relation(statement)
    if claim is None:
        return False
    found = {direction(claim, sentence) for sentence in sentences}
    return -1 in found and 1 not in found
