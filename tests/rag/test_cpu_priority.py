"""Work run at lowered priority: in its own niced thread, with the caller's context, its
result or exception handed back, the caller's own priority untouched."""

from __future__ import annotations

import contextvars
import os
import threading
from pathlib import Path

import pytest

from rag.cpu_priority import BACKGROUND_NICE, run_lowered, this_thread_lowered
from rag.embeddings import HashingEmbedder
from rag.knowledge import KnowledgeBase
from rag.settings import load_settings

REQUEST: contextvars.ContextVar[str] = contextvars.ContextVar("request", default="none")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_work_runs_niced_in_another_thread_with_the_callers_context() -> None:
    REQUEST.set("upload-7")
    before = _nice()
    seen = run_lowered(lambda: (threading.get_ident(), _nice(), REQUEST.get()))
    assert seen[0] != threading.get_ident()
    assert seen[1] >= BACKGROUND_NICE and seen[2] == "upload-7"
    assert _nice() == before and not this_thread_lowered()


def test_the_works_exception_is_raised_in_the_caller() -> None:
    def fail() -> None:
        raise ValueError("broken page")

    with pytest.raises(ValueError, match="broken page"):
        run_lowered(fail)


def test_an_ingestion_of_the_knowledge_base_runs_lowered_on_every_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "drift.md").write_text("# Drift\n\nInputs change over time.\n")
    settings = load_settings(data_dir=tmp_path / "data", kb_paths=[kb])
    calls: list[tuple[int, int | None]] = []
    from rag import ingest

    real_run = ingest.Ingestor.run

    def spy(self: ingest.Ingestor, *args: object, **kwargs: object) -> ingest.IngestReport:
        calls.append((_nice(), kwargs.get("threads")))  # type: ignore[arg-type]
        return real_run(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest.Ingestor, "run", spy)
    knowledge = KnowledgeBase(settings, HashingEmbedder())
    report = knowledge.ingest()
    assert report.totals["indexed"] == 1
    assert calls == [(max(BACKGROUND_NICE, _nice()), os.cpu_count())]
    assert not this_thread_lowered()
    assert knowledge.retrieve("inputs change")
    knowledge.close()
