"""Export everything stored, unblinded, as CSV (one file per table) and JSONL."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from eval.rating.store import RatingStore


def _flat(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


def export_all(store: RatingStore, out: Path) -> list[Path]:
    """Write items, ratings, comparisons and assignments as .csv and .jsonl files."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "items": store.items(),
        "ratings": store.ratings(),
        "comparisons": store.comparisons(),
        "assignments": store.assignments(),
        "raters": [r.model_dump() for r in store.raters()],
    }
    written = []
    for name, rows in tables.items():
        jsonl = out / f"{name}.jsonl"
        jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        table = out / f"{name}.csv"
        with table.open("w", newline="", encoding="utf-8") as handle:
            fields = list(rows[0]) if rows else []
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows({k: _flat(v) for k, v in r.items()} for r in rows)
        written += [table, jsonl]
    return written
