"""Counting real model loads, so that a test that loads one without the `slow` mark fails.

`make test-fast` runs `-m "not slow and not browser"` and must stay fast; a test that loads
the GGUF or a sentence-transformers model belongs to the slow set. Successful constructions
of `llama_cpp.Llama` (vocabulary-only loads excepted) and `SentenceTransformer` are counted,
and a test that is the first to import `sentence_transformers` (seconds of torch and
transformers) counts as loading too: after that import, its class is counted as well.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

WATCHED = {"llama_cpp": "Llama", "sentence_transformers": "SentenceTransformer"}
"""Module -> the class whose construction is a real model load."""
CHEAP_TO_IMPORT = ("llama_cpp",)
"""Imported up front so that even the first construction is counted."""
REAL_FIXTURES = frozenset({"real_models", "safety_encoder"})
"""Fixtures that hold a real model: a test using one is a real-model test."""


class ModelLoads:
    """Every real model load of the session, in order."""

    def __init__(
        self, watched: dict[str, str] = WATCHED, cheap: tuple[str, ...] = CHEAP_TO_IMPORT
    ) -> None:
        self.watched = watched
        self.cheap = cheap
        self.loads: list[str] = []
        self._patched: set[str] = set()

    def start(self) -> None:
        for name in self.cheap:
            try:
                importlib.import_module(name)
            except ImportError:
                continue
        self.watch()

    def watch(self) -> None:
        """Count constructions of the watched classes whose modules are imported by now."""
        for module_name, class_name in self.watched.items():
            module = sys.modules.get(module_name)
            if module is None or module_name in self._patched:
                continue
            cls = getattr(module, class_name, None)
            if cls is None:
                continue
            cls.__init__ = self._counting(cls.__init__, f"{module_name}.{class_name}")
            self._patched.add(module_name)

    def _counting(self, init: Callable[..., None], label: str) -> Callable[..., None]:
        def counted(instance: Any, *args: Any, **kwargs: Any) -> None:
            init(instance, *args, **kwargs)  # a file that fails to load is no load
            if not kwargs.get("vocab_only"):
                self.loads.append(label)

        return counted

    def mark(self) -> tuple[int, frozenset[str]]:
        """Where the count stands now, for `since`."""
        return len(self.loads), frozenset(name for name in self.watched if name in sys.modules)

    def since(self, mark: tuple[int, frozenset[str]]) -> list[str]:
        """The loads after `mark` (a first import of sentence_transformers included)."""
        count, imported = mark
        first_imports = [
            f"import {name}"
            for name in self.watched
            if name not in self.cheap and name in sys.modules and name not in imported
        ]
        return self.loads[count:] + first_imports
