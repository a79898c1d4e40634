import faiss
import numpy as np

from rag.chunking import Chunk
from rag.embeddings import HashingEmbedder
from rag.keyword import BM25, terms
from rag.retrieval import HybridRetriever

TEXTS = [
    ("Failure Modes > Data Drift", "Gradual input distribution changes degrade performance."),
    ("Failure Modes > Concept Drift", "Target variable relationships evolve."),
    ("Evaluation > Precision", "Of the items labelled positive, how many are actually positive."),
    ("Evaluation > MAE", "Mean absolute error averages absolute differences."),
]


def retriever(mode: str = "hybrid", top_k: int = 2) -> HybridRetriever:
    chunks = [
        Chunk(chunk_id=str(i), source="c.md", section=s, text=t, start=0, end=len(t))
        for i, (s, t) in enumerate(TEXTS)
    ]
    embedder = HashingEmbedder()
    vectors = embedder.embed([c.embed_text for c in chunks])
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(vectors)
    return HybridRetriever(chunks, vectors, index, embedder, mode=mode, top_k=top_k)  # type: ignore[arg-type]


def test_terms_are_stemmed_without_stop_words() -> None:
    assert terms("What are the Drifts in models?") == ["drift", "model"]


def test_bm25_prefers_documents_with_rare_query_terms() -> None:
    bm25 = BM25(["data drift happens", "concept drift happens", "precision and recall"])
    scores = bm25.scores("data drift")
    assert scores.argmax() == 0
    assert scores[2] == 0.0


def test_hybrid_fuses_and_exposes_every_score() -> None:
    passages = retriever().retrieve("data drift: input distribution changes")
    assert passages[0].section == "Failure Modes > Data Drift"
    top = passages[0]
    assert top.rank == 1 and top.fused_score > 0 and top.keyword_score > 0
    assert -1.0 <= top.dense_score <= 1.0
    assert [p.rank for p in passages] == [1, 2]


def test_modes_and_off() -> None:
    assert retriever("off").retrieve("data drift") == []
    keyword_only = retriever("keyword", top_k=4).retrieve("mean absolute error")
    assert keyword_only[0].section == "Evaluation > MAE"
    assert all(p.keyword_score > 0 for p in keyword_only)
    dense = retriever("dense", top_k=4).retrieve("absolute error")
    assert len(dense) == 4 and np.isfinite([p.dense_score for p in dense]).all()


def test_cached_embedder_embeds_each_text_once_and_keeps_order() -> None:
    from rag.embeddings import CachedEmbedder

    calls: list[list[str]] = []

    class Recording(HashingEmbedder):
        def embed(self, texts):  # type: ignore[no-untyped-def]
            calls.append(list(texts))
            return super().embed(texts)

    cached = CachedEmbedder(Recording(), max_entries=3)
    first = cached.embed(["a b", "c d", "a b"])
    assert calls == [["a b", "c d"]]
    again = cached.embed(["c d", "a b"])
    assert calls == [["a b", "c d"]]
    assert np.allclose(again, first[[1, 0]])
    cached.embed(["e f", "g h"])
    assert calls[-1] == ["e f", "g h"] and len(cached._cache) == 2, "full cache starts over"
