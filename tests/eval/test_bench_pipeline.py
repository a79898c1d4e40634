"""`make bench` end to end on the real models, one round of each measure."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eval.bench.pipeline import run
from rag.settings import load_settings
from tests.conftest import COURSE_KB

pytestmark = pytest.mark.slow


def test_the_pipeline_bench_measures_every_figure(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", kb_paths=[COURSE_KB])
    result = run(settings, tmp_path / "out", rounds=2, cold_runs=1, ingest_corpus=COURSE_KB)

    overhead = result["overhead_128_tokens"]
    assert overhead["pairs"], "no benchmark question was answered"
    assert overhead["median_raw_s"] > 0 and overhead["median_pipeline_s"] > 0
    assert overhead["warm_first_text_p50_s"] < overhead["median_pipeline_s"]
    assert result["warm_kv"]["n"] == 2
    weights = result["weights"]
    assert weights["loaded"].endswith(".q8_0.gguf") and weights["speedup"] > 0
    assert math.isfinite(result["retrieval"]["p50_ms"])
    assert result["cold_start"]["median_s"] > 0
    ingestion = result["ingestion"]
    assert ingestion["chunks"] > 0 and not ingestion["abstained"]
    assert 0 < ingestion["ingest_s"] <= ingestion["ready_s"] <= ingestion["first_answer_s"]
    assert ingestion["plain_embedding_chunks_per_s"] > 0
    arms = ingestion["grounding_modes"]
    assert arms["off"]["grounding_written"] == 0
    assert arms["alone"]["grounding_written"] == ingestion["grounding_texts"] > 0
    saved = json.loads((tmp_path / "out" / "pipeline.json").read_text())
    assert saved["machine"]["cores"] >= 1
    table = (tmp_path / "out" / "pipeline.md").read_text()
    assert "KV prefix kept" in table and "q8_0" in table
    assert "fresh ingestion to first answer" in table and "plain embedding" in table
