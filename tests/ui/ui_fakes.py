"""A small deterministic stand-in for rag.Assistant, for unit tests of the UI's logic.

It uses the real Answer model, the real TurnLog (SQLite) and the real document loader;
only retrieval and generation are canned.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer import Answer, Citation, SafetyReport, SentenceCheck, Timings, WatermarkReport
from rag.documents import load_document
from rag.errors import DocumentError, GenerationError
from rag.ingest import FileReport, IngestReport
from rag.settings import Settings
from rag.turnlog import TurnLog

DRIFT_PASSAGE = "Gradual input distribution changes degrade performance."


@dataclass
class Event:
    kind: str
    text: str = ""
    answer: Answer | None = None


class FakeAssistant:
    def __init__(self, settings: Settings, fail_after_tokens: int | None = None) -> None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.turn_log = TurnLog(settings.data_dir / "turns.sqlite3")
        self.docs: dict[str, int] = {"foundations-of-machine-learning.md": 40}
        self.report: IngestReport | None = None
        self.histories: list[list[str] | None] = []
        self.fail_after_tokens = fail_after_tokens
        self.lock = threading.Lock()
        self.streams_finished = 0
        self.output_guard = None

    def _answer(self, question: str) -> Answer:
        q = question.lower()
        if "bomb" in q:
            return Answer(
                question=question,
                text="I can't help with that.",
                refused=True,
                reason="asks for weapon instructions",
                safety=SafetyReport(refused=True, policy="violent-instructions"),
            )
        if "world cup" in q:
            return Answer(
                question=question,
                text="The course documents do not say.",
                abstained=True,
                reason="best passage score 0.12 < 0.30",
            )
        return Answer(
            question=question,
            text="Data drift is a gradual change in the input distribution [1].",
            raw_text="Data drift is a gradual change in the input distribution [1]. "
            "It was invented in 1850.",
            citations=[
                Citation(
                    n=1,
                    chunk_id="c7",
                    source="foundations-of-machine-learning.md",
                    section="Failure Modes in Practice > Data Drift",
                    text=DRIFT_PASSAGE,
                    score=0.81,
                )
            ],
            sentences=[
                SentenceCheck(
                    text="Data drift is a gradual change in the input distribution [1].",
                    supported=True,
                    score=0.81,
                    citation=1,
                ),
                SentenceCheck(text="It was invented in 1850.", supported=False, score=0.1),
            ],
            watermark=WatermarkReport(
                verdict="watermarked",
                z=4.8,
                p_value=1e-6,
                threshold=4.0,
                scored_tokens=60,
                green_tokens=40,
                green_fraction=0.667,
                gamma=0.25,
                total_tokens=64,
            ),
            timings=Timings(total_s=1.2, first_token_s=0.2),
        )

    def ask(
        self, question: str, history: list[str] | None = None, session_id: str | None = None
    ) -> Answer:
        self.histories.append(history)
        answer = self._answer(question)
        answer.turn_id = self.turn_log.log(answer, logged_question=question, session_id=session_id)
        return answer

    def stream(
        self, question: str, history: list[str] | None = None, session_id: str | None = None
    ) -> Iterator[Event]:
        with self.lock:
            answer = self.ask(question, history, session_id)
            for i, word in enumerate(answer.raw_text.split(" ") if answer.raw_text else []):
                if self.fail_after_tokens is not None and i >= self.fail_after_tokens:
                    raise GenerationError("llama.cpp stopped: out of memory. Ask again.")
                yield Event("token", text=word + " ")
            yield Event("final", answer=answer)
            self.streams_finished += 1

    def ingest(self, paths: Sequence[Path], *, on_progress: Any = None) -> IngestReport:
        report = IngestReport(started_at="2025-01-01T00:00:00+00:00")
        for path in paths:
            try:
                doc = load_document(path, 10_000_000)
            except DocumentError as exc:
                report.files.append(
                    FileReport(path=str(path), source=path.name, status="skipped", reason=str(exc))
                )
                continue
            chunks = max(1, len(doc.text) // 500)
            self.docs[path.name] = chunks
            report.files.append(
                FileReport(path=str(path), source=path.name, status="indexed", chunks=chunks)
            )
        if on_progress is not None:
            on_progress(len(paths), len(paths), "embedding")
        report.totals = {"documents": len(self.docs), "chunks": sum(self.docs.values())}
        report.quality = {"completeness": {"empty_documents": 0}}
        self.report = report
        return report

    def documents(self) -> list[dict[str, Any]]:
        return [{"source": name, "chunks": n} for name, n in sorted(self.docs.items())]

    def last_report(self) -> IngestReport | None:
        return self.report
