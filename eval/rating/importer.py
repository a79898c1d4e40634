"""Queue an evaluation run's answers for rating: one run for Likert, two for side-by-side.

Run-directory contract (written by the hallucination evaluation): `run.json` with a `name`
and the settings/fingerprint that produced it, and `results.jsonl` with one line per
question holding `id`, `question`, `kind`, `answer` (an Answer dump) and `metrics`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from eval.rating.errors import RunImportError
from eval.rating.models import ImportReport, NewItem
from eval.rating.store import RatingStore
from rag.answer import Answer


class RunResult(BaseModel):
    """One line of results.jsonl, as far as rating needs it."""

    id: str
    question: str
    kind: str = ""
    answer: Answer
    metrics: dict[str, Any] = Field(default_factory=dict)


class Run(BaseModel):
    name: str
    settings: dict[str, Any]
    results: dict[str, RunResult]


def load_run(run_dir: Path) -> Run:
    """Read and validate a run directory; every problem names the file and line."""
    run_file, results_file = run_dir / "run.json", run_dir / "results.jsonl"
    if not run_dir.is_dir():
        raise RunImportError(
            f"Run directory {run_dir} does not exist; pass a `coursebot eval` output folder."
        )
    for needed in (run_file, results_file):
        if not needed.is_file():
            raise RunImportError(
                f"{needed} is missing; {run_dir} is not a complete evaluation run."
            )
    try:
        meta = json.loads(run_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunImportError(f"{run_file} is not valid JSON: {exc}") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        raise RunImportError(f"{run_file} needs a non-empty string field `name`.")
    settings = {k: v for k, v in meta.items() if k in ("settings", "fingerprint", "settings_hash")}
    results: dict[str, RunResult] = {}
    lines = results_file.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if isinstance(raw, dict) and "id" in raw:
                raw["id"] = str(raw["id"])
            result = RunResult.model_validate(raw)
        except (json.JSONDecodeError, ValidationError) as exc:
            raise RunImportError(
                f"{results_file}:{number} is not a valid result line: {exc}"
            ) from exc
        if result.id in results:
            raise RunImportError(f"{results_file}:{number} repeats question id {result.id!r}.")
        results[result.id] = result
    if not results:
        raise RunImportError(f"{results_file} holds no results; run the evaluation first.")
    return Run(name=meta["name"], settings=settings, results=results)


def _answer_dump(result: RunResult) -> dict[str, Any]:
    return result.answer.model_dump(
        include={"text", "abstained", "refused", "citations", "passages", "model", "settings_hash"}
    )


def items_from_runs(run_a: Run, run_b: Run | None = None) -> list[NewItem]:
    """Likert items for one run, or pair items for the questions two runs share."""
    if run_b is None:
        return [
            NewItem(
                kind="likert",
                question_id=r.id,
                question=r.question,
                question_kind=r.kind,
                answer_a=_answer_dump(r),
                config_a=run_a.name,
                settings_a=run_a.settings,
                metrics_a=r.metrics,
            )
            for r in run_a.results.values()
        ]
    if run_a.name == run_b.name:
        raise RunImportError(
            f"Both runs are named {run_a.name!r}; compare two different configurations."
        )
    shared = [qid for qid in run_a.results if qid in run_b.results]
    if not shared:
        raise RunImportError(f"Runs {run_a.name!r} and {run_b.name!r} share no question ids.")
    items = []
    for qid in shared:
        a, b = run_a.results[qid], run_b.results[qid]
        items.append(
            NewItem(
                kind="pair",
                question_id=qid,
                question=a.question,
                question_kind=a.kind,
                answer_a=_answer_dump(a),
                config_a=run_a.name,
                settings_a=run_a.settings,
                metrics_a=a.metrics,
                answer_b=_answer_dump(b),
                config_b=run_b.name,
                settings_b=run_b.settings,
                metrics_b=b.metrics,
            )
        )
    return items


def import_runs(store: RatingStore, run_dir: Path, run_dir_b: Path | None = None) -> ImportReport:
    """Validate the run(s) fully, then queue every item in one transaction."""
    run_a = load_run(run_dir)
    run_b = load_run(run_dir_b) if run_dir_b is not None else None
    items = items_from_runs(run_a, run_b)
    added, skipped = store.add_items(items)
    return ImportReport(
        kind=items[0].kind,
        runs=[run_a.name] + ([run_b.name] if run_b else []),
        added=added,
        skipped=skipped,
    )
