"""The 8-bit copy of the bundled model: made once, really Q8_0, and never in the way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.components import make_generator
from rag.errors import ModelLoadError
from rag.generation import load_llama
from rag.paths import bundled_llm_path
from rag.settings import Settings
from rag.weights import _file_type, weights_to_load

Q4_1, Q8_0 = 3, 7


def test_the_bundled_model_is_converted_once_and_reused(tmp_path: Path) -> None:
    source = bundled_llm_path()
    copy = weights_to_load(source, tmp_path, "q8_0")
    assert copy != source and copy.parent == tmp_path
    assert _file_type(source) == Q4_1 and _file_type(copy) == Q8_0
    written = copy.stat().st_mtime_ns
    assert weights_to_load(source, tmp_path, "q8_0") == copy
    assert copy.stat().st_mtime_ns == written
    assert [p.name for p in tmp_path.iterdir()] == [copy.name], "no partial files left"


@pytest.mark.slow  # loads the GGUF
def test_the_copy_generates_like_the_original(tmp_path: Path) -> None:
    source = bundled_llm_path()
    copy = weights_to_load(source, tmp_path, "q8_0")
    prompt = "Data drift is"
    texts = []
    for path in (source, copy):
        llama = load_llama(path, n_ctx=256)
        try:
            out = llama(prompt, max_tokens=12, temperature=0.0)
            texts.append(out["choices"][0]["text"])
        finally:
            llama.close()
    first_words = [t.split()[:3] for t in texts]
    assert first_words[0] == first_words[1], texts


def test_off_and_fast_formats_load_the_file_as_it_is(tmp_path: Path) -> None:
    source = bundled_llm_path()
    assert weights_to_load(source, tmp_path / "a", "off") == source
    copy = weights_to_load(source, tmp_path / "b", "q8_0")
    assert weights_to_load(copy, tmp_path / "c", "q8_0") == copy, "Q8_0 is not converted again"
    assert not (tmp_path / "c").exists()


def test_a_corrupt_model_still_gets_the_clear_load_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    assert weights_to_load(broken, tmp_path / "models", "q8_0") == broken
    with pytest.raises(ModelLoadError, match="Could not load"):
        make_generator(Settings(data_dir=tmp_path, llm={"path": broken}))


def test_an_unwritable_cache_falls_back_to_the_original(tmp_path: Path) -> None:
    source = tmp_path / "model.gguf"
    shutil.copy(bundled_llm_path(), source)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    assert weights_to_load(source, blocker, "q8_0") == source


@pytest.mark.slow  # loads the GGUF
def test_a_damaged_copy_is_replaced_by_the_original_and_removed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    copy = weights_to_load(bundled_llm_path(), tmp_path / "models", "q8_0")
    copy.write_bytes(copy.read_bytes()[:1_000_000])
    generator = make_generator(settings)
    assert generator.model_path == bundled_llm_path() and not copy.exists()
    assert weights_to_load(bundled_llm_path(), tmp_path / "models", "q8_0") == copy
    assert copy.exists(), "the next start makes a fresh copy"
