"""Resolve follow-up questions against the conversation so retrieval sees the topic.

"And how is it detected?" after "What is data drift?" means "How is data drift
detected?". A follow-up is recognised by a leading connective or a pronoun with no topic
of its own; the topic is the previous question with its question words removed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.keyword import terms
from rag.question_parts import QUESTION_LEAD, split_parts

_CONNECTIVE = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what about)\b[\s,]*", re.I
)
_PRONOUN = re.compile(r"\b(it|its|this|that|they|them|their|these|those|one)\b", re.I)


def topic_of(question: str) -> str:
    """The subject of a question: "What is data drift?" -> "data drift". Of a multi-part
    question, the subject of its first part: after "What is concept drift, and how is it
    different from data drift?", "it" is concept drift."""
    first = split_parts(question)[0]
    topic = QUESTION_LEAD.sub("", first.strip(), count=1).strip(" ?.!")
    return topic or question.strip(" ?.!")


def is_follow_up(question: str) -> bool:
    if _CONNECTIVE.match(question):
        return True
    return bool(_PRONOUN.search(question)) and len(terms(question)) <= 4


def own_words(question: str) -> str:
    """What a follow-up asks in its own words, without the connective and the pronoun
    that stand for the earlier topic: "and how is it detected?" -> "how is detected?"."""
    stripped = _CONNECTIVE.sub("", question).strip()
    return re.sub(r"\s{2,}", " ", _PRONOUN.sub("", stripped)).strip()


def resolve(question: str, history: Sequence[str]) -> str:
    """The question made self-contained using the most recent previous question."""
    if not history or not is_follow_up(question):
        return question.strip()
    previous = resolve(history[-1], history[:-1])
    topic = topic_of(previous)
    stripped = _CONNECTIVE.sub("", question).strip()
    if _PRONOUN.search(stripped):
        resolved = _PRONOUN.sub(
            lambda m: topic if m.group(1).lower() != "its" else f"{topic}'s", stripped, count=1
        )
    elif topic in previous:
        resolved = previous.replace(topic, stripped.strip(" ?"), 1)
    else:
        resolved = f"{stripped.rstrip(' ?')} ({topic})?"
    return resolved[0].upper() + resolved[1:]
