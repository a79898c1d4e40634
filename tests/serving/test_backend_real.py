"""The app's vllm and openai backends against real vLLM servers: whole answers through the
pipeline, the mark detected on them, answers at once, a wrong key refused at connect, a
backend that cannot mark saying so, and a replica killed in the middle of an answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from rag.answer import Answer
from rag.assistant import Assistant
from rag.backends.openai_compat import OpenAICompatGenerator
from rag.components import make_generator
from rag.errors import BackendUnavailable, WatermarkServerMismatch
from rag.settings import Settings, load_settings
from safety.watermark import GreenListDetector, WatermarkConfig
from safety.watermark.remote import probe_mismatch, probe_tokens
from tests.real_models import COURSE_KB, RealModels
from ui.engine.replicas import EngineStack
from ui.render import watermark_badge

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

LONG_ANSWERS = {"max_answer_tokens": 200, "temperature": 0.7}
"""Long answers at the watermark benchmark's temperature. At the app's default 0.3 this
small model is too sure of its tokens for the mark to show on one answer: four 200-token
answers scored z 2.2-2.4 in process (llama.cpp) and -0.2-3.9 on vLLM, against 8.7-11.8 and
6.6-12.8 at temperature 1.0 (same prompts, 2026-12-01)."""
QUESTIONS = [
    "What is data drift and how can it be detected?",
    "How is a machine learning system developed, trained and deployed?",
    "What are robustness tests and why do they matter?",
    "What is retrieval-augmented generation?",
    "What are content filters used for?",
    "What is concept drift?",
    "What are the main limitations of generative AI tools?",
    "What is A/B testing of a model?",
]
"""Questions the course answers (each generated 156-200 tokens in process, 2026-12-01, when
the mark still held off the end token; since processor version 2 the model stops where it
would, 21-196 tokens on vLLM): the assistant declines, without generating, questions on
words the documents never use ("overfitting", "unsupervised")."""

TESTABLE = 60
"""Generated tokens from which an answer is expected to be detected at z >= 4: at delta 4
and temperature 0.7 answers of 66-196 scored tokens scored z 9-19 here (2026-12-03); one
of 21 scored z 3.9, too short to tell."""


def vllm_settings(data_dir: Path, endpoints: list[str], **groups: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": data_dir,
        "kb_paths": [COURSE_KB],
        "generation": LONG_ANSWERS,
        "llm": {"backend": "vllm", "endpoints": endpoints},
    }
    for group, values in groups.items():
        base[group] = {**base.get(group, {}), **values}
    return load_settings(**base)


def assistant_on(real_models: RealModels, settings: Settings) -> Assistant:
    """An assistant on the remote backend, with the session's embedder and guards."""
    course = real_models.course
    bot = Assistant(
        settings,
        course.embedder,
        make_generator(settings),
        input_guard=course.input_guard,
        output_guard=course.output_guard,
    )
    bot.open_index()
    return bot


@pytest.fixture(scope="module")
def vllm_bot(
    vllm_server: str, real_models: RealModels, tmp_path_factory: pytest.TempPathFactory
) -> Assistant:
    data_dir = tmp_path_factory.mktemp("vllm-app")
    return assistant_on(real_models, vllm_settings(data_dir, [vllm_server]))


def generated_z(bot: Assistant, answer: Answer) -> tuple[float, int]:
    """The watermark test of the answer's generated ids, as the app's detector sees them."""
    detector = GreenListDetector(bot.settings.watermark, vocab_size=bot.generator.n_vocab)
    verdict = detector.detect(answer.generated_token_ids)
    return verdict.z, verdict.scored_tokens


