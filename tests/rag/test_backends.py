"""The remote backends' logic against a scripted server on loopback: SSE, the probe,
failover between endpoints, hanging up, the watermark's status and the generation slots."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.backends.endpoints import EndpointPool, base_url
from rag.backends.openai_compat import OpenAICompatGenerator
from rag.backends.sse import events
from rag.backends.vllm import VllmGenerator
from rag.components import make_generator
from rag.embeddings import HashingEmbedder
from rag.errors import BackendUnavailable, GenerationError, WatermarkServerMismatch
from rag.settings import Settings, load_settings
from safety.watermark import WatermarkConfig
from safety.watermark.remote import MARK_ARG, PROBE_ARG, probe_mismatch
from tests.rag.backend_server import FakeEngine
from tests.rag.test_assistant_logic import KB
from ui.render import watermark_badge

MESSAGES = [{"role": "user", "content": "What is data drift?"}]


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    server = FakeEngine()
    yield server
    server.stop()


@pytest.fixture
def second() -> Iterator[FakeEngine]:
    server = FakeEngine()
    yield server
    server.stop()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def settings_for(tmp_path: Path, backend: str, urls: list[str], **llm: object) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        llm={"backend": backend, "endpoints": urls, "retry_after_s": 60, **llm},
    )


def remote(
    tmp_path: Path, urls: list[str], *, backend: str = "vllm", key: str | None = None, **llm: object
) -> OpenAICompatGenerator:
    settings = settings_for(tmp_path, backend, urls, **llm)
    watermark = WatermarkConfig() if key is None else WatermarkConfig(key=key)  # type: ignore[arg-type]
    options = {"n_vocab": 49152, "count_tokens": lambda text: len(text.split()), "concurrency": 4}
    if backend == "vllm":
        generator: OpenAICompatGenerator = VllmGenerator(
            settings.llm,
            watermark=watermark,
            **options,  # type: ignore[arg-type]
        )
    else:
        generator = OpenAICompatGenerator(settings.llm, **options)  # type: ignore[arg-type]
    return generator


def answer(generator: OpenAICompatGenerator, *, mark: bool = True) -> tuple[str, list[int]]:
    stream = generator.stream(MESSAGES, max_tokens=50, temperature=0.3, top_p=0.9, server_mark=mark)
    text = "".join(stream)
    return text, stream.result.token_ids


# --- server-sent events ---------------------------------------------------------------


def test_events_are_read_until_done_skipping_comments_and_other_fields() -> None:
    lines = [": keep-alive", "event: message", 'data: {"a": 1}', "", 'data: {"b":', "data: 2}", ""]
    lines += ["data: [DONE]", "", 'data: {"after": "done"}', ""]
    assert list(events(lines)) == [{"a": 1}, {"b": 2}]


def test_a_last_event_without_a_blank_line_still_counts() -> None:
    assert list(events(['data: {"a": 1}'])) == [{"a": 1}]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('data: {"error": {"message": "out of memory"}}', "out of memory"),
        ("data: <html>", "not JSON"),
        ("data: [1, 2]", "not an object"),
    ],
)
def test_a_bad_or_error_event_is_a_generation_error(line: str, message: str) -> None:
    with pytest.raises(GenerationError, match=message):
        list(events([line, ""]))


# --- endpoints ------------------------------------------------------------------------


def test_base_urls_drop_the_api_suffix() -> None:
    assert base_url("http://h:8000/v1/") == "http://h:8000"
    assert base_url(" http://h:8000 ") == "http://h:8000"


def test_healthy_endpoints_take_turns_and_a_failed_one_goes_last_until_it_may_be_back() -> None:
    now = [0.0]
    pool = EndpointPool(
        ["http://a", "http://b", "http://c"], retry_after_s=10, clock=lambda: now[0]
    )
    first = [pool.order()[0].url for _ in range(3)]
    assert first == ["http://a", "http://b", "http://c"]
    a = pool.endpoints[0]
    pool.failed(a)
    orders = [[e.url for e in pool.order()] for _ in range(3)]
    assert all(order[-1] == "http://a" for order in orders)
    now[0] = 11.0
    assert "http://a" in [pool.order()[0].url for _ in range(3)]


# --- streaming, token ids, the mark ---------------------------------------------------


def test_vllm_streams_text_with_the_generated_ids_and_asks_the_server_to_mark(
    tmp_path: Path, engine: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url + "/v1"])
    stream = generator.stream(MESSAGES, max_tokens=50, temperature=0.3, top_p=0.9, server_mark=True)
    pieces = list(stream)
    result = stream.result
    assert "".join(pieces) == result.text == "Data drift degrades models . "
    assert result.token_ids == [3000, 3001, 3002, 3003, 3004]
    assert (result.prompt_tokens, result.completion_tokens, result.finish_reason) == (17, 5, "stop")
    body = engine.bodies("/v1/chat/completions")[0]
    assert body["model"] == "fake-smollm2" and body["return_token_ids"] is True
    assert body["vllm_xargs"] == {MARK_ARG: 1} and body["stream"] is True
    assert generator.name == "fake-smollm2 (vllm)" and generator.mark_site == "on server"


def test_an_unmarked_request_carries_no_mark_argument(tmp_path: Path, engine: FakeEngine) -> None:
    answer(remote(tmp_path, [engine.url]), mark=False)
    assert "vllm_xargs" not in engine.bodies("/v1/chat/completions")[0]


def test_an_answer_cut_by_the_token_limit_says_so(tmp_path: Path, engine: FakeEngine) -> None:
    stream = remote(tmp_path, [engine.url]).stream(
        MESSAGES, max_tokens=3, temperature=0.3, top_p=0.9, server_mark=True
    )
    list(stream)
    assert stream.result.finish_reason == "length" and len(stream.result.token_ids) == 3


def test_a_plain_openai_server_cannot_mark_and_sends_nothing_vllm_specific(
    tmp_path: Path, engine: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url], backend="openai")
    assert generator.mark_site == "not possible"
    with pytest.raises(GenerationError, match="cannot apply the watermark"):
        generator.stream(MESSAGES, max_tokens=5, temperature=0.3, top_p=0.9, server_mark=True)
    text, ids = answer(generator, mark=False)
    assert text and ids == []
    body = engine.bodies("/v1/chat/completions")[0]
    assert "return_token_ids" not in body and "vllm_xargs" not in body
    assert engine.bodies("/v1/completions") == []


def test_the_server_can_count_prompt_tokens(tmp_path: Path, engine: FakeEngine) -> None:
    settings = settings_for(tmp_path, "vllm", [engine.url])
    generator = OpenAICompatGenerator(settings.llm, n_vocab=49152, concurrency=2)
    assert generator.count_tokens("one two three") == 3


# --- the probe ------------------------------------------------------------------------


def test_the_probe_is_sent_once_per_endpoint_before_the_first_answer(
    tmp_path: Path, engine: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url])
    answer(generator)
    answer(generator)
    probes = engine.bodies("/v1/completions")
    assert len(probes) == 1
    assert probes[0]["vllm_xargs"] == {PROBE_ARG: 1} and probes[0]["temperature"] == 0.0
    assert probes[0]["ignore_eos"] is True and probes[0]["return_token_ids"] is True


def test_a_server_with_another_key_fails_at_connect_with_the_mismatch(
    tmp_path: Path, engine: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url], key="the-app-key")
    expected = probe_mismatch(
        WatermarkConfig(key="the-app-key"),
        engine.completion(  # type: ignore[arg-type]
            {"vllm_xargs": {PROBE_ARG: 1}}
        )["choices"][0]["token_ids"],
    )
    assert expected is not None and "COURSEBOT_WATERMARK__KEY" in expected
    with pytest.raises(WatermarkServerMismatch) as caught:
        generator.connect()
    assert expected in str(caught.value)
    with pytest.raises(WatermarkServerMismatch):
        answer(generator)
    assert engine.bodies("/v1/chat/completions") == []


def test_a_server_without_the_processor_fails_the_probe(tmp_path: Path, engine: FakeEngine) -> None:
    engine.script.probe_config = None
    with pytest.raises(WatermarkServerMismatch, match="processor is not loaded"):
        answer(remote(tmp_path, [engine.url]))


def test_no_probe_when_the_watermark_is_off(tmp_path: Path, engine: FakeEngine) -> None:
    engine.script.probe_config = None
    settings = settings_for(tmp_path, "vllm", [engine.url])
    generator = VllmGenerator(
        settings.llm, n_vocab=49152, concurrency=1, watermark=WatermarkConfig(enabled=False)
    )
    assert answer(generator, mark=False)[0]
    assert engine.bodies("/v1/completions") == []


def test_make_generator_checks_every_endpoint_that_answers(
    tmp_path: Path, engine: FakeEngine, second: FakeEngine
) -> None:
    second.script.probe_config = WatermarkConfig(key="someone-else")  # type: ignore[arg-type]
    settings = settings_for(tmp_path, "vllm", [engine.url, closed_port_url(), second.url])
    with pytest.raises(WatermarkServerMismatch, match=second.url):
        make_generator(settings)


# --- failover and hanging up ----------------------------------------------------------


def test_a_dead_endpoint_is_skipped_and_left_out(tmp_path: Path, engine: FakeEngine) -> None:
    dead = closed_port_url()
    generator = remote(tmp_path, [dead, engine.url])
    for _ in range(3):
        assert answer(generator)[0]
    assert len(engine.bodies("/v1/chat/completions")) == 3
    assert generator.pool.endpoints[0].down_until > 0


def test_a_server_error_before_any_text_is_retried_on_another_endpoint(
    tmp_path: Path, engine: FakeEngine, second: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url, second.url])
    generator.connect()
    engine.script.status = 500
    texts = [answer(generator)[0] for _ in range(2)]
    assert all(texts) and len(second.bodies("/v1/chat/completions")) == 2


def test_one_endpoint_alone_is_tried_again_as_a_router_would_send_it_elsewhere(
    tmp_path: Path, engine: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url])
    engine.script.fail_chats = 1
    assert answer(generator)[0] == "Data drift degrades models . "
    assert len(engine.bodies("/v1/chat/completions")) == 2


def test_an_endpoint_that_dies_mid_answer_costs_that_answer_a_clear_error(
    tmp_path: Path, engine: FakeEngine, second: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url, second.url])
    engine.script.cut_after = 3
    with pytest.raises(BackendUnavailable, match="stopped in the middle of this answer"):
        answer(generator)
    assert answer(generator)[0] == "Data drift degrades models . "


def test_a_stream_cut_before_any_text_is_retried(
    tmp_path: Path, engine: FakeEngine, second: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url, second.url])
    engine.script.cut_after = 1
    text, ids = answer(generator)
    assert text == "Data drift degrades models . " and len(ids) == 5


def test_no_endpoint_at_all_is_a_clear_error(tmp_path: Path) -> None:
    generator = remote(tmp_path, [closed_port_url(), closed_port_url()])
    with pytest.raises(BackendUnavailable, match="No generation server answered"):
        answer(generator)


def test_a_refused_request_is_not_retried(
    tmp_path: Path, engine: FakeEngine, second: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url, second.url])
    generator.connect()
    engine.script.status = second.script.status = 400
    with pytest.raises(GenerationError, match="refused the request"):
        answer(generator)
    chats = engine.bodies("/v1/chat/completions") + second.bodies("/v1/chat/completions")
    assert len(chats) == 1


def test_closing_the_stream_hangs_up_on_the_server(tmp_path: Path, engine: FakeEngine) -> None:
    engine.script.words = ["word"] * 400
    engine.script.delay_s = 0.01
    stream = remote(tmp_path, [engine.url]).stream(
        MESSAGES, max_tokens=400, temperature=0.3, top_p=0.9, server_mark=True
    )
    next(stream)
    stream.close()
    for _ in range(200):
        if engine.hangups:
            break
        time.sleep(0.02)
    assert engine.hangups == 1


def test_an_answer_streaming_past_its_time_limit_is_stopped_with_a_clear_error(
    tmp_path: Path, engine: FakeEngine
) -> None:
    engine.script.words = ["word"] * 400
    engine.script.delay_s = 0.01
    generator = remote(tmp_path, [engine.url], answer_timeout_s=0.2)
    stream = generator.stream(
        MESSAGES, max_tokens=400, temperature=0.3, top_p=0.9, server_mark=True
    )
    with pytest.raises(BackendUnavailable, match=r"llm.answer_timeout_s\) and was stopped"):
        list(stream)
    for _ in range(200):
        if engine.hangups:
            break
        time.sleep(0.02)
    assert engine.hangups == 1  # the request ended at the engine
    assert len(engine.bodies("/v1/chat/completions")) == 1  # not retried elsewhere


def test_the_vllm_decoding_extras_are_settings(tmp_path: Path, engine: FakeEngine) -> None:
    answer(remote(tmp_path, [engine.url]))
    default = engine.bodies("/v1/chat/completions")[0]
    assert (default["top_k"], default["min_p"], default["repetition_penalty"]) == (40, 0.05, 1.1)
    tuned = remote(
        tmp_path,
        [engine.url],
        decoding_top_k=0,
        decoding_min_p=0.0,
        decoding_repetition_penalty=1.0,
    )
    answer(tuned)
    body = engine.bodies("/v1/chat/completions")[1]
    assert (body["top_k"], body["min_p"], body["repetition_penalty"]) == (0, 0.0, 1.0)


def test_vllm_requests_carry_no_seed_unless_asked(tmp_path: Path, engine: FakeEngine) -> None:
    """vLLM's CPU build kills its engine on a seeded request whose prompt is split across
    steps ("CPU Generator does not use offset"); a plain OpenAI server still gets it."""
    answer(remote(tmp_path, [engine.url]))
    answer(remote(tmp_path, [engine.url], vllm_request_seed=True))
    answer(remote(tmp_path, [engine.url], backend="openai"), mark=False)
    bodies = engine.bodies("/v1/chat/completions")
    assert "seed" not in bodies[0]
    assert bodies[1]["seed"] == 0 and bodies[2]["seed"] == 0


# --- through the assistant ------------------------------------------------------------


def assistant_on(
    tmp_path: Path, generator: OpenAICompatGenerator, **overrides: object
) -> Assistant:
    kb = tmp_path / "kb"
    kb.mkdir(parents=True, exist_ok=True)
    for name, text in KB.items():
        (kb / name).write_text(text)
    base = {
        "data_dir": tmp_path / "data",
        "kb_paths": [kb],
        "index": {"embedder": "hashing"},
        "retrieval": {"min_dense_score": 0.15, "min_passage_score": 0.05},
        "safety": {"enabled": False},
        "answer": {"grounding": "off"},
    }
    bot = Assistant(load_settings(**{**base, **overrides}), HashingEmbedder(), generator)
    bot.open_index()
    return bot


def test_an_openai_backend_answer_says_the_watermark_was_not_applied(
    tmp_path: Path, engine: FakeEngine
) -> None:
    bot = assistant_on(tmp_path, remote(tmp_path, [engine.url], backend="openai"))
    answer = bot.ask("What is data drift?")
    assert answer.watermark is not None
    assert answer.watermark.status == "not applied on this backend"
    assert watermark_badge(answer.watermark) == "Watermark: not applied on this backend"
    assert answer.usage.completion_tokens == 6  # as the server counts them, end token included


def test_a_vllm_answer_is_tested_on_the_returned_ids(tmp_path: Path, engine: FakeEngine) -> None:
    bot = assistant_on(tmp_path, remote(tmp_path, [engine.url]))
    answer = bot.ask("What is data drift?")
    assert answer.generated_token_ids == [3000, 3001, 3002, 3003, 3004]
    assert answer.watermark is not None and answer.watermark.status == "applied"
    assert engine.bodies("/v1/chat/completions")[0]["vllm_xargs"] == {MARK_ARG: 1}


def test_the_assistant_runs_as_many_generations_at_once_as_the_backend_has_slots(
    tmp_path: Path, engine: FakeEngine
) -> None:
    release = threading.Event()
    engine.script.hold = release
    bot = assistant_on(tmp_path, remote(tmp_path, [engine.url]))
    threads = [threading.Thread(target=bot.ask, args=("What is data drift?",)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for _ in range(500):
        if engine.in_flight == 4:
            break
        time.sleep(0.01)
    time.sleep(0.2)
    in_flight = engine.in_flight
    release.set()
    for thread in threads:
        thread.join(10)
    assert in_flight == 4 and engine.max_in_flight == 4
    assert len(engine.bodies("/v1/chat/completions")) == 6


def test_closing_the_assistant_closes_the_backends_connections(
    tmp_path: Path, engine: FakeEngine
) -> None:
    generator = remote(tmp_path, [engine.url])
    bot = assistant_on(tmp_path, generator)
    bot.ask("What is data drift?")
    bot.close()
    with pytest.raises(RuntimeError, match="closed"):
        answer(generator)


def test_closing_the_assistant_closes_an_ab_arms_own_backend(
    tmp_path: Path, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    arms_generator = remote(tmp_path / "arm", [engine.url])
    monkeypatch.setattr("rag.assistant.make_generator", lambda settings: arms_generator)
    experiment = {
        "enabled": True,
        "arms": {"control": {}, "treatment": {"llm": {"answer_timeout_s": 99}}},
        "traffic": {"control": 0.0, "treatment": 1.0},
    }
    bot = assistant_on(tmp_path, remote(tmp_path, [engine.url]), ab=experiment)
    bot.ask("What is data drift?", session_id="student-1")
    assert bot.arms.built() and bot.arms.built()[0].generator is arms_generator
    bot.close()
    with pytest.raises(RuntimeError, match="closed"):
        answer(arms_generator)
