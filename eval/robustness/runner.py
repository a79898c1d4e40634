"""Run perturbations over a question set and report the stability drop per perturbation type.

Questions come from the project's one loader (`eval.hallucination.questions.load_questions`),
which names the line of any malformed entry instead of skipping it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from eval.hallucination.questions import Question
from eval.robustness.metrics import cosine, jaccard, overlap_at_k
from eval.robustness.perturb import KINDS, Kind, perturb
from rag.answer import Answer, Passage
from rag.embeddings import Embedder


class Retriever(Protocol):
    def retrieve(self, question: str) -> list[Passage]: ...


class Asker(Protocol):
    def ask(self, question: str) -> Answer: ...


class ItemResult(BaseModel):
    """One question under one perturbation."""

    id: str
    kind: Kind
    question: str
    perturbed: str
    changed: bool
    jaccard: float
    overlap_at_k: float
    top1_same: bool
    same_abstain: bool | None = None
    answer_cosine: float | None = None


class KindSummary(BaseModel):
    kind: Kind
    n: int
    changed: int
    jaccard: float
    overlap_at_k: float
    top1_same: float
    drop: float = Field(description="1 - mean overlap@k: the retrieval stability lost.")
    same_abstain: float | None = None
    answer_cosine: float | None = None


class RobustnessReport(BaseModel):
    k: int
    seed: int
    questions: int
    summaries: list[KindSummary]
    items: list[ItemResult]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _summarise(kind: Kind, items: list[ItemResult]) -> KindSummary:
    abst = [float(i.same_abstain) for i in items if i.same_abstain is not None]
    cos = [i.answer_cosine for i in items if i.answer_cosine is not None]
    overlap = _mean([i.overlap_at_k for i in items])
    return KindSummary(
        kind=kind,
        n=len(items),
        changed=sum(i.changed for i in items),
        jaccard=_mean([i.jaccard for i in items]),
        overlap_at_k=overlap,
        top1_same=_mean([float(i.top1_same) for i in items]),
        drop=1.0 - overlap,
        same_abstain=_mean(abst) if abst else None,
        answer_cosine=_mean(cos) if cos else None,
    )


def run_robustness(
    questions: list[Question],
    retriever: Retriever,
    k: int = 4,
    seed: int = 0,
    kinds: Sequence[Kind] = KINDS,
    asker: Asker | None = None,
    embedder: Embedder | None = None,
) -> RobustnessReport:
    """Retrieval stability for every question x perturbation; answer agreement when `asker`
    and `embedder` are given (cosine of answer embeddings, same abstain decision)."""
    items: list[ItemResult] = []
    for q in questions:
        base_ids = [p.chunk_id for p in retriever.retrieve(q.question)][:k]
        base_answer = asker.ask(q.question) if asker else None
        for kind in kinds:
            text = perturb(q.question, kind, seed)
            ids = (
                base_ids
                if text == q.question
                else [p.chunk_id for p in retriever.retrieve(text)][:k]
            )
            item = ItemResult(
                id=q.id,
                kind=kind,
                question=q.question,
                perturbed=text,
                changed=text != q.question,
                jaccard=jaccard(base_ids, ids),
                overlap_at_k=overlap_at_k(base_ids, ids, k),
                top1_same=(base_ids[:1] == ids[:1]),
            )
            if asker is not None and embedder is not None and base_answer is not None:
                answer = base_answer if text == q.question else asker.ask(text)
                vectors = embedder.embed([base_answer.text, answer.text])
                item.same_abstain = base_answer.abstained == answer.abstained
                item.answer_cosine = cosine(vectors[0], vectors[1])
            items.append(item)
    summaries = [_summarise(kind, [i for i in items if i.kind == kind]) for kind in kinds]
    return RobustnessReport(
        k=k, seed=seed, questions=len(questions), summaries=summaries, items=items
    )


def format_report(report: RobustnessReport) -> str:
    """A Markdown table of the per-perturbation summary."""
    lines = [
        f"Robustness over {report.questions} questions (top-{report.k}, seed {report.seed})",
        "",
        "| perturbation | changed | jaccard | overlap@k | top-1 same | drop"
        " | same abstain | answer cos |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in report.summaries:
        extra = (
            f"{s.same_abstain:.2f} | {s.answer_cosine:.2f}"
            if s.same_abstain is not None and s.answer_cosine is not None
            else "- | -"
        )
        lines.append(
            f"| {s.kind} | {s.changed}/{s.n} | {s.jaccard:.3f} | {s.overlap_at_k:.3f} | "
            f"{s.top1_same:.2f} | {s.drop:.3f} | {extra} |"
        )
    return "\n".join(lines)


def write_report(report: RobustnessReport, out_dir: Path) -> Path:
    """DIR/robustness.json (summary), DIR/items.jsonl (every pair), DIR/robustness.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = report.model_dump(mode="json", exclude={"items"})
    (out_dir / "robustness.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    with (out_dir / "items.jsonl").open("w", encoding="utf-8") as handle:
        for item in report.items:
            handle.write(item.model_dump_json() + "\n")
    (out_dir / "robustness.md").write_text(format_report(report) + "\n", encoding="utf-8")
    return out_dir
