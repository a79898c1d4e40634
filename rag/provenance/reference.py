"""Vectors of the documents' chunks and paragraphs: what a paraphrase match must beat.

A text is matched to a remembered answer by embedding only when it is clearly closer to
that answer than to any passage of the documents; otherwise a course paragraph would
match every answer that quoted it. The vectors are computed once per set of chunks and
kept in `cache_dir`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rag.chunking import Chunk
from rag.embeddings import Embedder

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def documents(chunks: Sequence[Chunk]) -> list[str]:
    """Each source's text rebuilt from its chunks (chunk text is document[start:end]);
    what no chunk covers (headings, blank lines) becomes line breaks."""
    by_source: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_source.setdefault(chunk.source, []).append(chunk)
    rebuilt = []
    for parts in by_source.values():
        chars = ["\n"] * max(c.end for c in parts)
        for chunk in parts:
            chars[chunk.start : chunk.start + len(chunk.text)] = list(chunk.text)
        rebuilt.append("".join(chars))
    return rebuilt


def reference_texts(chunks: Sequence[Chunk], min_words: int = 8) -> list[str]:
    """Each chunk's text, and every paragraph of at least `min_words` words of the chunks
    and of the documents rebuilt from them (a paragraph may span two chunks)."""
    texts = [c.text for c in chunks]
    for text in [*texts, *documents(chunks)]:
        texts.extend(p.strip() for p in _PARAGRAPH_BREAK.split(text) if len(p.split()) >= min_words)
    return list(dict.fromkeys(t for t in texts if t.strip()))


def reference_vectors(
    embedder: Embedder, chunks: Sequence[Chunk], cache_dir: Path | None = None
) -> npt.NDArray[np.float32]:
    """Embeddings of `reference_texts(chunks)`, read from or written to `cache_dir`."""
    texts = reference_texts(chunks)
    digest = hashlib.sha256(json.dumps([embedder.name, texts]).encode()).hexdigest()[:16]
    path = cache_dir / f"reference-{digest}.npy" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            cached = np.load(path, allow_pickle=False)
            if cached.shape[0] == len(texts):
                return np.asarray(cached, dtype=np.float32)
        except (OSError, ValueError):
            pass
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        with partial.open("wb") as handle:
            np.save(handle, vectors)
        os.replace(partial, path)
    return vectors
