"""Grounding's passage vectors, embedded once per index and kept beside it.

Every answer is grounded against the sentences of its retrieved passages (support
check) and quoted from them (the opening quote). Embedding those sentences on each
question cost a few hundred milliseconds on 2 cores, before the first quoted words and
after the last generated token. They depend only on the indexed text, so they are
embedded when an index is first used and saved as `grounding-vectors.npz` in the index
folder; later starts load them. The file is only a cache: without it, or with a damaged
one, answers are the same, only slower.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from rag.chunking import Chunk
from rag.embeddings import CachedEmbedder, Embedder
from rag.grounding import grounding_texts

log = logging.getLogger(__name__)

CACHE_FILE = "grounding-vectors.npz"
MAX_TEXTS = 20_000
"""Beyond this many passage sentences, nothing is embedded ahead of time."""


def prime_grounding_vectors(embedder: Embedder, chunks: Sequence[Chunk], index_dir: Path) -> int:
    """Put the vectors of every text grounding may embed for `chunks` into the embedder's
    cache, from the saved file where possible; returns how many texts are primed."""
    if not isinstance(embedder, CachedEmbedder):
        return 0
    texts = list(dict.fromkeys(t for c in chunks for t in grounding_texts(c.section, c.text)))
    if not texts or len(texts) > MAX_TEXTS:
        return 0
    if not embedder.missing(texts):
        return len(texts)
    path = index_dir / CACHE_FILE
    embedder.load(path)
    if embedder.missing(texts):
        try:
            embedder.save(path, texts)
        except OSError as exc:
            log.warning("could not save grounding vectors to %s: %s", path, exc)
    return len(texts)
