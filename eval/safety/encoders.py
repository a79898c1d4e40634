"""The encoders the safety evaluation and training hand to the guards: the app's own.

`safety/` imports nothing of ours, so the guards cannot build MiniLM's ONNX export
themselves; these build it through `rag.components` exactly as the app does, so what is
measured and fitted is what runs.
"""

from __future__ import annotations

from pathlib import Path

from rag.components import guard_embedder, guard_onnx, make_embedder
from rag.onnx_export import Precision
from rag.paths import bundled_embedding_path
from rag.settings import Settings
from safety.toxicity.encoder import Encoder


def onnx_encoder(precision: Precision, threads: int = 1, cache_root: Path | None = None) -> Encoder:
    """The bundled MiniLM's ONNX export at `precision`, as the app's guards embed with it
    (int8: one text per forward pass, so a text's vector does not depend on its batch)."""
    return guard_onnx(bundled_embedding_path(), precision, threads, cache_root).embed


def app_guard_encoder(settings: Settings) -> Encoder:
    """What the app's guards embed with under `settings` (`rag.components.guard_embedder`)."""
    return guard_embedder(settings, make_embedder(settings)).embed
