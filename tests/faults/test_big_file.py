"""A multi-megabyte document through a real `coursebot ingest` process: memory stays
bounded, progress is printed line by line into a pipe, and the file is announced first."""

from __future__ import annotations

from pathlib import Path

from eval.bench.bigcorpus import write_corpus
from eval.bench.peak_rss import run_with_peak_rss
from rag.index import IndexStore
from tests.faults.procs import COURSEBOT, REPO, env_for

MAX_RSS_MB = 600
"""Peak RSS allowed for 4 MB of text (hashing embedder; about 200 MB was measured): holding
per-chunk token lists or a second copy of every vector would pass it."""


def test_a_big_file_streams_with_bounded_memory_and_progress_lines(tmp_path: Path) -> None:
    big = tmp_path / "docs" / "big.txt"
    write_corpus(big, megabytes=4)
    data = tmp_path / "data"
    ingest = [str(COURSEBOT), "ingest", str(big.parent)]
    with (tmp_path / "out").open("w+b") as out, (tmp_path / "err").open("w+b") as errors:
        code, peak_kib = run_with_peak_rss(
            ingest, env=env_for(data), cwd=REPO, stdout=out, stderr=errors
        )
        out.seek(0)
        errors.seek(0)
        stdout, err = out.read(), errors.read().decode()
    assert code == 0, err
    peak_mb = peak_kib / 1024
    notes = err.splitlines()
    assert notes[0].startswith("Note: big.txt is 4."), "announced before reading"
    embedding = [line for line in notes if line.startswith("Note: embedding ")]
    assert embedding and "/s, about " in embedding[0], "progress lines when stderr is a pipe"
    chunks = len(IndexStore(data / "index").load().chunks)
    assert embedding[-1].startswith(f"Note: embedding {chunks}/{chunks} chunks")
    assert chunks > 4_000 and b"chunks" in stdout
    assert peak_mb < MAX_RSS_MB, f"peak RSS {peak_mb:.0f} MB"
