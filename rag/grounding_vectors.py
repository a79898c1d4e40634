"""Grounding vectors made during an ingestion, from the passages' own forward pass.

Grounding embeds every sentence of a retrieved passage (support check) and each sentence
with its section (quote candidates): more than ten texts per passage, 2.3 times the
passage tokens. Embedded alone they made a fresh index answerable only minutes after
`coursebot ingest`. Here each such text is located in the passage's embedded text
(`Chunk.embed_text` is the section, a newline, then the passage), and an embedder that
can (`OnnxEmbedder.embed_pooled`) mean-pools its tokens from the passage's forward pass:
no model call beyond the passage's own. Texts it cannot locate (a sentence whose quotes
grounding removed) or that lie past the tokenizer's truncation are embedded alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from rag.chunking import Chunk
from rag.embeddings import CachedEmbedder, Embedder, bulk_threads
from rag.grounding import grounding_texts
from rag.grounding_cache import MAX_TEXTS, read_vectors, save_vectors, texts_of

log = logging.getLogger(__name__)

Mode = Literal["pooled", "alone", "off"]
ALONE_BATCH = 4096
"""Texts per call when embedding alone: the embedder sorts a call by length, so short
sentences share batches with sentences of their own length."""
MAX_CHUNKS = MAX_TEXTS // 4
"""More passages than this have more grounding texts than are kept (about 12 each)."""

Vectors = npt.NDArray[np.float32]
Span = list[tuple[int, int]]


class PoolingEmbedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def embed_pooled(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[Vectors, list[list[Vectors | None]]]: ...


def text_spans(chunk: Chunk) -> list[tuple[str, Span | None]]:
    """Each grounding text of `chunk` with its character ranges in `chunk.embed_text`,
    or None where it is not a piece of it ("Section. First sentence" and "Section:
    sentence" are the section's range plus the sentence's)."""
    embedded = chunk.embed_text
    section = chunk.section
    body_at = len(section) + 1 if section else 0
    head: Span = [(0, len(section))] if section else []
    found: list[tuple[str, Span | None]] = []
    for text in grounding_texts(chunk.section, chunk.text):
        span: Span | None = None
        if section and text == f"{section}.":  # the heading, a sentence of its own
            found.append((text, head))
            continue
        for prefix in (f"{section}: ", f"{section}. ") if section else ():
            if text.startswith(prefix):
                rest = _find(embedded, text[len(prefix) :], body_at)
                span = head + rest if rest else None
                break
        else:
            span = _find(embedded, text, 0)
        found.append((text, span))
    return found


def _find(embedded: str, piece: str, start: int) -> Span | None:
    at = embedded.find(piece, start) if piece else -1
    return [(at, at + len(piece))] if at >= 0 else None


def embed_with_grounding(
    embedder: PoolingEmbedder, chunks: Sequence[Chunk]
) -> tuple[Vectors, dict[str, Vectors], list[str]]:
    """The chunks' vectors, the pooled vector of every grounding text located in its
    chunk, and the grounding texts left to embed alone (each once)."""
    located: list[list[tuple[str, Span]]] = []
    alone: dict[str, None] = {}
    for chunk in chunks:
        spans = text_spans(chunk)
        located.append([(t, s) for t, s in spans if s is not None])
        alone.update((t, None) for t, s in spans if s is None)
    vectors, pooled = embedder.embed_pooled(
        [c.embed_text for c in chunks], [[s for _, s in found] for found in located]
    )
    by_text: dict[str, Vectors] = {}
    for found, row in zip(located, pooled, strict=True):
        for (text, _), vector in zip(found, row, strict=True):
            if vector is None:
                alone.setdefault(text, None)
            else:
                by_text.setdefault(text, vector)
    return vectors, by_text, [t for t in alone if t not in by_text]


def supports_pooling(embedder: object) -> bool:
    return callable(getattr(embedder, "embed_pooled", None))


def write_grounding(
    embedder: Embedder,
    chunks: Sequence[Chunk],
    path: Path,
    *,
    pooled: dict[str, Vectors],
    threads: int | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> int:
    """Write the grounding vectors of every chunk of a new index to `path` (read by
    `GroundingPrimer` when the index is opened); returns how many texts it holds (0: not
    written, the index is too big for them to be kept).

    `embedder` is the question-time one (its name is the file's model). Texts come from
    `pooled` (this ingestion's passage pass), else from the file the previous index left
    (same model, usable format), else are embedded alone now, all cores, long calls.
    """
    if len(chunks) > MAX_CHUNKS:
        return 0
    texts = texts_of(chunks)
    if not texts or len(texts) > MAX_TEXTS:
        return 0
    known = {**read_vectors(path, embedder.name, standalone_only=not pooled), **pooled}
    missing = [t for t in texts if t not in known]
    inner = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    if on_progress:
        on_progress(0, len(missing), "grounding")
    with bulk_threads(inner, threads):
        for start in range(0, len(missing), ALONE_BATCH):
            part = missing[start : start + ALONE_BATCH]
            known.update(zip(part, inner.embed(part), strict=True))
            if on_progress:
                on_progress(start + len(part), len(missing), "grounding")
    vectors = np.stack([known[t] for t in texts]).astype(np.float32)
    method = "pooled" if pooled and not missing else "alone" if not pooled else "pooled+alone"
    try:
        save_vectors(path, embedder.name, texts, vectors, method)
    except OSError as exc:
        log.warning("could not save grounding vectors to %s: %s", path, exc)
        return 0
    return len(texts)
