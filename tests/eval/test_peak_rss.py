"""The peak-RSS launcher charges a command its own memory, not its parent's."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from eval.bench.peak_rss import run_with_peak_rss

GROW = (
    "import sys; block = bytearray(int(sys.argv[1]) * 2**20); "
    "block[::4096] = b'x' * len(block[::4096])"
)


@pytest.mark.parametrize("megabytes", [0, 200])
def test_a_small_command_of_a_big_parent_is_charged_its_own_size(megabytes: int) -> None:
    ballast = np.ones(300 * 2**20 // 8)  # this process holds 300 MB more than the command
    code, peak_kib = run_with_peak_rss([sys.executable, "-c", GROW, str(megabytes)])
    assert code == 0 and ballast.sum() > 0
    assert megabytes * 1024 < peak_kib < (megabytes + 100) * 1024


def test_the_exit_code_is_the_commands() -> None:
    code, peak_kib = run_with_peak_rss([sys.executable, "-c", "raise SystemExit(3)"])
    assert code == 3 and peak_kib > 0
