"""A real vLLM server with coursebot's processor: the probe, and the mark on real generations.

Plain HTTP to the OpenAI-compatible API (the app's own client is tested elsewhere):
`vllm_xargs` switches the processor per request and `return_token_ids` hands back the
generated ids, which `GreenListDetector` scores with the last prompt token as the first
context, as the server's processor saw it.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pydantic import SecretStr

from safety.watermark.config import WatermarkConfig
from safety.watermark.detector import GreenListDetector
from safety.watermark.remote import (
    MARK_ARG,
    PROBE_ARG,
    PROBE_LENGTH,
    probe_mismatch,
    probe_tokens,
)
from ui.engine.replicas import EngineStack

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

VOCAB_SIZE = 49152
"""SmolLM2's vocabulary (the bundled model's n_vocab)."""

QUESTIONS = [
    "Explain what overfitting is and how to avoid it.",
    "Describe how gradient descent trains a model.",
    "What is the difference between supervised and unsupervised learning?",
    "Explain cross-validation to a new student.",
]


def chat(url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/chat/completions; the decoded JSON reply."""
    request = urllib.request.Request(
        url + "/v1/chat/completions",
        data=json.dumps({"model": "coursebot", "return_token_ids": True, **body}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        reply: dict[str, Any] = json.loads(response.read())
    return reply


def probe(url: str) -> list[int]:
    """The token ids the server forces on a probe request."""
    reply = chat(
        url,
        {
            "messages": [{"role": "user", "content": "probe"}],
            "max_tokens": PROBE_LENGTH,
            "temperature": 0,
            "ignore_eos": True,
            "vllm_xargs": {PROBE_ARG: 1},
        },
    )
    return list(reply["choices"][0]["token_ids"])


TEMPERATURE = 1.0
"""How strongly a text can be marked depends on how many choices the model had: at 1.0 a
200-token SmolLM2 answer reaches z 7-13; at the app's 0.3 it often stays below 4 (so does
the same green list in llama.cpp). Low temperatures are measured by
scripts/measure_serving_mark.py, not asserted here."""


def generate(url: str, question: str, marked: bool, tokens: int = 200) -> list[int]:
    """Last prompt id + `tokens` generated ids of one answer (at TEMPERATURE)."""
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": question}],
        "max_tokens": tokens,
        "temperature": TEMPERATURE,
        "ignore_eos": True,
    }
    if marked:
        body["vllm_xargs"] = {MARK_ARG: 1}
    reply = chat(url, body)
    generated = list(reply["choices"][0]["token_ids"])
    assert len(generated) == tokens
    return [int(reply["prompt_token_ids"][-1]), *generated]


def test_each_greedy_token_is_the_argmax_after_the_green_bias(
    vllm_server: str, vllm_watermark: WatermarkConfig
) -> None:
    """Raw log-probabilities (vLLM computes them before any processor) plus delta on the
    green list of each step's context pick exactly the token the server chose.

    The check has teeth at steps where a green token trails the red raw favourite by less
    than delta (then only the bias explains the choice); they are counted."""
    green_list = GreenListDetector(vllm_watermark, VOCAB_SIZE).green_list
    delta = vllm_watermark.delta
    deciding = 0
    for question in QUESTIONS[:2]:
        reply = chat(
            vllm_server,
            {
                "messages": [{"role": "user", "content": question}],
                "max_tokens": 60,
                "temperature": 0,
                "ignore_eos": True,
                "logprobs": True,
                "top_logprobs": 20,
                "return_tokens_as_token_ids": True,
                "vllm_xargs": {MARK_ARG: 1},
            },
        )
        previous = int(reply["prompt_token_ids"][-1])
        steps = reply["choices"][0]["logprobs"]["content"]
        assert len(steps) == 60
        for step in steps:
            chosen = int(step["token"].removeprefix("token_id:"))
            green = green_list.mask([previous])
            raw = {
                int(t["token"].removeprefix("token_id:")): float(t["logprob"])
                for t in step["top_logprobs"]
            }
            raw[chosen] = float(step["logprob"])
            biased = {token: logprob + delta * green[token] for token, logprob in raw.items()}
            assert biased[chosen] >= max(biased.values()) - 1e-3, (chosen, step["top_logprobs"])
            favourite = max(raw, key=lambda token: raw[token])
            deciding += chosen != favourite
            previous = chosen
    assert deciding > 0, "no step where the bias changed a greedy choice"


def z_scores(url: str, config: WatermarkConfig, marked: bool, concurrency: int) -> list[float]:
    detector = GreenListDetector(config, VOCAB_SIZE)
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(concurrency)]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        ids = list(pool.map(lambda q: generate(url, q, marked), questions))
    return [detector.detect(sequence).z for sequence in ids]


def test_probe_returns_the_servers_fingerprint(
    vllm_server: str, vllm_watermark: WatermarkConfig
) -> None:
    reply = probe(vllm_server)
    assert reply == probe_tokens(vllm_watermark)
    assert probe_mismatch(vllm_watermark, reply) is None


def test_an_app_with_another_key_sees_a_mismatch(
    vllm_server: str, vllm_watermark: WatermarkConfig
) -> None:
    other = vllm_watermark.model_copy(update={"key": SecretStr("not-the-servers-key")})
    reason = probe_mismatch(other, probe(vllm_server))
    assert reason is not None
    assert "COURSEBOT_WATERMARK__KEY" in reason


def test_marked_generations_are_detected_under_concurrency(
    vllm_server: str, vllm_watermark: WatermarkConfig
) -> None:
    marked = z_scores(vllm_server, vllm_watermark, marked=True, concurrency=4)
    assert min(marked) >= vllm_watermark.z_threshold, marked


def test_unmarked_generations_are_not_detected(
    vllm_server: str, vllm_watermark: WatermarkConfig
) -> None:
    unmarked = z_scores(vllm_server, vllm_watermark, marked=False, concurrency=4)
    assert max(unmarked) < vllm_watermark.z_threshold, unmarked


def test_the_mark_is_keyed(vllm_server: str, vllm_watermark: WatermarkConfig) -> None:
    """Marked text scored with another key looks like anyone's text."""
    other = vllm_watermark.model_copy(update={"key": SecretStr("not-the-servers-key")})
    ids = generate(vllm_server, QUESTIONS[0], marked=True)
    assert GreenListDetector(other, VOCAB_SIZE).detect(ids).z < other.z_threshold


def test_two_replicas_behind_the_router_and_one_killed(
    vllm_pair: EngineStack, vllm_watermark: WatermarkConfig
) -> None:
    """Both replicas hold the key; the router spreads requests and outlives a dead replica."""
    expected = probe_tokens(vllm_watermark)
    assert [probe(replica.url) for replica in vllm_pair.replicas] == [expected, expected]
    assert all(probe(vllm_pair.endpoint) == expected for _ in range(4))
    ids = generate(vllm_pair.endpoint, QUESTIONS[2], marked=True)
    assert GreenListDetector(vllm_watermark, VOCAB_SIZE).detect(ids).z >= 4.0
    vllm_pair.replicas[0].kill()
    assert not vllm_pair.replicas[0].alive
    answered = 0
    for _ in range(6):
        # the router may fail a request or two before it marks the replica down
        with contextlib.suppress(OSError):
            answered += probe(vllm_pair.endpoint) == expected
    assert answered >= 3
