"""The provenance benchmark's texts: course questions (split by id), and human writing.

Questions come from three places: the answerable questions of the hallucination set,
the watermark benchmark's questions, and two questions per section heading of the
course. Each has a stable id; `split(id)` puts it in "dev" or "test" by a hash of the id,
before anything is measured, so thresholds are tuned on dev and reported on test.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from eval.watermark.questions import COURSE_MARKDOWN, QUESTIONS, course_paragraphs
from rag.paths import default_kb_dir

Split = Literal["dev", "test"]
HALLUCINATION_SET = Path(__file__).resolve().parent.parent / "data" / "questions.jsonl"
_TEMPLATES = (
    "What does the course say about {}?",
    "Explain {} in a few sentences.",
    "Summarise the part of the course on {}.",
)


class BenchQuestion(BaseModel):
    id: str
    question: str
    split: Split


def split(item_id: str) -> Split:
    """Dev or test by the first byte of the id's SHA-256 (about half each)."""
    return "dev" if hashlib.sha256(item_id.encode()).digest()[0] < 128 else "test"


def _headings(markdown: Path) -> list[str]:
    found = re.findall(r"(?m)^#{2,6}\s+(.+?)\s*$", markdown.read_text(encoding="utf-8"))
    return [h for h in found if h.lower() not in {"overview", "summary", "motivation"}]


def bench_questions(markdown: Path | None = None) -> list[BenchQuestion]:
    """Every benchmark question once (duplicates by text dropped), in a fixed order."""
    items: list[tuple[str, str]] = []
    for line in HALLUCINATION_SET.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            if data["kind"] == "answerable" and not data.get("history"):
                items.append((f"h-{data['id']}", data["question"]))
    items.extend((f"w-{i:02d}", question) for i, (question, _) in enumerate(QUESTIONS))
    for i, heading in enumerate(_headings(markdown or default_kb_dir() / COURSE_MARKDOWN)):
        for j, template in enumerate(_TEMPLATES):
            items.append((f"s-{i:02d}{'abc'[j]}", template.format(heading)))
    seen: set[str] = set()
    out = []
    for item_id, question in items:
        key = question.strip().lower()
        if key not in seen:
            seen.add(key)
            out.append(BenchQuestion(id=item_id, question=question, split=split(item_id)))
    return out


class HumanText(BaseModel):
    id: str
    kind: Literal["course", "course-cited", "outside"]
    text: str
    split: Split


# Passages written for this benchmark, on the course's subjects but in no document.
WRITTEN = [
    "When I taught the evening section last spring, most students wanted to know how a "
    "spam filter decides what to hide. We spent a whole session sorting our own inboxes by "
    "hand before anyone touched code, and that exercise taught more than any slide.",
    "My grandmother kept a notebook of every recipe she changed over forty years. Reading "
    "it now, you can see her tastes drift: less salt in the eighties, more garlic after a "
    "trip to Lisbon, and a stubborn refusal to measure flour in anything but teacups.",
    "The lab meeting ran long because the new cluster kept losing jobs overnight. Nobody "
    "could agree whether the scheduler or the storage was to blame, so we wrote a small "
    "script that logs every failure and agreed to look at the numbers on Friday.",
    "For the group project we chose to predict bike rentals from the weather. The first "
    "version looked brilliant until we noticed it had memorised holidays; after we held "
    "out a whole year, the error doubled and the report became much more honest.",
    "A good code review is a conversation, not a verdict. I try to ask one question for "
    "every change I request, and to say plainly which comments are preferences and which "
    "are problems that must be fixed before the branch is merged.",
    "The museum's new audio guide answers questions about the paintings, but it sometimes "
    "invents the names of donors. Visitors laughed at first; then a curator asked for a "
    "button that shows where each answer came from, and the complaints stopped.",
    "Our reading group spent three weeks on one paper about fairness in lending. We never "
    "settled on a single definition, but everyone left knowing that the choice of metric "
    "is a policy decision that someone has to own and defend in public.",
    "I write my lecture notes in plain text and convert them at the last minute. It keeps "
    "me honest about structure: if a section cannot be summarised in one sentence at the "
    "top, it usually means I have not yet understood what I want to say.",
    "During the power cut the whole street came outside. Someone brought a camping stove, "
    "the children drew chalk maps of the neighbourhood, and by the time the lights came "
    "back we had agreed to do it again, on purpose, once every summer.",
    "Evaluating a chatbot by reading a hundred of its answers is tedious but revealing. "
    "After the first twenty you stop noticing grammar and start noticing habits: the same "
    "opening phrase, the same hedge, the same confident tone when it is wrong.",
    "The volunteers who label images for the wildlife survey work from home in the "
    "evenings. They asked for clearer examples of the rarer species and a way to flag "
    "photographs they are unsure about, instead of being forced to guess.",
    "Before the exam I told the class that memorising formulas would not help much. What "
    "matters is knowing which question a number answers, and being able to explain to a "
    "friend why a model that is right most of the time can still be useless.",
]


def python_doc_paragraphs(limit: int = 60) -> list[str]:
    """Prose paragraphs of Python's own reference manual, shipped as `pydoc_data.topics`."""
    from pydoc_data.topics import topics

    paragraphs: list[str] = []
    for name in sorted(topics):
        for block in re.split(r"\n\s*\n", topics[name]):
            text = " ".join(block.split())
            words = text.split()
            if 50 <= len(words) <= 160 and not block.startswith(" ") and "::" not in text:
                paragraphs.append(text)
    step = max(1, len(paragraphs) // limit)
    return paragraphs[::step][:limit]


def human_texts() -> list[HumanText]:
    """Course paragraphs (expected: quoted), and writing in no document (expected: none).

    Each course paragraph comes a second time as "course-cited", with " [1]" after it: a
    person citing the course the way coursebot does, the case a citation marker cannot
    tell from a coursebot answer. It keeps its paragraph's split.
    """
    items = []
    for i, p in enumerate(course_paragraphs(default_kb_dir() / COURSE_MARKDOWN)):
        if len(p.split()) >= 12 and not p.startswith("#"):
            part = split(f"c-{i:03d}")
            items.append(HumanText(id=f"c-{i:03d}", kind="course", text=p, split=part))
            cited = f"{p.rstrip()} [1]"
            items.append(HumanText(id=f"cc-{i:03d}", kind="course-cited", text=cited, split=part))
    outside = [*WRITTEN, *python_doc_paragraphs()]
    items.extend(
        HumanText(id=f"o-{i:03d}", kind="outside", text=t, split=split(f"o-{i:03d}"))
        for i, t in enumerate(outside)
    )
    return items
