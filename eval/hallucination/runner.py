"""Run an assistant over a question set into a resumable run directory, then score it."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from pydantic import BaseModel
from tqdm import tqdm

from eval.hallucination.calibration import Calibration
from eval.hallucination.errors import RunDirError
from eval.hallucination.metrics import RATES, QuestionMetrics, score_answer
from eval.hallucination.questions import Question
from eval.hallucination.runinfo import utc_now
from eval.hallucination.stats import Estimate, bootstrap_ci
from eval.hallucination.store import ResultStore
from eval.hallucination.verifier import ClaimVerifier
from rag.answer import Answer

RUN_FILE = "run.json"
METRICS_FILE = "metrics.json"


class AskingAssistant(Protocol):
    """What the evaluation needs of `rag.Assistant`: one method."""

    def ask(
        self, question: str, *, history: Sequence[str] | None = None, session_id: str | None = None
    ) -> Answer: ...


class RunMetrics(BaseModel):
    """metrics.json: every rate with its 95% bootstrap interval, plus the verifier's quality."""

    name: str
    n_questions: int
    counts: dict[str, int]
    rates: dict[str, Estimate]
    verifier: Calibration | None
    bootstrap: dict[str, Any]


def start_run(out_dir: Path, run_info: dict[str, Any]) -> dict[str, Any]:
    """Create or reopen a run directory; refuse to mix results of different settings."""
    out_dir.mkdir(parents=True, exist_ok=True)
    run_path = out_dir / RUN_FILE
    if run_path.is_file():
        previous = json.loads(run_path.read_text(encoding="utf-8"))
        if previous.get("settings_fingerprint") != run_info.get("settings_fingerprint"):
            raise RunDirError(
                f"{out_dir} holds a run with other settings (fingerprint "
                f"{previous.get('settings_fingerprint')} vs "
                f"{run_info.get('settings_fingerprint')}); "
                "use a new --out directory to measure this configuration."
            )
        run_info = {**run_info, "started_at": previous.get("started_at", run_info["started_at"])}
        run_info["resumed_at"] = [*previous.get("resumed_at", []), utc_now()]
    elif (out_dir / "results.jsonl").exists():
        raise RunDirError(
            f"{out_dir} has results.jsonl but no run.json; use a new --out directory."
        )
    _write_json(run_path, run_info)
    return run_info


def run_questions(
    assistant: AskingAssistant,
    questions: Sequence[Question],
    out_dir: Path,
    verifier: ClaimVerifier,
    progress: bool = True,
    progress_to: TextIO | None = None,
) -> dict[str, dict[str, Any]]:
    """Ask every question not answered yet; append each result to results.jsonl at once.
    The progress bar goes to `progress_to` (default stderr)."""
    store = ResultStore(out_dir)
    done = store.load()
    todo = [q for q in questions if q.id not in done]
    for question in tqdm(todo, desc="questions", unit="q", disable=not progress, file=progress_to):
        started = time.perf_counter()
        answer = assistant.ask(
            question.question,
            history=list(question.history) or None,
            session_id=f"eval-{question.id}",
        )
        asked = time.perf_counter()
        metrics, claims = score_answer(question, answer, verifier)
        record = {
            "id": question.id,
            "question": question.question,
            "kind": question.kind,
            "history": question.history,
            "source_section": question.source_section,
            "answer": answer.model_dump(mode="json"),
            "claims": [c.model_dump() for c in claims],
            "metrics": metrics.model_dump(),
            "timings": {
                "ask_s": round(asked - started, 3),
                "verify_s": round(time.perf_counter() - asked, 3),
            },
        }
        store.append(record)
        done[question.id] = record
    return done


def summarise(
    name: str,
    records: Sequence[dict[str, Any]],
    calibration: Calibration | None,
    reps: int = 2000,
    seed: int = 0,
) -> RunMetrics:
    per_question = [QuestionMetrics.model_validate(r["metrics"]) for r in records]
    rates = {
        metric: bootstrap_ci(per_question, fn, reps=reps, seed=seed) for metric, fn in RATES.items()
    }
    counts = {
        "questions": len(per_question),
        "answerable": sum(r.kind == "answerable" for r in per_question),
        "unanswerable": sum(r.kind == "unanswerable" for r in per_question),
        "trap": sum(r.kind == "trap" for r in per_question),
        "declined": sum(r.declined for r in per_question),
        "claims": sum(r.n_claims for r in per_question),
        "unsupported_claims": sum(r.n_unsupported for r in per_question),
    }
    return RunMetrics(
        name=name,
        n_questions=len(per_question),
        counts=counts,
        rates=rates,
        verifier=calibration,
        bootstrap={
            "reps": reps,
            "seed": seed,
            "level": 0.95,
            "method": "percentile, over questions",
        },
    )


def finish_run(out_dir: Path, run_info: dict[str, Any], metrics: RunMetrics) -> None:
    _write_json(out_dir / METRICS_FILE, metrics.model_dump(mode="json"))
    _write_json(out_dir / RUN_FILE, {**run_info, "finished_at": utc_now(), "status": "complete"})


def load_run(run_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """run.json and the finished results of a run directory (for reports and comparisons)."""
    run_path = run_dir / RUN_FILE
    if not run_path.is_file():
        raise RunDirError(f"{run_dir} is not a run directory (no {RUN_FILE}).")
    info = json.loads(run_path.read_text(encoding="utf-8"))
    return info, list(ResultStore(run_dir).load(repair=False).values())


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
