"""Watermark strength on a real vLLM server: z of marked vs unmarked 200-token generations.

    .venv/bin/python scripts/measure_serving_mark.py [--url http://127.0.0.1:8000] \\
        [--concurrency 1 16] [--temperatures 0.3 0.7 1.0] [--n 16] [--out FILE.json]

Without --url it starts one replica of the bundled model (as `make serve` does) and
reports its start-up time too. The key is WatermarkConfig's default unless
COURSEBOT_WATERMARK__* say otherwise (the same variables the server reads). Prompts are
generic study questions, not any labelled set. Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from safety.watermark.detector import GreenListDetector
from safety.watermark.remote import MARK_ARG
from safety.watermark.server_env import config_from_env

PROMPTS = [
    "Explain what overfitting is and how to avoid it.",
    "Describe how gradient descent trains a model.",
    "What is the difference between supervised and unsupervised learning?",
    "Explain cross-validation to a new student.",
    "Why do we split data into training and test sets?",
    "What does a loss function measure?",
    "Describe what a decision tree does.",
    "What is regularization in machine learning?",
]
VOCAB_SIZE = 49152


def generate(url: str, prompt: str, marked: bool, temperature: float, tokens: int) -> list[int]:
    body: dict[str, Any] = {
        "model": "coursebot",
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": tokens,
        "temperature": temperature,
        "ignore_eos": True,
        "return_token_ids": True,
    }
    if marked:
        body["vllm_xargs"] = {MARK_ARG: 1}
    request = urllib.request.Request(
        url + "/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=900) as response:
        reply = json.loads(response.read())
    return [int(reply["prompt_token_ids"][-1]), *reply["choices"][0]["token_ids"]]


def cell(
    url: str, detector: GreenListDetector, marked: bool, temperature: float, conc: int, n: int
) -> dict[str, Any]:
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(n)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conc) as pool:
        ids = list(pool.map(lambda p: generate(url, p, marked, temperature, 200), prompts))
    seconds = time.perf_counter() - started
    zs = [detector.detect(sequence).z for sequence in ids]
    threshold = detector.config.z_threshold
    return {
        "marked": marked,
        "temperature": temperature,
        "concurrency": conc,
        "n": n,
        "z_median": statistics.median(zs),
        "z_min": min(zs),
        "z_max": max(zs),
        "detected": sum(z >= threshold for z in zs) / n,
        "tokens_per_s": n * 200 / seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=None)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.3, 0.7, 1.0])
    parser.add_argument("--n", type=int, default=16, help="generations per cell (>= conc)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    config = config_from_env(os.environ)
    detector = GreenListDetector(config, VOCAB_SIZE)
    results: dict[str, Any] = {"cells": []}
    stack = None
    url = args.url
    if url is None:
        from rag.paths import bundled_llm_path
        from ui.engine.model import servable_model
        from ui.engine.replicas import EngineOptions, EngineStack

        model = servable_model(bundled_llm_path())
        logs = Path(tempfile.mkdtemp(prefix="coursebot-vllm-"))
        stack = EngineStack(EngineOptions(model_dir=model, watermark=config, log_dir=logs))
        started = time.perf_counter()
        stack.start()
        results["startup_s"] = time.perf_counter() - started
        print(f"start-up {results['startup_s']:.1f} s (logs {logs})", flush=True)
        url = stack.endpoint
    try:
        for conc in args.concurrency:
            for temperature in args.temperatures:
                for marked in (True, False):
                    n = max(args.n, conc) if conc > 1 else max(2, args.n // 4)
                    row = cell(url, detector, marked, temperature, conc, n)
                    results["cells"].append(row)
                    print(json.dumps(row), flush=True)
    finally:
        if stack is not None:
            stack.stop()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
