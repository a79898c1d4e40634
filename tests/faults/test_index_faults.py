"""The fault matrix of the index: real `coursebot` processes, real files, hashing embedder.

Each case asserts what the user sees (one line, no traceback) and that every document
indexed before is still there afterwards.
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
from pathlib import Path

import pytest

from tests.faults.procs import kill_at, run_cli

DOCS = {
    "kb/course.md": "Drift degrades deployed models.",
    "notes/extra.md": "Notes about fairness audits.",
    "more/late.md": "A late addition on calibration.",
}


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {path.stem}\n\n## Part\n\n{text}\n")
    return path


def status(data: Path) -> dict:  # type: ignore[type-arg]
    done = run_cli(data, "index", "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def indexed_texts(data: Path) -> set[str]:
    from rag.index import IndexStore

    return {c.text for c in IndexStore(data / "index").load().chunks}


def error_line(stderr: str) -> str:
    """The one error line of `stderr` (progress notes aside); fails on more or a traceback."""
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("Note: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.fixture
def indexed(tmp_path: Path) -> Path:
    """A data dir whose index holds kb/ and notes/ (two ingestions)."""
    data = tmp_path / "data"
    for rel, text in list(DOCS.items())[:2]:
        write(tmp_path, rel, text)
    for folder in ("kb", "notes"):
        done = run_cli(data, "ingest", str(tmp_path / folder))
        assert done.returncode == 0, done.stderr
    return data


BEFORE = set(list(DOCS.values())[:2])

STAGES = [
    ("reading", "rag.ingest", "load_document"),
    ("embedding", "rag.embeddings", "HashingEmbedder.embed"),
    ("writing", "rag.index", "faiss.write_index"),
    ("switching", "rag.index", "IndexStore._point_at"),
]


@pytest.mark.parametrize(("stage", "module", "attr"), STAGES, ids=[s[0] for s in STAGES])
def test_sigkill_during_ingestion_loses_nothing(
    indexed: Path, tmp_path: Path, stage: str, module: str, attr: str
) -> None:
    late = write(tmp_path, "more/late.md", DOCS["more/late.md"])
    code = kill_at(indexed, module, attr, "ingest", str(late.parent))
    assert code == -signal.SIGKILL
    assert indexed_texts(indexed) == BEFORE, f"killed while {stage}: the old index is live"
    live = [v for v in status(indexed)["versions"] if v["current"]]
    assert len(live) == 1 and live[0]["problem"] is None
    done = run_cli(indexed, "ingest", str(late.parent))
    assert done.returncode == 0, done.stderr
    assert indexed_texts(indexed) == set(DOCS.values())
    assert all(v["problem"] is None for v in status(indexed)["versions"]), "leftovers cleared"


def test_deleted_current_is_recovered_by_the_next_command(indexed: Path) -> None:
    (indexed / "index" / "CURRENT").unlink()
    assert status(indexed)["current"] is None
    done = run_cli(indexed, "ingest", str(indexed.parent / "kb"))
    assert done.returncode == 0, done.stderr
    assert "recovered" in done.stderr or "newest intact" in done.stderr
    assert indexed_texts(indexed) == BEFORE


def test_deleted_version_folder_comes_back_from_its_sources(indexed: Path) -> None:
    live = status(indexed)["current"]
    shutil.rmtree(indexed / "index" / live)
    done = run_cli(indexed, "ingest", str(indexed.parent / "kb"))
    assert done.returncode == 0, done.stderr
    assert indexed_texts(indexed) == BEFORE, "notes/ is read again from the recorded sources"


def test_rebuild_names_gone_sources_first(indexed: Path) -> None:
    shutil.rmtree(indexed.parent / "notes")
    done = run_cli(indexed, "ingest", "--rebuild", str(indexed.parent / "kb"))
    assert done.returncode == 0, done.stderr
    assert "gone and will be dropped" in done.stderr and "notes" in done.stderr
    assert indexed_texts(indexed) == {DOCS["kb/course.md"]}


def test_full_disk_during_the_write_is_one_line_and_keeps_the_index(
    indexed: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big"
    write(big, "huge.md", " ".join(f"word{i} sentence." for i in range(40_000)))
    # RLIMIT_FSIZE: writing past 64 KiB fails with EFBIG, as a full disk fails with ENOSPC
    done = run_cli(indexed, "ingest", str(big), file_size_limit=64 * 1024)
    assert done.returncode == 1, done.stderr
    line = error_line(done.stderr)
    assert line.startswith("Error: Could not write a new index version")
    assert "previous index is unchanged" in line
    assert indexed_texts(indexed) == BEFORE
    assert all(v["problem"] is None for v in status(indexed)["versions"])


def test_two_writers_at_once_both_land(indexed: Path, tmp_path: Path) -> None:
    first = write(tmp_path, "w1/one.md", "Writer one adds this.")
    second = write(tmp_path, "w2/two.md", "Writer two adds that.")
    results = {}

    def ingest(folder: Path) -> None:
        results[folder.name] = run_cli(indexed, "ingest", str(folder))

    threads = [threading.Thread(target=ingest, args=(p.parent,)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results.values()), results
    assert indexed_texts(indexed) == BEFORE | {"Writer one adds this.", "Writer two adds that."}
