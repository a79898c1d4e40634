"""Loading the model's vocabulary (the watermark detector's tokenizer) prints nothing:
llama.cpp's context warning reached the terminal of every process that detected or
tokenized, the web app included."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.faults.procs import REPO

pytestmark = pytest.mark.slow

WARNING = "n_ctx_seq"
OURS = """
from rag.settings import load_settings
from rag.watermarking import tokenize
print(tokenize("hello world", load_settings()))
"""
RAW = """
import llama_cpp
from rag.paths import bundled_llm_path
llama_cpp.Llama(model_path=str(bundled_llm_path()), vocab_only=True, verbose=False)
"""


def _stderr(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=REPO, timeout=300, check=True
    )
    return done.stderr.decode()


def test_the_vocabulary_loads_without_llama_cpps_context_warning() -> None:
    assert WARNING in _stderr(RAW), "llama-cpp-python no longer warns: this test can go"
    assert WARNING not in _stderr(OURS)
