"""The counter behind "a test that loads a real model must be marked slow"."""

from __future__ import annotations

import sys
import types

import pytest

from tests.model_loads import ModelLoads


def _fake_module(name: str, class_name: str) -> types.ModuleType:
    module = types.ModuleType(name)

    class Model:
        def __init__(self, *args: object, **kwargs: object) -> None:
            if args == ("broken",):
                raise ValueError("not a model file")
            self.args = args

    setattr(module, class_name, Model)
    return module


def test_loads_are_counted_but_vocabulary_only_and_failed_loads_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _fake_module("fake_llama", "Llama")
    monkeypatch.setitem(sys.modules, "fake_llama", fake)
    loads = ModelLoads({"fake_llama": "Llama"}, cheap=("fake_llama",))
    loads.watch()
    mark = loads.mark()
    fake.Llama(model_path="x.gguf", vocab_only=True)  # type: ignore[attr-defined]
    assert loads.since(mark) == []
    with pytest.raises(ValueError):
        fake.Llama("broken")  # type: ignore[attr-defined]
    assert loads.since(mark) == []
    fake.Llama(model_path="x.gguf")  # type: ignore[attr-defined]
    assert loads.since(mark) == ["fake_llama.Llama"]


def test_a_first_import_of_an_expensive_library_counts_and_is_watched_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads = ModelLoads({"fake_st": "SentenceTransformer"}, cheap=())
    mark = loads.mark()
    fake = _fake_module("fake_st", "SentenceTransformer")
    monkeypatch.setitem(sys.modules, "fake_st", fake)
    assert loads.since(mark) == ["import fake_st"]
    loads.watch()
    mark = loads.mark()
    fake.SentenceTransformer("folder")  # type: ignore[attr-defined]
    assert loads.since(mark) == ["fake_st.SentenceTransformer"]
