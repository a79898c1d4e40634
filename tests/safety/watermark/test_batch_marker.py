"""The engine-neutral marker behind the vLLM processor: rows, bias, probe, placeholders."""

from __future__ import annotations

import pytest
import torch
from pydantic import SecretStr

from safety.watermark.batch_marker import BatchMarker, bias_for
from safety.watermark.config import WatermarkConfig
from safety.watermark.errors import WatermarkSettingsError
from safety.watermark.greenlist import GreenList
from safety.watermark.processor import GreenListProcessor
from safety.watermark.remote import MARK_ARG, PROBE_ARG, probe_tokens
from safety.watermark.server_env import config_from_env, server_environment

VOCAB = 2048
CONFIG = WatermarkConfig(key=SecretStr("batch-marker-test"), gamma=0.25, delta=2.0)


def green(context: list[int], config: WatermarkConfig = CONFIG) -> torch.Tensor:
    lists = GreenList(config.key.get_secret_value(), config.gamma, config.context_width, VOCAB)
    return torch.from_numpy(lists.mask(context))


def test_a_marked_row_gets_the_in_process_processors_bias() -> None:
    marker = BatchMarker(CONFIG)
    output = [5, 9]
    marker.add(0, {MARK_ARG: 1}, temperature=0.7, prompt=[1, 2, 3], output=output)
    logits = torch.randn(1, VOCAB)
    expected = GreenListProcessor(CONFIG, VOCAB, temperature=0.7)(
        [1, 2, 3, 5, 9], logits[0].numpy().copy()
    )
    marker.apply(logits)
    assert torch.allclose(logits[0], torch.from_numpy(expected), atol=1e-5)
    assert marker.marked == 1


def test_the_context_follows_the_live_output_list_and_the_prompt_first() -> None:
    config = CONFIG.model_copy(update={"context_width": 2})
    marker = BatchMarker(config)
    output: list[int] = []
    marker.add(3, {MARK_ARG: 1}, temperature=0.0, prompt=[7, 8], output=output)
    logits = torch.zeros(4, VOCAB)
    marker.apply(logits)
    assert torch.equal(logits[3] != 0, green([7, 8], config))
    output.append(11)  # the engine appends the sampled id to the same list
    logits = torch.zeros(4, VOCAB)
    marker.apply(logits)
    assert torch.equal(logits[3] != 0, green([8, 11], config))
    assert torch.count_nonzero(logits[:3]) == 0


def test_greedy_rows_get_delta_and_sampled_rows_delta_times_temperature() -> None:
    assert bias_for(CONFIG, 0.0) == CONFIG.delta
    assert bias_for(CONFIG, 1e-6) == CONFIG.delta
    assert bias_for(CONFIG, 0.5) == pytest.approx(CONFIG.delta * 0.5)


def test_a_placeholder_in_the_context_leaves_the_step_unmarked() -> None:
    marker = BatchMarker(CONFIG)
    marker.add(0, {MARK_ARG: 1}, temperature=1.0, prompt=[1], output=[4, -1])
    logits = torch.zeros(1, VOCAB)
    marker.apply(logits)
    assert torch.count_nonzero(logits) == 0
    assert (marker.marked, marker.skipped) == (0, 1)


def test_rows_without_the_argument_are_untouched_and_replaced_rows_forget() -> None:
    marker = BatchMarker(CONFIG)
    marker.add(0, {"other": 1}, temperature=1.0, prompt=[1], output=[])
    marker.add(1, {MARK_ARG: 1}, temperature=1.0, prompt=[1], output=[])
    marker.add(1, None, temperature=1.0, prompt=[1], output=[])
    logits = torch.zeros(2, VOCAB)
    assert marker.apply(logits) is logits
    assert torch.count_nonzero(logits) == 0


def test_the_probe_forces_exactly_its_tokens_step_by_step() -> None:
    marker = BatchMarker(CONFIG)
    output: list[int] = []
    marker.add(0, {PROBE_ARG: 1}, temperature=0.0, prompt=[1, 2], output=output)
    for _ in range(len(probe_tokens(CONFIG))):
        logits = torch.randn(1, VOCAB)
        marker.apply(logits)
        assert torch.isfinite(logits[0]).sum() == 1
        output.append(int(torch.argmax(logits[0])))
    assert output == probe_tokens(CONFIG)
    logits = torch.randn(1, VOCAB)
    before = logits.clone()
    marker.apply(logits)  # past the probe's end nothing is forced
    assert torch.equal(logits, before)


def test_moves_and_swaps_carry_the_rows_state() -> None:
    marker = BatchMarker(CONFIG)
    marker.add(0, {MARK_ARG: 1}, temperature=1.0, prompt=[10], output=[])
    marker.add(1, {PROBE_ARG: 1}, temperature=0.0, prompt=[20], output=[])
    marker.move(0, 1, swap=True)
    assert marker.rows[0].probe and not marker.rows[1].probe
    marker.move(1, 2, swap=False)
    assert set(marker.rows) == {0, 2}
    marker.remove(0)
    assert set(marker.rows) == {2}


def test_the_server_environment_round_trips_the_marking_parameters() -> None:
    config = WatermarkConfig(key=SecretStr("k e y"), gamma=0.3, delta=1.7, context_width=2)
    rebuilt = config_from_env(server_environment(config))
    assert rebuilt.key.get_secret_value() == "k e y"
    assert (rebuilt.gamma, rebuilt.delta, rebuilt.context_width) == (0.3, 1.7, 2)
    assert config_from_env({}) == WatermarkConfig()


def test_bad_server_environment_names_the_variable() -> None:
    with pytest.raises(WatermarkSettingsError, match="COURSEBOT_WATERMARK__GAMMA"):
        config_from_env({"COURSEBOT_WATERMARK__GAMMA": "1.5"})


def test_a_rows_stop_tokens_get_the_bias_like_in_process() -> None:
    """A red end-of-turn token is raised with the green ones, on the server as in process,
    and the same context's cached mask is not changed for a row without stop tokens."""
    context = [1, 2, 3, 5, 9]
    reds = [t for t in range(VOCAB) if not bool(green([9])[t])][:2]
    marker = BatchMarker(CONFIG)
    marker.add(0, {MARK_ARG: 1}, 0.7, prompt=context[:3], output=context[3:], end_ids=reds)
    marker.add(1, {MARK_ARG: 1}, 0.7, prompt=context[:3], output=list(context[3:]))
    logits = torch.zeros(2, VOCAB)
    expected = GreenListProcessor(CONFIG, VOCAB, temperature=0.7, end_ids=reds)(
        context, logits[0].numpy().copy()
    )
    marker.apply(logits)
    assert torch.allclose(logits[0], torch.from_numpy(expected), atol=1e-6)
    assert all(float(logits[0, t]) == pytest.approx(1.4) for t in reds)
    assert all(float(logits[1, t]) == 0.0 for t in reds)
