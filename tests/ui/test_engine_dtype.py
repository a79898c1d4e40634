"""vLLM's number type follows the machine: float32 on a CPU without bfloat16 instructions."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety.watermark.config import WatermarkConfig
from ui.engine.dtype import cpu_flags, engine_dtype, has_accelerator
from ui.engine.replicas import EngineOptions, replica_command

AVX2_ONLY = frozenset({"sse4_2", "avx", "avx2", "fma"})
SAPPHIRE_RAPIDS = AVX2_ONLY | {"avx512f", "avx512_bf16", "amx_bf16"}


def test_a_cpu_without_bfloat16_instructions_computes_in_float32() -> None:
    assert engine_dtype("auto", flags=AVX2_ONLY, accelerator=False) == "float32"


def test_a_cpu_with_bfloat16_instructions_computes_in_bfloat16() -> None:
    assert engine_dtype("auto", flags=SAPPHIRE_RAPIDS, accelerator=False) == "bfloat16"
    assert engine_dtype("auto", flags=AVX2_ONLY | {"avx512_bf16"}, accelerator=False) == "bfloat16"


def test_a_gpu_machine_leaves_the_choice_to_vllm() -> None:
    assert engine_dtype("auto", flags=AVX2_ONLY, accelerator=True) == "auto"


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
def test_an_explicit_dtype_is_kept(dtype: str) -> None:
    assert engine_dtype(dtype, flags=AVX2_ONLY, accelerator=False) == dtype  # type: ignore[arg-type]


def test_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx2 avx512_bf16\n\n"
        "processor\t: 1\nflags\t\t: fpu sse2 avx2 avx512_bf16\n"
    )
    assert cpu_flags(cpuinfo) == {"fpu", "sse2", "avx2", "avx512_bf16"}


def test_missing_cpuinfo_means_no_flags(tmp_path: Path) -> None:
    assert cpu_flags(tmp_path / "absent") == frozenset()


def test_a_gpu_is_seen_by_its_driver_node(tmp_path: Path) -> None:
    assert not has_accelerator(tmp_path)
    (tmp_path / "nvidiactl").touch()
    assert has_accelerator(tmp_path)


def test_the_replica_is_started_with_the_resolved_dtype(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ui.engine.dtype.cpu_flags", lambda: AVX2_ONLY)
    monkeypatch.setattr("ui.engine.dtype.has_accelerator", lambda: False)
    options = EngineOptions(
        model_dir=tmp_path, watermark=WatermarkConfig(), log_dir=tmp_path, python=tmp_path / "py"
    )
    command = replica_command(options, 8123)
    assert command[command.index("--dtype") + 1] == "float32"
    options.dtype = "bfloat16"
    command = replica_command(options, 8123)
    assert command[command.index("--dtype") + 1] == "bfloat16"
