"""The ONNX export cache: made once per model folder, reused, and made again when damaged."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from rag import onnx_export
from rag.errors import ModelLoadError
from rag.onnx_export import folder_hash, onnx_model


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 4}')
    return folder


@pytest.fixture
def exports(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Stand-ins for the torch export and the quantiser, recording each file they make."""
    made: list[Path] = []

    def export_float(model_dir: Path, out: Path) -> None:
        out.write_bytes(b"float graph of " + model_dir.name.encode())
        made.append(out)

    def quantize(float_path: Path, out: Path) -> None:
        out.write_bytes(b"int8 of " + float_path.read_bytes())
        made.append(out)

    monkeypatch.setattr(onnx_export, "_export_float", export_float)
    monkeypatch.setattr(onnx_export, "_quantize", quantize)
    return made


def test_an_export_is_made_once_and_reused(
    model_dir: Path, tmp_path: Path, exports: list[Path]
) -> None:
    first = onnx_model(model_dir, "int8", tmp_path / "cache")
    assert first.read_bytes().startswith(b"int8 of float graph") and len(exports) == 2
    assert onnx_model(model_dir, "int8", tmp_path / "cache") == first
    assert onnx_model(model_dir, "float", tmp_path / "cache").name == "model-float.onnx"
    assert len(exports) == 2  # the float export made for int8 is reused too
    assert not list(first.parent.glob("*.partial"))


def test_another_model_folder_gets_its_own_export(
    model_dir: Path, tmp_path: Path, exports: list[Path]
) -> None:
    before = folder_hash(model_dir)
    first = onnx_model(model_dir, "int8", tmp_path / "cache")
    (model_dir / "config.json").write_text('{"hidden_size": 8}')
    assert folder_hash(model_dir) != before
    assert onnx_model(model_dir, "int8", tmp_path / "cache").parent != first.parent


def test_a_damaged_export_is_made_again_with_a_clear_line(
    model_dir: Path, tmp_path: Path, exports: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    path = onnx_model(model_dir, "int8", tmp_path / "cache")
    path.write_bytes(b"truncat")
    with caplog.at_level(logging.WARNING, logger="rag.onnx_export"):
        again = onnx_model(model_dir, "int8", tmp_path / "cache")
    assert again.read_bytes().startswith(b"int8 of float graph")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "is damaged (checksum mismatch); exporting it again" in lines[0]


def test_a_failed_export_says_how_to_go_on_without_it(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(model_dir: Path, out: Path) -> None:
        out.write_bytes(b"half")
        raise ModelLoadError("Exporting failed: no space. Set COURSEBOT_INDEX__EMBEDDER=...")

    monkeypatch.setattr(onnx_export, "_export_float", broken)
    with pytest.raises(ModelLoadError, match="COURSEBOT_INDEX__EMBEDDER"):
        onnx_model(model_dir, "float", tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("*.onnx*"))  # nothing half-written is kept


def _age(*paths: Path) -> None:
    """Date files an hour back, as installed weights and older exports are."""
    for path in paths:
        os.utime(path, (time.time() - 3600, time.time() - 3600))


def test_a_settled_model_folder_is_hashed_once_and_again_when_it_changes(
    model_dir: Path, tmp_path: Path, exports: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    _age(model_dir / "config.json")
    first = onnx_model(model_dir, "float", cache)
    with monkeypatch.context() as patched:

        def no_hash(folder: Path) -> str:
            raise AssertionError("the remembered hash should have been used")

        patched.setattr(onnx_export, "folder_hash", no_hash)
        assert onnx_model(model_dir, "float", cache) == first
    (model_dir / "config.json").write_text('{"hidden_size": 8}')  # same size, new mtime
    assert onnx_model(model_dir, "float", cache).parent != first.parent


def test_a_fresh_file_is_hashed_every_time(model_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    onnx_export.model_hash(model_dir, tmp_path / "cache")
    assert not (tmp_path / "cache" / "model-hashes.json").exists()  # changed just now


def test_a_verified_export_is_not_read_again_until_it_changes(
    model_dir: Path,
    tmp_path: Path,
    exports: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = tmp_path / "cache"
    path = onnx_model(model_dir, "float", cache)
    _age(path)
    assert onnx_model(model_dir, "float", cache) == path  # checked in full, remembered
    assert path.with_suffix(".verified").is_file()
    with monkeypatch.context() as patched:

        def no_read(target: Path) -> str:
            raise AssertionError("the verified file should not be read again")

        patched.setattr(onnx_export, "file_sha256", no_read)
        assert onnx_model(model_dir, "float", cache) == path
    path.write_bytes(b"trunc")
    with caplog.at_level(logging.WARNING, logger="rag.onnx_export"):
        onnx_model(model_dir, "float", cache)
    assert any("is damaged (checksum mismatch)" in r.getMessage() for r in caplog.records)
    assert path.read_bytes().startswith(b"float graph")


def test_the_int8_copy_is_quantised_from_the_float_export_already_made(
    model_dir: Path, tmp_path: Path, exports: list[Path]
) -> None:
    onnx_model(model_dir, "float", tmp_path / "cache")
    assert [p.name for p in exports] == [f"model-float.onnx.{os.getpid()}.partial"]
    onnx_model(model_dir, "int8", tmp_path / "cache")
    assert len(exports) == 2 and exports[1].name.startswith("model-int8.onnx")
