"""A multi-megabyte document through a real `coursebot ingest` process: memory stays
bounded, progress is printed line by line into a pipe, and the file is announced first."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from eval.bench.bigcorpus import write_corpus
from rag.index import IndexStore
from tests.faults.procs import COURSEBOT, REPO, env_for

MAX_RSS_MB = 600
"""Peak RSS allowed for 4 MB of text (hashing embedder; about 200 MB was measured): holding
per-chunk token lists or a second copy of every vector would pass it."""


def test_a_big_file_streams_with_bounded_memory_and_progress_lines(tmp_path: Path) -> None:
    big = tmp_path / "docs" / "big.txt"
    write_corpus(big, megabytes=4)
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [str(COURSEBOT), "ingest", str(big.parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(data),
        cwd=REPO,
    )
    # wait4 gives the child's own peak RSS (ru_maxrss, KiB on Linux); read the pipes first
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = stderr.decode()
    assert proc.returncode == 0, err
    notes = err.splitlines()
    assert notes[0].startswith("Note: big.txt is 4."), "announced before reading"
    embedding = [line for line in notes if line.startswith("Note: embedding ")]
    assert embedding and "/s, about " in embedding[0], "progress lines when stderr is a pipe"
    chunks = len(IndexStore(data / "index").load().chunks)
    assert embedding[-1].startswith(f"Note: embedding {chunks}/{chunks} chunks")
    assert chunks > 4_000 and b"chunks" in stdout
    assert usage.ru_maxrss / 1024 < MAX_RSS_MB, f"peak RSS {usage.ru_maxrss / 1024:.0f} MB"
