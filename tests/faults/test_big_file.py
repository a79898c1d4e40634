"""A multi-megabyte document through a real `coursebot ingest` process: memory stays
bounded, progress is printed line by line into a pipe, and the file is announced first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eval.bench.bigcorpus import write_corpus
from rag.index import IndexStore
from tests.faults.procs import COURSEBOT, REPO, env_for

MAX_RSS_MB = 600
"""Peak RSS allowed for 4 MB of text (hashing embedder; about 200 MB was measured): holding
per-chunk token lists or a second copy of every vector would pass it."""

PEAK_RSS_OF_CHILD = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs a command and writes its peak RSS (KiB) to a file. Linux carries the RSS high-water
mark across fork and exec, so a command started straight from the test process would be
charged the test process's own size (gigabytes once the real models are loaded); started
from this small launcher it is charged only its own."""


def test_a_big_file_streams_with_bounded_memory_and_progress_lines(tmp_path: Path) -> None:
    big = tmp_path / "docs" / "big.txt"
    write_corpus(big, megabytes=4)
    data = tmp_path / "data"
    rss_file = tmp_path / "peak-rss-kib"
    ingest = [str(COURSEBOT), "ingest", str(big.parent)]
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_OF_CHILD, str(rss_file), *ingest],
        capture_output=True,
        env=env_for(data),
        cwd=REPO,
        check=False,
    )
    stdout, err = proc.stdout, proc.stderr.decode()
    assert proc.returncode == 0, err
    peak_mb = int(rss_file.read_text()) / 1024
    notes = err.splitlines()
    assert notes[0].startswith("Note: big.txt is 4."), "announced before reading"
    embedding = [line for line in notes if line.startswith("Note: embedding ")]
    assert embedding and "/s, about " in embedding[0], "progress lines when stderr is a pipe"
    chunks = len(IndexStore(data / "index").load().chunks)
    assert embedding[-1].startswith(f"Note: embedding {chunks}/{chunks} chunks")
    assert chunks > 4_000 and b"chunks" in stdout
    assert peak_mb < MAX_RSS_MB, f"peak RSS {peak_mb:.0f} MB"
