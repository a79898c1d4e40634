from pathlib import Path

import pytest

from rag.embeddings import HashingEmbedder
from rag.errors import IndexCorrupt, IndexWriteFailed, NoDocuments
from rag.index import IndexStore
from rag.ingest import Ingestor

CHUNKING = {"max_chars": 400, "overlap_chars": 50}


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return super().embed(texts)


def make(tmp_path: Path) -> tuple[Ingestor, CountingEmbedder, IndexStore]:
    embedder = CountingEmbedder()
    store = IndexStore(tmp_path / "index")
    return Ingestor(store, embedder, CHUNKING, 1_000_000, tmp_path / "reports"), embedder, store


def write_kb(kb: Path) -> None:
    kb.mkdir(exist_ok=True)
    (kb / "drift.md").write_text("# Drift\n\n## Data Drift\n\nInputs change over time.\n")
    (kb / "fair.md").write_text("# Fairness\n\n## Parity\n\nRates should match across groups.\n")


def test_reingesting_unchanged_files_does_no_work(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write_kb(kb)
    ingestor, embedder, store = make(tmp_path)
    first = ingestor.run([kb])
    assert first.wrote_index and first.totals["indexed"] == 2
    embedded = embedder.embedded
    second = ingestor.run([kb])
    assert not second.wrote_index
    assert second.totals["unchanged"] == 2
    assert embedder.embedded == embedded
    assert len(store.load().chunks) == first.totals["chunks"]


def test_changed_file_is_reembedded_and_removed_file_leaves(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write_kb(kb)
    ingestor, _, store = make(tmp_path)
    ingestor.run([kb])
    (kb / "drift.md").write_text("# Drift\n\n## Concept Drift\n\nRelationships evolve.\n")
    (kb / "fair.md").unlink()
    report = ingestor.run([kb])
    statuses = {f.source: f.status for f in report.files}
    assert statuses == {"drift.md": "indexed", "fair.md": "removed"}
    texts = [c.text for c in store.load().chunks]
    assert texts == ["Relationships evolve."]


def test_duplicates_empty_and_broken_files_are_reported(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write_kb(kb)
    (kb / "copy.md").write_text((kb / "drift.md").read_text())
    (kb / "empty.txt").write_text("   \n")
    (kb / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (kb / "notes.docx").write_bytes(b"PK")
    (kb / "same-para.md").write_text("# Other\n\n## Data Drift\n\nInputs change over time.\n")
    ingestor, _, store = make(tmp_path)
    report = ingestor.run([kb])
    status = {f.source: (f.status, f.reason) for f in report.files}
    assert status["drift.md"] == ("duplicate", "same content as copy.md")
    assert status["empty.txt"] == ("skipped", "empty document")
    assert status["broken.pdf"][0] == "skipped" and "PDF" in status["broken.pdf"][1]
    assert status["notes.docx"][1].startswith("unsupported format")
    quality = report.quality
    assert quality["completeness"]["empty_files"] == ["empty.txt"]
    assert "broken.pdf" in quality["validity"]["rejected_files"]
    assert quality["uniqueness"]["duplicate_chunks_dropped"] == ["same-para.md > Data Drift"]
    assert quality["timeliness"]["newest_file"] is not None
    texts = [c.text for c in store.load().chunks]
    assert texts.count("Inputs change over time.") == 1
    assert (tmp_path / "reports" / "latest.md").read_text().startswith("# Ingestion report")


def test_folder_without_documents_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    ingestor, _, store = make(tmp_path)
    with pytest.raises(NoDocuments, match="No readable documents"):
        ingestor.run([tmp_path / "kb"])
    assert not store.exists()


def test_failed_ingest_keeps_previous_index(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write_kb(kb)
    ingestor, _, store = make(tmp_path)
    ingestor.run([kb])
    before = [c.text for c in store.load().chunks]
    for f in kb.iterdir():
        f.write_bytes(b"\x00binary now")
    with pytest.raises(NoDocuments):
        ingestor.run([kb])
    assert [c.text for c in store.load().chunks] == before


def test_crash_mid_write_leaves_previous_index_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = tmp_path / "kb"
    write_kb(kb)
    ingestor, _, store = make(tmp_path)
    ingestor.run([kb])
    before = [c.text for c in store.load().chunks]
    (kb / "new.md").write_text("# New\n\n## Section\n\nFresh passage.\n")

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("rag.index.faiss.write_index", crash)
    with pytest.raises(IndexWriteFailed, match=r"disk full.*previous index is unchanged"):
        ingestor.run([kb])
    monkeypatch.undo()
    assert [c.text for c in store.load().chunks] == before
    assert len(store.version_dirs()) == 1, "the half-written version was removed"


def test_corrupt_index_names_the_rebuild_command(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write_kb(kb)
    ingestor, _, store = make(tmp_path)
    version = ingestor.run([kb]) and next((tmp_path / "index").glob("v-*"))
    (version / "vectors.npy").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="coursebot ingest --rebuild"):
        store.load()
    report = ingestor.run([kb], rebuild=True)
    assert report.wrote_index and len(store.load().chunks) == report.totals["chunks"]


def test_same_named_files_of_two_folders_keep_their_own_names_and_chunks(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "course-a" / "pages", tmp_path / "course-b" / "pages"
    for folder, text in ((first, "Bagging averages trees."), (second, "Boosting fits residuals.")):
        folder.mkdir(parents=True)
        (folder / "index.md").write_text(f"# Ensembles\n\n{text}\n")
    ingestor, _, store = make(tmp_path)
    ingestor.run([first])
    report = ingestor.run([second])
    assert [f.status for f in report.files] == ["indexed"]
    by_source = {c.source: c.text for c in store.load().chunks}
    assert by_source == {
        "index.md": "Bagging averages trees.",
        "pages/index.md": "Boosting fits residuals.",
    }
    (second / "index.md").write_text("# Ensembles\n\nStacking learns a combiner.\n")
    ingestor.run([second])
    by_source = {c.source: c.text for c in store.load().chunks}
    assert by_source["index.md"] == "Bagging averages trees."
    assert by_source["pages/index.md"] == "Stacking learns a combiner."
    assert len(store.load().chunks) == 2


def test_a_page_copied_to_another_folder_is_a_duplicate_of_the_indexed_one(
    tmp_path: Path,
) -> None:
    original, copy = tmp_path / "a", tmp_path / "b"
    write_kb(original)
    copy.mkdir()
    (copy / "drift.md").write_text((original / "drift.md").read_text())
    ingestor, _, store = make(tmp_path)
    ingestor.run([original])
    report = ingestor.run([copy])
    assert [(f.status, f.reason) for f in report.files] == [
        ("duplicate", "same content as drift.md")
    ]
    assert report.totals["documents"] == 2
    assert sorted(c.source for c in store.load().chunks) == ["drift.md", "fair.md"]
