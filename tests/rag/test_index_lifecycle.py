"""The index knows its sources, keeps versions, recovers CURRENT and rolls back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.embeddings import HashingEmbedder
from rag.errors import IndexCorrupt, IndexMissing
from rag.index import IndexStore
from rag.ingest import Ingestor

CHUNKING = {"max_chars": 400, "overlap_chars": 50}


def make(tmp_path: Path, keep: int = 3) -> tuple[Ingestor, IndexStore]:
    store = IndexStore(tmp_path / "data" / "index", keep_versions=keep)
    reports = tmp_path / "data" / "reports"
    ingestor = Ingestor(store, HashingEmbedder(), CHUNKING, 1_000_000, reports)
    return ingestor, store


def doc(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"# {name}\n\n## Part\n\n{text}\n")
    return path


def texts(store: IndexStore) -> set[str]:
    return {c.text for c in store.load().chunks}


def three_sources(tmp_path: Path, ingestor: Ingestor) -> None:
    doc(tmp_path / "kb", "course.md", "Drift degrades models.")
    doc(tmp_path / "notes", "extra.md", "Notes about fairness.")
    upload = doc(tmp_path / "data" / "uploads", "slides.md", "Uploaded slides text.")
    ingestor.run([tmp_path / "kb"])
    ingestor.run([tmp_path / "notes"])
    ingestor.run([upload])


ALL = {"Drift degrades models.", "Notes about fairness.", "Uploaded slides text."}


def test_every_source_is_recorded_with_its_kind(tmp_path: Path) -> None:
    ingestor, store = make(tmp_path)
    three_sources(tmp_path, ingestor)
    kinds = {Path(s.path).name: s.kind for s in store.known_sources()}
    assert kinds == {"kb": "folder", "notes": "folder", "slides.md": "upload"}
    assert texts(store) == ALL


def test_rebuild_reads_every_recorded_source_and_names_the_gone_ones(tmp_path: Path) -> None:
    ingestor, store = make(tmp_path)
    three_sources(tmp_path, ingestor)
    for f in (tmp_path / "notes").iterdir():
        f.unlink()
    (tmp_path / "notes").rmdir()
    plan = ingestor.plan([tmp_path / "kb"], rebuild=True)
    assert [Path(s.path).name for s in plan.gone] == ["notes"]
    report = ingestor.run([tmp_path / "kb"], rebuild=True)
    assert report.wrote_index and report.dropped_sources == [str((tmp_path / "notes").resolve())]
    assert texts(store) == ALL - {"Notes about fairness."}
    assert "Sources gone and dropped" in report.to_markdown()


def test_deleted_current_is_recovered_not_rebuilt(tmp_path: Path) -> None:
    ingestor, store = make(tmp_path)
    three_sources(tmp_path, ingestor)
    (store.dir / "CURRENT").unlink()
    assert store.exists(), "versions on disk: an index to recover, never a first build"
    assert texts(store) == ALL
    assert store.pointer() is not None
    # an incremental run from the defaults keeps everything too
    report = ingestor.run([tmp_path / "kb"])
    assert not report.rebuilt and texts(store) == ALL


def test_garbage_or_dangling_current_is_recovered(tmp_path: Path) -> None:
    ingestor, store = make(tmp_path)
    three_sources(tmp_path, ingestor)
    (store.dir / "CURRENT").write_bytes(b"\xff\x00garbage")
    assert texts(store) == ALL
    (store.dir / "CURRENT").write_text("v-does-not-exist")
    assert texts(store) == ALL


def test_deleted_live_version_falls_back_to_the_newest_intact_one(tmp_path: Path) -> None:
    ingestor, store = make(tmp_path)
    three_sources(tmp_path, ingestor)
    live = store.dir / (store.pointer() or "")
    for f in live.iterdir():
        f.unlink()
    live.rmdir()
    assert texts(store) == ALL - {"Uploaded slides text."}
    report = ingestor.run([tmp_path / "kb"])
    assert texts(store) == ALL and report.wrote_index, "the lost upload is read again"


def test_only_the_last_versions_are_kept_and_rollback_goes_back_one(tmp_path: Path) -> None:
    ingestor, store = make(tmp_path, keep=2)
    three_sources(tmp_path, ingestor)
    assert len(store.version_dirs()) == 2
    back = store.rollback()
    assert back == store.pointer() and texts(store) == ALL - {"Uploaded slides text."}
    with pytest.raises(IndexCorrupt, match="No older intact index version"):
        store.rollback()
    ingestor.run([tmp_path / "kb"])
    assert texts(store) == ALL - {"Uploaded slides text."}, "rolled back with its sources"


def test_no_intact_version_is_an_error_not_a_silent_rebuild(tmp_path: Path) -> None:
    ingestor, store = make(tmp_path)
    doc(tmp_path / "kb", "course.md", "Drift degrades models.")
    ingestor.run([tmp_path / "kb"])
    version = store.version_dirs()[0]
    (version / "vectors.npy").write_bytes(b"broken")
    (store.dir / "CURRENT").unlink()
    with pytest.raises(IndexCorrupt, match="coursebot ingest --rebuild"):
        store.load()
    with pytest.raises(IndexCorrupt):
        ingestor.run([tmp_path / "kb"])
    assert ingestor.run([tmp_path / "kb"], rebuild=True).wrote_index


def test_nothing_built_is_missing(tmp_path: Path) -> None:
    _, store = make(tmp_path)
    assert not store.exists()
    with pytest.raises(IndexMissing):
        store.load()


def test_symlink_loops_are_reported(tmp_path: Path) -> None:
    ingestor, _ = make(tmp_path)
    kb = tmp_path / "kb"
    doc(kb, "course.md", "Drift degrades models.")
    os.symlink(kb / "b.md", kb / "a.md")
    os.symlink(kb / "a.md", kb / "b.md")
    os.symlink(kb, kb / "self")
    report = ingestor.run([kb])
    reasons = {f.source: f.reason for f in report.files if f.status == "skipped"}
    assert reasons == {
        "a.md": "symlink loop",
        "b.md": "symlink loop",
        "self": "symlinked folder, not followed",
    }


def test_two_runs_in_one_second_keep_two_reports(tmp_path: Path) -> None:
    ingestor, _ = make(tmp_path)
    doc(tmp_path / "kb", "course.md", "Drift degrades models.")
    first = ingestor.run([tmp_path / "kb"])
    second = ingestor.run([tmp_path / "kb"])
    reports = sorted((tmp_path / "data" / "reports").glob("ingest-*.json"))
    assert len(reports) == 2 and first.report_id != second.report_id
