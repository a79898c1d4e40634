"""One evaluation run end to end: questions -> assistant -> verdicts -> metrics -> reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from eval.hallucination.calibration import Calibration, calibrate, load_labels
from eval.hallucination.questions import Question, Split, load_questions
from eval.hallucination.report import write_reports
from eval.hallucination.runner import (
    AskingAssistant,
    RunMetrics,
    finish_run,
    run_questions,
    start_run,
    summarise,
)
from eval.hallucination.splits import select_split
from eval.hallucination.verifier import ClaimVerifier
from rag.embeddings import Embedder

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_QUESTIONS = DATA_DIR / "questions.jsonl"
DEFAULT_LABELS = DATA_DIR / "verifier_labels.jsonl"
CALIBRATION_FILE = "calibration.json"


def verifier_embedder(embedder: Embedder, model_path: Path) -> Embedder:
    """What the claim verifier embeds with: the model's float vectors, which its
    calibration labels were judged on. The assistant's own embedder serves when it computes
    them (torch, or the float ONNX export); otherwise (hashing, an int8 copy) the model at
    `model_path` is loaded on torch for the verifier alone."""
    from rag.embeddings import SentenceTransformerEmbedder
    from rag.onnx_embedder import OnnxEmbedder
    from rag.vector_space import vector_space

    inner = getattr(embedder, "inner", embedder)
    if isinstance(inner, SentenceTransformerEmbedder) and not inner.name.endswith("+int8"):
        return embedder
    if isinstance(inner, OnnxEmbedder) and vector_space(inner.name) != inner.name:
        return embedder
    return SentenceTransformerEmbedder(model_path)


def calibrated_verifier(
    embedder: Embedder, out_dir: Path, labels: Path = DEFAULT_LABELS
) -> tuple[ClaimVerifier, Calibration]:
    """A verifier calibrated on the labelled pairs (reused from the run dir when resuming)."""
    verifier = ClaimVerifier(embedder)
    cached = out_dir / CALIBRATION_FILE
    if cached.is_file():
        calibration = Calibration.model_validate_json(cached.read_text(encoding="utf-8"))
        verifier.config = calibration.config
        return verifier, calibration
    calibration = calibrate(verifier, load_labels(labels))
    calibration.labels_file = str(labels)
    out_dir.mkdir(parents=True, exist_ok=True)
    cached.write_text(calibration.model_dump_json(indent=2), encoding="utf-8")
    return verifier, calibration


def select(
    questions: list[Question], limit: int | None, split: Split | None = None
) -> list[Question]:
    """The questions of `split` (all for None), then the first `limit` of them."""
    chosen = select_split(questions, split)
    return chosen[:limit] if limit is not None else chosen


def knowledge_base_overrides(kb_dirs: list[Path], data_dir: Path) -> dict[str, Any]:
    """Settings that answer from `kb_dirs` alone, with their own index under `data_dir`.

    The configured knowledge base and its index are left untouched; reusing `data_dir`
    reuses its index (only new or changed files are read again).
    """
    return {"kb_paths": [str(p.resolve()) for p in kb_dirs], "data_dir": str(data_dir.resolve())}


def evaluate(
    assistant: AskingAssistant,
    questions: list[Question],
    out_dir: Path,
    verifier: ClaimVerifier,
    calibration: Calibration | None,
    run_info: dict[str, Any],
    progress: bool = True,
    progress_to: TextIO | None = None,
) -> RunMetrics:
    """Run (or resume) and score; writes run.json, results.jsonl, metrics.json, reports."""
    info = start_run(out_dir, run_info)
    done = run_questions(
        assistant, questions, out_dir, verifier, progress=progress, progress_to=progress_to
    )
    records = [done[q.id] for q in questions]
    metrics = summarise(str(info.get("name", out_dir.name)), records, calibration)
    finish_run(out_dir, info, metrics)
    write_reports(out_dir, json.loads((out_dir / "run.json").read_text()), metrics, records)
    return metrics


__all__ = [
    "DEFAULT_QUESTIONS",
    "calibrated_verifier",
    "evaluate",
    "knowledge_base_overrides",
    "load_questions",
    "select",
]
