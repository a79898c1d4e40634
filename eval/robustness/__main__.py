"""`python -m eval.robustness --questions FILE --out DIR [--answers] [--limit N] [--seed S]`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from eval.robustness.assistant_run import run_on_assistant
from eval.robustness.runner import format_report


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m eval.robustness", description=__doc__)
    parser.add_argument("--questions", type=Path, default=Path("eval/data/questions.jsonl"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--answers", action="store_true", help="also compare full answers (slow)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = run_on_assistant(
        args.questions, args.out, answers=args.answers, limit=args.limit, seed=args.seed
    )
    print(format_report(report))


if __name__ == "__main__":
    main()
