"""Coursebot's own shown answers for the provenance benchmark, one JSONL row each.

The real default pipeline (bundled model, MiniLM, hybrid retrieval, grounding, guards)
answers every benchmark question once, in its own data folder. Rows are appended as they
are made, so an interrupted run keeps its work and a second run continues it.
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel

from eval.watermark.provenance_set import BenchQuestion
from rag import Assistant


class ShownAnswer(BaseModel):
    """One answer as the user saw it, and how it was made."""

    id: str
    split: str
    question: str
    text: str
    turn_id: int | None
    created_at: str
    abstained: bool
    refused: bool
    extractive: bool
    generated_tokens: int
    seconds: float


def read_answers(path: Path) -> list[ShownAnswer]:
    if not path.is_file():
        return []
    return [
        ShownAnswer.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def generate_answers(
    questions: list[BenchQuestion],
    out: Path,
    data_dir: Path,
    limit: int | None = None,
    shard: tuple[int, int] = (0, 1),
) -> list[ShownAnswer]:
    """Answer the questions not yet in `out` with the default pipeline; return all rows.

    `shard` (i, n) answers only every n-th question from the i-th, so that n runs, each
    with its own `out` and `data_dir`, share the questions out between them.
    """
    done = {a.id for a in read_answers(out)}
    mine = questions[shard[0] :: shard[1]]
    todo = [q for q in mine if q.id not in done][: limit if limit is not None else None]
    if todo:
        bot = Assistant.from_settings(data_dir=data_dir)
        with out.open("a", encoding="utf-8") as handle:
            for number, item in enumerate(todo, start=1):
                started = time.perf_counter()
                answer = bot.ask(item.question)
                row = ShownAnswer(
                    id=item.id,
                    split=item.split,
                    question=item.question,
                    text=answer.text,
                    turn_id=answer.turn_id,
                    created_at=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                    abstained=answer.abstained,
                    refused=answer.refused,
                    extractive=answer.extractive,
                    generated_tokens=len(answer.generated_token_ids),
                    seconds=time.perf_counter() - started,
                )
                handle.write(row.model_dump_json() + "\n")
                handle.flush()
                print(f"answer {number}/{len(todo)} in {row.seconds:.1f} s", flush=True)
    return read_answers(out)
