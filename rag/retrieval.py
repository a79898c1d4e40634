"""Hybrid retrieval: FAISS dense search and BM25 keyword search, fused by reciprocal rank.

Dense similarity finds paraphrases; BM25 finds exact terms (names, numbers, acronyms).
Reciprocal rank fusion (Cormack et al., 2009) combines the two rankings without having to
calibrate their scores against each other. Every score is kept on the returned passages,
and the dense cosine is what the abstention threshold looks at.
"""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np

from rag.answer import Passage
from rag.chunking import Chunk
from rag.embeddings import Embedder, Vectors
from rag.keyword import BM25

Mode = Literal["hybrid", "dense", "keyword", "off"]


class Retriever(Protocol):
    """Finds the passages most relevant to a query, best first."""

    def retrieve(self, query: str) -> list[Passage]: ...


class HybridRetriever:
    """Dense + keyword retrieval over one loaded index."""

    def __init__(
        self,
        chunks: list[Chunk],
        vectors: Vectors,
        faiss_index: object,
        embedder: Embedder,
        *,
        mode: Mode = "hybrid",
        top_k: int = 4,
        candidate_k: int = 20,
        rrf_k: int = 60,
    ) -> None:
        self.chunks = chunks
        self.vectors = vectors
        self.faiss_index = faiss_index
        self.embedder = embedder
        self.mode = mode
        self.top_k = top_k
        self.candidate_k = candidate_k
        self.rrf_k = rrf_k
        self.bm25 = BM25([c.embed_text for c in chunks])
        self._vocabulary: frozenset[str] | None = None

    def vocabulary(self) -> frozenset[str]:
        """The indexed terms, hyphenated ones also in their parts ("70b-paramet": "70b")."""
        if self._vocabulary is None:
            words = self.bm25.vocabulary
            parts = {part for word in words if "-" in word for part in word.split("-") if part}
            self._vocabulary = words | parts
        return self._vocabulary

    def retrieve(self, query: str) -> list[Passage]:
        if self.mode == "off" or not self.chunks:
            return []
        query_vector = self.embedder.embed([query])[0]
        dense_scores = self.vectors @ query_vector
        keyword_scores = self.bm25.scores(query)
        k = min(self.candidate_k, len(self.chunks))
        rankings: list[list[int]] = []
        if self.mode in ("hybrid", "dense"):
            _, ids = self.faiss_index.search(query_vector.reshape(1, -1), k)  # type: ignore[attr-defined]
            rankings.append([int(i) for i in ids[0] if i >= 0])
        if self.mode in ("hybrid", "keyword"):
            order = np.argsort(-keyword_scores, kind="stable")[:k]
            rankings.append([int(i) for i in order if keyword_scores[i] > 0])
        fused: dict[int, float] = {}
        for ranking in rankings:
            for rank, idx in enumerate(ranking):
                fused[idx] = fused.get(idx, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        best = sorted(fused, key=lambda i: (-fused[i], -dense_scores[i]))[: self.top_k]
        return [
            Passage(
                chunk_id=self.chunks[i].chunk_id,
                source=self.chunks[i].source,
                section=self.chunks[i].section,
                page=self.chunks[i].page,
                text=self.chunks[i].text,
                start=self.chunks[i].start,
                end=self.chunks[i].end,
                dense_score=float(dense_scores[i]),
                keyword_score=float(keyword_scores[i]),
                fused_score=fused[i],
                rank=rank + 1,
            )
            for rank, i in enumerate(best)
        ]