def test_an_answer_through_the_whole_pipeline_on_vllm_is_marked(vllm_bot: Assistant) -> None:
    assert vllm_bot.generator.mark_site == "on server"
    answers = [vllm_bot.ask(question) for question in QUESTIONS[:3]]
    for answer in answers:
        assert answer.text and not answer.safety.refused
        assert answer.usage.prompt_tokens > 0
        assert answer.usage.completion_tokens == len(answer.generated_token_ids) > 0
        if answer.watermark is not None:
            assert answer.watermark.status == "applied"
    long = [a for a in answers if len(a.generated_token_ids) >= TESTABLE]
    assert long, [len(a.generated_token_ids) for a in answers]
    for answer in long:
        z, scored = generated_z(vllm_bot, answer)
        assert z >= 4, (z, scored)
    turns = list(vllm_bot.turn_log.turns())
    assert len(turns) == 3


MIN_TESTED = 4
MAX_ROUNDS = 3


def test_eight_answers_at_once_all_succeed_and_are_marked(vllm_bot: Assistant) -> None:
    """Eight questions at once, again (at most MAX_ROUNDS rounds) until MIN_TESTED answers
    are long enough to test: how long a sampled answer runs is chance, the mark is not."""
    assert vllm_bot.generator.concurrency == 32
    scores: list[tuple[float, int]] = []
    for _ in range(MAX_ROUNDS):
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(vllm_bot.ask, QUESTIONS))
        assert all(answer.text for answer in answers)
        scores += [generated_z(vllm_bot, answer) for answer in answers]
        if sum(scored >= TESTABLE for _, scored in scores) >= MIN_TESTED:
            break
    long = [(z, scored) for z, scored in scores if scored >= TESTABLE]
    assert len(long) >= MIN_TESTED, scores
    assert all(z >= 4 for z, _ in long), scores


def test_a_wrong_app_key_fails_at_connect_with_the_mismatch(
    vllm_server: str, vllm_watermark: WatermarkConfig, tmp_path: Path
) -> None:
    settings = vllm_settings(tmp_path, [vllm_server], watermark={"key": "not-the-servers-key"})
    expected = probe_mismatch(settings.watermark, probe_tokens(vllm_watermark))
    assert expected is not None and "COURSEBOT_WATERMARK__KEY" in expected
    with pytest.raises(WatermarkServerMismatch) as caught:
        make_generator(settings)
    assert expected in str(caught.value)


def test_the_openai_backend_answers_and_says_the_watermark_was_not_applied(
    vllm_server: str, real_models: RealModels, tmp_path: Path
) -> None:
    settings = vllm_settings(tmp_path, [vllm_server + "/v1"], llm={"backend": "openai"})
    bot = assistant_on(real_models, settings)
    assert bot.generator.mark_site == "not possible"
    answer = bot.ask(QUESTIONS[0])
    assert answer.text and answer.generated_token_ids == []
    if answer.watermark is not None:
        assert answer.watermark.status == "not applied on this backend"
        assert watermark_badge(answer.watermark) == "Watermark: not applied on this backend"


def test_a_replica_killed_mid_answer_costs_that_answer_and_the_app_keeps_answering(
    vllm_pair: EngineStack, real_models: RealModels, tmp_path: Path
) -> None:
    first, second = (replica.url for replica in vllm_pair.replicas)
    direct = assistant_on(real_models, vllm_settings(tmp_path / "direct", [first, second]))
    routed = assistant_on(real_models, vllm_settings(tmp_path / "routed", [vllm_pair.endpoint]))
    generator = direct.generator
    assert isinstance(generator, OpenAICompatGenerator)
    stream = generator.stream(
        [{"role": "user", "content": QUESTIONS[0]}],
        max_tokens=400,
        temperature=0.3,
        top_p=0.9,
        server_mark=True,
    )
    assert next(stream)
    vllm_pair.replicas[0].kill()
    with pytest.raises(BackendUnavailable, match="stopped in the middle of this answer"):
        for _ in stream:
            pass
    for bot in (direct, routed, direct, routed):
        answer = bot.ask(QUESTIONS[1])
        assert answer.text and answer.generated_token_ids
