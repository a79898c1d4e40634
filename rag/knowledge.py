"""The knowledge base the assistant answers from: its index on disk and the retriever over it.

Opening, building, refreshing and searching the index live here, apart from answering,
so the lifecycle (first build, settings checks, incremental ingestion) reads in one place.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from rag.answer import Passage
from rag.components import make_ingestor
from rag.cpu_priority import run_lowered
from rag.embeddings import Embedder, passage_embedder
from rag.errors import IndexCorrupt, IndexMissing
from rag.grounding_cache import GroundingPrimer
from rag.index import (
    REBUILD_HINT,
    FileRecord,
    IndexData,
    IndexStore,
    manifest_settings_problem,
)
from rag.ingest import IngestReport, ProgressCallback
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.vector_space import probe_problem


class KnowledgeBase:
    """The index under `settings.index_dir`, searched with `settings.retrieval`. Thread-safe."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = IndexStore(settings.index_dir, keep_versions=settings.index.keep_versions)
        self._retriever: HybridRetriever | None = None
        self._primer: GroundingPrimer | None = None
        self._ingest_lock = threading.Lock()

    def open(self) -> None:
        """Load the index, building it from `kb_paths` when there is none yet.

        Raises:
            IndexCorrupt: the index is damaged or was built with other settings.
        """
        if not self.store.exists():
            self.ingest()
            return
        manifest = self.store.read_manifest()
        passages = passage_embedder(self.embedder, self.settings.index.passage_quantization)
        problem = manifest_settings_problem(manifest, passages.name, self.settings.index.chunking)
        if problem:
            raise IndexCorrupt(f"{problem} {REBUILD_HINT}")
        data = self.store.load()
        texts = [c.embed_text for c in data.chunks]
        problem = probe_problem(manifest.embedding_model, passages, texts, data.vectors)
        if problem:
            raise IndexCorrupt(f"{problem} {REBUILD_HINT}")
        self.reload(data)

    def reload(self, data: IndexData | None = None) -> None:
        """(Re)build the retriever over `data`, or over the index as it is on disk now."""
        data = data or self.store.load()
        retrieval = self.settings.retrieval
        self._retriever = HybridRetriever(
            data.chunks,
            data.vectors,
            data.faiss_index,
            self.embedder,
            mode=retrieval.mode,
            top_k=retrieval.top_k,
            candidate_k=retrieval.candidate_k,
            rrf_k=retrieval.rrf_k,
        )
        if self._primer is not None:
            self._primer.stop()
        self._primer = GroundingPrimer(self.embedder, data.chunks, self.settings.index_dir).start()

    def close(self) -> None:
        """Stop priming grounding vectors in the background (for shutdown)."""
        if self._primer is not None:
            self._primer.stop()

    def wait_until_primed(self, timeout: float | None = None) -> bool:
        """Block until the grounding vectors of the loaded index are all embedded (they
        are embedded in the background, between questions); True when they are."""
        return self._primer is None or self._primer.wait(timeout)

    def ingest(
        self,
        paths: Sequence[Path] | None = None,
        *,
        rebuild: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Index new or changed documents (default: `kb_paths`) and start using them.

        The ingestion runs on every core at a lowered CPU priority, in a thread of its
        own (`rag.cpu_priority.run_lowered`): in a running app (an upload) it takes
        the cores answers leave free and yields them as soon as a question comes;
        alone, it runs at full speed. It used one embedding thread before, half the
        speed on two idle cores."""
        ingestor = make_ingestor(self.settings, self.embedder)
        given = list(paths or self.settings.kb_paths)
        with self._ingest_lock:
            report = run_lowered(
                lambda: ingestor.run(
                    given, rebuild=rebuild, on_progress=on_progress, threads=os.cpu_count()
                )
            )
            self.reload()
            return report

    def documents(self) -> list[FileRecord]:
        """The documents in the index."""
        try:
            return sorted(self.store.read_manifest().files.values(), key=lambda f: f.source)
        except IndexMissing:
            return []

    def last_report(self) -> IngestReport | None:
        """The data-quality report of the last ingestion, if there was one."""
        path = self.settings.reports_dir / "latest.json"
        return IngestReport.model_validate_json(path.read_text()) if path.is_file() else None

    def vocabulary(self) -> frozenset[str]:
        """The terms of the loaded index (empty when none is loaded): what the documents
        can be asked about by name."""
        return self._retriever.vocabulary() if self._retriever is not None else frozenset()

    def retrieve(self, question: str) -> list[Passage]:
        """The top passages for `question`.

        Raises:
            IndexMissing: no index is loaded.
        """
        if self._retriever is None:
            raise IndexMissing("No index loaded. Build it with `coursebot ingest`.")
        if self._primer is not None:
            self._primer.touch()
        return self._retriever.retrieve(question)
