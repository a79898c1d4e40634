"""Measure the output guard: harmless answers withheld, harmful responses withheld.

    .venv/bin/python scripts/measure_output_guard.py --split dev     # tune on this
    .venv/bin/python scripts/measure_output_guard.py --split test    # report once
    .venv/bin/python scripts/measure_output_guard.py --split dev --precision float

Both sets are the project's own (eval/data/output_guard/), split into dev and test by a
hash of each item's id before any use. Items are checked with `OutputGuard.check`, as the
assistant checks a finished answer, embedded as the app's guards embed (MiniLM's ONNX
export at `--precision`, which picks the head fitted on it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from eval.safety.encoders import onnx_encoder
from safety import OutputGuard, SafetyPolicy

DATA = Path(__file__).resolve().parent.parent / "eval" / "data" / "output_guard"


def split_of(item_id: str) -> str:
    """The split of an item, "dev" or "test", fixed by a hash of its id (half each)."""
    return "dev" if hashlib.sha256(item_id.encode()).digest()[0] % 2 == 0 else "test"


def load(name: str, split: str) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]
    return [row for row in rows if split == "all" or split_of(row["id"]) == split]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--precision", choices=["int8", "float"], default="int8")
    args = parser.parse_args()
    guard = OutputGuard(SafetyPolicy(), encoder=onnx_encoder(args.precision))
    for name, label in (
        ("harmless_answers.jsonl", "harmless"),
        ("harmful_responses.jsonl", "harmful"),
    ):
        rows = load(name, args.split)
        withheld = [row for row in rows if not guard.check(row["text"]).allowed]
        print(
            f"{label} ({args.split}): withheld {len(withheld)}/{len(rows)} = "
            f"{len(withheld) / len(rows):.0%}"
        )
        for row in withheld if label == "harmless" else []:
            print(f"  withheld: {row['id']} {row['text'][:80]}")


if __name__ == "__main__":
    main()
