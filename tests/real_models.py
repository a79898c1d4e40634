"""One loaded model and embedder for every real-model test, and assistants built on them.

Loading the bundled GGUF and MiniLM costs seconds and hundreds of megabytes each time, so
the test session loads them once (`RealModels.course`, the default assistant over kb/) and
builds any other assistant a test needs from the same loaded parts: other settings
(`max_answer_tokens`, abstention off, ...) and, for a test that ingests, its own data
folder holding a copy of the course index. No test changes the shared assistant: its
settings and documents are checked at the end of the session.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag import Assistant
    from rag.embeddings import Embedder

REPO = Path(__file__).resolve().parent.parent
COURSE_KB = REPO / "kb"
_DATABASE_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm")


class RealModels:
    """The session's real assistant over the course kb, and cheap variants of it."""

    def __init__(self, data_dir: Path) -> None:
        from rag import Assistant

        self.course = Assistant.from_settings(data_dir=data_dir, kb_paths=[COURSE_KB])
        self._fingerprint = self.course.settings.fingerprint()
        self._sources = _sources(self.course)
        self._variants: dict[str, Assistant] = {}
        self._torch: Embedder | None = None

    def torch_embedder(self) -> Embedder:
        """MiniLM on torch (`index.embedder="sentence-transformers"`), loaded once: the
        default embeds with its float ONNX export, and tests compare the two."""
        if self._torch is None:
            from rag.components import make_embedder

            settings = self.course.settings.with_overrides(
                {"index": {"embedder": "sentence-transformers"}}
            )
            self._torch = make_embedder(settings)
        return self._torch

    def assistant(self, data_dir: Path | None = None, **overrides: Any) -> Assistant:
        """An assistant on the loaded generator, embedder and generation lock.

        Args:
            data_dir: where its index and turn log live. Default: the course's own (the index
                is then shared read-only and the variant is built once per session). An
                empty folder gets a copy of the course index, unless `kb_paths` is given:
                then an index of those paths is built there with the loaded embedder.
            overrides: settings on top of the course assistant's, as for
                `Settings.with_overrides` (groups as nested dicts).
        """
        from rag import Assistant
        from rag.components import make_guards

        base = self.course
        if data_dir is None and {"data_dir", "kb_paths", "index"} & set(overrides):
            raise ValueError("an assistant over other documents needs its own data_dir")
        key = json.dumps(overrides, sort_keys=True, default=str)
        if data_dir is None and key in self._variants:
            return self._variants[key]
        if data_dir is not None:
            overrides = {**overrides, "data_dir": data_dir}
            if "kb_paths" not in overrides and not (data_dir / "index").exists():
                _copy_data(base.settings.data_dir, data_dir)
        settings = base.settings.with_overrides(overrides)
        if (
            settings.llm != base.settings.llm
            or settings.index.embedder != base.settings.index.embedder
        ):
            raise ValueError(
                "RealModels shares one loaded model and embedder; a test that needs another "
                "one loads it itself with Assistant.from_settings."
            )
        if settings.safety == base.settings.safety:
            guards = (base.input_guard, base.output_guard)
        else:
            guards = make_guards(settings, base.embedder)
        shared_dir = settings.data_dir == base.settings.data_dir
        bot = Assistant(
            settings,
            base.embedder,
            base.generator,
            input_guard=guards[0],
            output_guard=guards[1],
            turn_log=base.turn_log if shared_dir else None,
            generation_lock=base._generation_lock,
        )
        bot.open_index()
        if data_dir is None:
            self._variants[key] = bot
        return bot

    def check_unchanged(self) -> None:
        """Fail when a test changed the shared assistant's settings or its documents."""
        assert self.course.settings.fingerprint() == self._fingerprint, (
            "a test changed the shared real assistant's settings; build a variant with "
            "real_models.assistant(...) instead"
        )
        assert _sources(self.course) == self._sources, (
            "a test ingested into the shared real assistant's index; give it its own data "
            "folder with real_models.assistant(data_dir=tmp_path)"
        )


def _sources(bot: Assistant) -> list[str]:
    return [record.source for record in bot.documents()]


def _copy_data(source: Path, target: Path) -> None:
    """The course data folder (index, grounding vectors, reports) without its database."""
    shutil.copytree(
        source,
        target,
        dirs_exist_ok=True,
        ignore=lambda _dir, names: [n for n in names if n.endswith(_DATABASE_SUFFIXES)],
    )
