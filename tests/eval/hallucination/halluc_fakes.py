"""Fakes for the hallucination evaluation tests: a scripted assistant and canned answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rag.answer import Answer, Citation, Passage

DRIFT = Passage(
    chunk_id="c-drift",
    source="course.md",
    section="Failure Modes in Practice > Data Drift",
    text="Gradual input distribution changes degrade performance.",
    start=0,
    end=55,
    dense_score=0.8,
)
HALLUCINATION = Passage(
    chunk_id="c-halluc",
    source="course.md",
    section="Key Limitations and Challenges > Factual Inaccuracies and Hallucinations",
    text=(
        "Models produce plausible but incorrect statements. Example: When asked “Which country "
        "won the 2026 FIFA World Cup?”, a model might confidently respond “Brazil won the 2026 "
        "FIFA World Cup” based on patterns, even though the tournament has not yet occurred."
    ),
    start=0,
    end=200,
    dense_score=0.7,
)


class ScriptedAssistant:
    """Answers from a script: question -> (text, abstained); counts calls; can die at call k."""

    def __init__(self, script: dict[str, tuple[str, bool]], die_after: int | None = None) -> None:
        self.script = script
        self.die_after = die_after
        self.calls: list[str] = []

    def ask(
        self, question: str, *, history: Sequence[str] | None = None, session_id: str | None = None
    ) -> Answer:
        if self.die_after is not None and len(self.calls) >= self.die_after:
            raise KeyboardInterrupt("simulated kill")
        self.calls.append(question)
        text, abstained = self.script.get(question, ("I cannot find this in the course.", True))
        passages = [] if abstained else [DRIFT, HALLUCINATION]
        citations = (
            []
            if abstained
            else [
                Citation(
                    n=1,
                    chunk_id=DRIFT.chunk_id,
                    source="course.md",
                    section=DRIFT.section,
                    text=DRIFT.text,
                    score=0.9,
                )
            ]
        )
        return Answer(
            question=question,
            text=text,
            abstained=abstained,
            passages=passages,
            citations=citations,
        )


GOOD_SCRIPT = {
    "What is data drift?": (
        "Data drift is a gradual input distribution change that degrades performance [1].",
        False,
    ),
    "Which country won the 2026 FIFA World Cup?": (
        "The course uses this question as an example of hallucination; the tournament has not "
        "yet occurred.",
        False,
    ),
}
BAD_SCRIPT = {
    "What is data drift?": (
        "Data drift happens when the moon changes the tides of Jupiter.",
        False,
    ),
    "Who invented the transformer?": ("Alan Turing invented the transformer in 1950.", False),
    "Which country won the 2026 FIFA World Cup?": ("Brazil won the 2026 FIFA World Cup.", False),
    "What is the capital of Australia?": ("Sydney is the capital city of Australia.", False),
}


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
