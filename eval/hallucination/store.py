"""The run directory's results.jsonl: append-only, fsynced, and safe to resume after a kill."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from eval.hallucination.errors import RunDirError

RESULTS_FILE = "results.jsonl"


class ResultStore:
    """One JSON line per finished question; a truncated last line is dropped and redone."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / RESULTS_FILE

    def load(self, repair: bool = True) -> dict[str, dict[str, Any]]:
        """Finished results by question id. With `repair`, cut a half-written last line off."""
        if not self.path.exists():
            return {}
        raw = self.path.read_bytes()
        results: dict[str, dict[str, Any]] = {}
        offset = 0
        lines = raw.split(b"\n")
        for number, line in enumerate(lines, start=1):
            is_last = number == len(lines) or (number == len(lines) - 1 and not lines[-1])
            if line.strip():
                try:
                    record = json.loads(line)
                    if not isinstance(record, dict) or "id" not in record:
                        raise ValueError("no id")
                except ValueError as exc:
                    if is_last:
                        if repair:
                            with self.path.open("r+b") as handle:
                                handle.truncate(offset)
                        break
                    raise RunDirError(
                        f"{self.path}, line {number} is damaged ({exc}); remove that line "
                        "to redo the question, or start a new run directory."
                    ) from None
                results[str(record["id"])] = record
            offset += len(line) + 1
        return results

    def append(self, record: dict[str, Any]) -> None:
        """Write one result and force it to disk before returning."""
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
