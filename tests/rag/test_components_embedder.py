"""The default embedder: float ONNX, one shared copy, torch never imported to answer, and
the model on torch when no export can be made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.components import make_embedder
from rag.embeddings import CachedEmbedder, SentenceTransformerEmbedder
from rag.onnx_export import onnx_model
from rag.paths import bundled_embedding_path
from rag.settings import load_settings
from tests.conftest import COURSE_KB

HEAVY = ("torch", "transformers", "sentence_transformers")

ANSWER_ONCE = """
import json, sys
from rag import Assistant
bot = Assistant.from_settings(data_dir=sys.argv[1], kb_paths=[sys.argv[2]])
answer = bot.ask("What is data drift?")
print(json.dumps({
    "imported": [m for m in sys.argv[3:] if m in sys.modules],
    "embedder": bot.embedder.name,
    "abstained": answer.abstained,
}))
"""


def test_the_default_is_float_onnx(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path).index.embedder == "onnx"


@pytest.mark.slow
def test_a_default_assistant_answers_without_importing_torch(tmp_path: Path) -> None:
    for precision in ("float", "int8"):  # the exports (the guards' is int8), made once per user
        onnx_model(bundled_embedding_path(), precision)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSEBOT_")}
    out = subprocess.run(
        [sys.executable, "-c", ANSWER_ONCE, str(tmp_path / "data"), str(COURSE_KB), *HEAVY],
        capture_output=True,
        text=True,
        env={**env, "HF_HUB_OFFLINE": "1"},
        timeout=600,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["imported"] == [], f"the default answer imported {seen['imported']}"
    assert seen["embedder"].endswith("+onnx")
    assert not seen["abstained"]


@pytest.mark.slow
def test_without_a_writable_export_cache_the_default_runs_the_model_on_torch(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings = load_settings(data_dir=tmp_path, index={"onnx_cache_dir": str(blocked / "onnx")})
    embedder = make_embedder(settings)
    assert isinstance(embedder, CachedEmbedder)
    assert isinstance(embedder.inner, SentenceTransformerEmbedder)
