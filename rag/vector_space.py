"""Whether vectors recorded under one embedder's name can be searched with another's.

An index (and a grounding-vectors file) records the name of the embedder that made its
vectors. Two names can stand for the same vectors: the model run by torch (`<model>`)
and the same weights exported to ONNX at float precision (`<model>+onnx`) agree at
cosine > 0.9999, so an index built by either is opened by the other without a rebuild.
An int8 copy (`<model>+int8`, `<model>+onnx-int8`: cosine 0.93 and 0.99) or another
model is another vector space, and its index is rebuilt.

The name only says what the vectors should be; before an index made under another name
is used, `probe_problem` re-embeds a few of its own passages and requires the stored
vectors back at `MIN_COSINE`, so a different model that happens to share a folder name
or an export that went wrong is still refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.embeddings import Embedder, Vectors

FLOAT_RUNTIME_SUFFIXES = ("+onnx",)
"""Name suffixes of runtimes that compute a model's own float vectors."""
PROBE_ROWS = 4
"""Passages of the index re-embedded to check the vectors (spread over the index)."""
MIN_COSINE = 0.999
"""Each re-embedded passage must be at least this close to its stored vector: torch and
float ONNX agree at > 0.9999 on the course passages, the int8 copies at 0.93-0.99."""


def vector_space(name: str) -> str:
    """The model and precision an embedder's name stands for (its runtime left out)."""
    for suffix in FLOAT_RUNTIME_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def same_space(recorded: str, current: str) -> bool:
    """True when vectors recorded under `recorded` should equal `current`'s."""
    return vector_space(recorded) == vector_space(current)


def probe_rows(count: int, rows: int = PROBE_ROWS) -> list[int]:
    """Up to `rows` row numbers spread evenly over `count` rows (first and last included)."""
    if count <= 0:
        return []
    return sorted({round(float(r)) for r in np.linspace(0, count - 1, min(rows, count))})


def probe_problem(
    recorded: str, embedder: Embedder, texts: Sequence[str], vectors: Vectors
) -> str | None:
    """Why `embedder` cannot search `vectors` (made from `texts` by embedder `recorded`),
    or None when it can: the same name, or the same vector space with a few of the
    texts re-embedded at `MIN_COSINE` or closer to their stored vectors."""
    if recorded == embedder.name:
        return None
    if not same_space(recorded, embedder.name):
        return (
            f"The index was built with embedding model {recorded!r}, but the settings use "
            f"{embedder.name!r}."
        )
    rows = probe_rows(len(texts))
    if not rows:
        return None
    fresh = embedder.embed([texts[r] for r in rows])
    cosine = float((fresh * np.asarray(vectors[rows], dtype=np.float32)).sum(axis=1).min())
    if cosine < MIN_COSINE:
        return (
            f"The index was built with embedding model {recorded!r}; the settings' "
            f"{embedder.name!r} should give the same vectors but does not (cosine "
            f"{cosine:.4f} on the index's own passages, {MIN_COSINE} needed)."
        )
    return None
