"""Silent failures: answers that were given but rest on weak evidence, queued for human review.

The course's silent failure "appears valid" - so the monitor looks past the answer text at
its evidence: the weakest sentence support and the best retrieval score.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from eval.monitor.config import MonitorConfig
from eval.monitor.turns import Turn


class ReviewItem(BaseModel):
    """An answered turn flagged for a human to look at, and why."""

    turn_id: int
    ts: datetime
    question: str
    answer: str
    top_score: float | None
    support_min: float | None
    feedback: int | None
    reasons: list[str]


def review_reasons(turn: Turn, config: MonitorConfig) -> list[str]:
    """Why an answered turn looks like a silent failure (empty when it does not)."""
    if not turn.answered:
        return []
    reasons: list[str] = []
    if turn.support_min is not None and turn.support_min < config.review_support_min:
        reasons.append(f"weak support {turn.support_min:.2f} < {config.review_support_min:.2f}")
    if turn.top_score is None:
        reasons.append("answered without any retrieved passage")
    elif turn.top_score < config.review_top_score:
        reasons.append(f"low retrieval score {turn.top_score:.2f} < {config.review_top_score:.2f}")
    if reasons and turn.feedback == -1:
        reasons.append("user gave thumbs down")
    return reasons


def flag_for_review(turns: list[Turn], config: MonitorConfig) -> list[ReviewItem]:
    """Answered turns with weak support or low retrieval scores, weakest evidence first."""
    items = []
    for turn in turns:
        reasons = review_reasons(turn, config)
        if reasons:
            items.append(
                ReviewItem(
                    turn_id=turn.id,
                    ts=turn.ts,
                    question=turn.question,
                    answer=turn.answer,
                    top_score=turn.top_score,
                    support_min=turn.support_min,
                    feedback=turn.feedback,
                    reasons=reasons,
                )
            )
    return sorted(items, key=lambda i: i.support_min if i.support_min is not None else 0.0)


def export_review_run(items: list[ReviewItem], out_dir: Path, source: Path) -> Path:
    """Write DIR/run.json and DIR/results.jsonl (kind "review") for the rating harness."""
    out_dir.mkdir(parents=True, exist_ok=True)
    run = {
        "name": out_dir.name,
        "kind": "review",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(source),
        "count": len(items),
        "description": "Answered turns flagged by `coursebot monitor review` (silent failures?).",
    }
    (out_dir / "run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    with (out_dir / "results.jsonl").open("w", encoding="utf-8") as handle:
        for item in items:
            record = {
                "id": f"turn-{item.turn_id}",
                "question": item.question,
                "kind": "review",
                "answer": {
                    "text": item.answer,
                    "citations": [],
                    "passages": [],
                    "abstained": False,
                },
                "metrics": {},
                "review": {
                    "turn_id": item.turn_id,
                    "reasons": item.reasons,
                    "top_score": item.top_score,
                    "support_min": item.support_min,
                },
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out_dir
