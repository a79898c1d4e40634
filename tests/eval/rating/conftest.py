"""A small evaluation-run directory in the format the hallucination evaluation writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DRIFT = (
    "Data Drift: Gradual input distribution changes degrade performance. "
    "Monitoring compares live inputs with the training distribution."
)
WORLD_CUP = (
    "Example: When asked which country won the 2026 FIFA World Cup, a model might "
    "confidently respond Brazil won, even though the tournament has not yet occurred."
)

QUESTIONS = [
    ("q1", "What is data drift?", DRIFT),
    ("q2", "Who won the 2026 FIFA World Cup?", WORLD_CUP),
    ("q3", "Why monitor inputs after deployment?", DRIFT),
]


def answer_dump(question: str, text: str, passage: str, abstained: bool = False) -> dict[str, Any]:
    """An Answer.model_dump() with one citation and one passage."""
    return {
        "question": question,
        "text": text,
        "abstained": abstained,
        "citations": [
            {
                "n": 1,
                "chunk_id": "c1",
                "source": "course.md",
                "section": "Limits",
                "text": passage,
                "score": 0.8,
            }
        ],
        "passages": [
            {
                "chunk_id": "c1",
                "source": "course.md",
                "section": "Limits",
                "text": passage,
                "start": 0,
                "end": len(passage),
                "dense_score": 0.7,
            }
        ],
        "model": "SmolLM2-135M",
        "settings_hash": "abc",
    }


RunWriter = Callable[..., Path]


@pytest.fixture
def write_run(tmp_path: Path) -> RunWriter:
    """Write RUN_DIR/run.json and results.jsonl; answers vary with `style`."""

    def write(
        name: str, style: str = "good", questions: list[tuple[str, str, str]] | None = None
    ) -> Path:
        run_dir = tmp_path / "runs" / name
        run_dir.mkdir(parents=True)
        (run_dir / "run.json").write_text(
            json.dumps({"name": name, "settings": {"top_k": 4}, "fingerprint": f"fp-{name}"})
        )
        lines = []
        for k, (qid, question, passage) in enumerate(questions or QUESTIONS):
            text = passage.split(". ")[0] + " [1]." if style == "good" else "Brazil won it in 2026."
            lines.append(
                json.dumps(
                    {
                        "id": qid,
                        "question": question,
                        "kind": "answerable",
                        "answer": answer_dump(question, text, passage),
                        "metrics": {"faithfulness": 0.9 - 0.2 * k if style == "good" else 0.1 * k},
                    }
                )
            )
        (run_dir / "results.jsonl").write_text("\n".join(lines) + "\n")
        return run_dir

    return write
