"""Which number type vLLM computes in on the machine it runs on.

vLLM's CPU build computes in bfloat16 fast only where the processor has bfloat16
instructions (AVX-512 BF16 or AMX). Elsewhere every bfloat16 product is converted to and
from float32 in software: on a 2-core AMD EPYC with AVX2 only, the bundled model made about
25 tokens/s at 32 requests at once in bfloat16 and about 100 in float32, measured one after
the other with the same requests (2026-12-03). GPUs are left to vLLM's own choice ("auto",
float16 or bfloat16 by what the card supports).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

EngineDtype = Literal["auto", "float32", "bfloat16", "float16"]

BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
"""CPU flags (as /proc/cpuinfo names them) of native bfloat16 arithmetic."""

CPUINFO = Path("/proc/cpuinfo")
ACCELERATOR_DEVICES = ("nvidiactl", "kfd")
"""Device nodes of an NVIDIA (CUDA) or AMD (ROCm) driver under /dev."""


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The processor's feature flags, empty where the file is missing (not Linux)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def has_accelerator(devices: Path = Path("/dev")) -> bool:
    """Whether a GPU driver's device node exists, so vLLM may run on a GPU here."""
    return any((devices / name).exists() for name in ACCELERATOR_DEVICES)


def engine_dtype(
    requested: EngineDtype,
    *,
    flags: frozenset[str] | None = None,
    accelerator: bool | None = None,
) -> EngineDtype:
    """The `--dtype` to start vLLM with: `requested` unless it is "auto"; for "auto",
    vLLM's own choice on a GPU machine, bfloat16 on a CPU with bfloat16 instructions and
    float32 on any other CPU."""
    if requested != "auto":
        return requested
    if has_accelerator() if accelerator is None else accelerator:
        return "auto"
    return "bfloat16" if (cpu_flags() if flags is None else flags) & BF16_FLAGS else "float32"
