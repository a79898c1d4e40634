"""A command's own peak memory, measured the one way that is right on Linux.

`wait4`'s `ru_maxrss` for a child of a big process is wrong: Linux carries the forking
process's RSS high-water mark into the child at exec, so a `coursebot ingest` started
from a benchmark that had grown to 2 GB reported 2.22 GB for a run that peaked at 0.90 GB
under `/usr/bin/time`. The command is therefore started from a small launcher process,
whose own size is all it can be charged beyond its own.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_with_peak_rss(
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdout: IO[Any] | int | None = None,
    stderr: IO[Any] | int | None = None,
) -> tuple[int, int]:
    """Run `command` to its end: (exit code, its peak RSS in KiB; 0 if it never started)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "peak-rss-kib"
        code = subprocess.call(
            [sys.executable, "-c", LAUNCHER, str(report), *command],
            env=env,
            cwd=cwd,
            stdout=stdout,
            stderr=stderr,
        )
        peak = int(report.read_text()) if report.is_file() else 0
    return code, peak
