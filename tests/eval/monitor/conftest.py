"""Turn logs written through the real TurnLog with hand-made answers, at chosen times."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from eval.monitor.turns import now
from rag.answer import Answer, Passage, SafetyReport, SentenceCheck, Timings
from rag.turnlog import TurnLog


def make_answer(
    question: str = "What is data drift?",
    *,
    abstained: bool = False,
    refused: bool = False,
    policy: str | None = None,
    top_score: float | None = 0.7,
    support: float | None = 0.9,
    total_s: float = 1.0,
    first_token_s: float | None = 0.3,
) -> Answer:
    passages = (
        []
        if top_score is None
        else [
            Passage(chunk_id="c1", source="course.md", section="Data Drift", text="...", start=0,
                    end=3, dense_score=top_score),
        ]
    )  # fmt: skip
    sentences = (
        [] if support is None else [SentenceCheck(text="An answer.", supported=True, score=support)]
    )
    return Answer(
        question=question,
        text="" if abstained or refused else "An answer.",
        abstained=abstained,
        refused=refused,
        passages=passages,
        sentences=sentences,
        safety=SafetyReport(refused=refused, policy=policy),
        timings=Timings(total_s=total_s, first_token_s=first_token_s),
    )


Spec = dict[str, Any]
WriteLog = Callable[[list[Spec]], Path]


@pytest.fixture
def write_log(tmp_path: Path) -> WriteLog:
    """Write turns described by dicts (answer kwargs + ago, session, arm, feedback) to a log."""

    def write(specs: list[Spec], path: Path | None = None) -> Path:
        path = path or tmp_path / "data" / "coursebot.sqlite3"
        log = TurnLog(path)
        stamp = now()
        stamps: list[tuple[str, int]] = []
        for spec in specs:
            spec = dict(spec)
            ago: timedelta = spec.pop("ago", timedelta(minutes=1))
            session = spec.pop("session", "s1")
            arm = spec.pop("arm", "default")
            feedback = spec.pop("feedback", None)
            answer = make_answer(**spec)
            turn_id = log.log(answer, logged_question=answer.question, session_id=session, arm=arm)
            if feedback is not None:
                log.add_feedback(turn_id, feedback)
            stamps.append(((stamp - ago).isoformat(), turn_id))
        log.close()
        with sqlite3.connect(path) as conn:
            conn.executemany("UPDATE turns SET ts = ? WHERE id = ?", stamps)
        return path

    return write
