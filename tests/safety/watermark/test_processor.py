"""The generation side: which logits get the bias, how much, and under which key."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import SecretStr

from safety.watermark import GreenListProcessor, VocabularyMismatch, WatermarkConfig

VOCAB = 49_152


def _run(proc: GreenListProcessor, context: list[int], scores: np.ndarray) -> np.ndarray:
    return proc(np.array(context, dtype=np.intc), scores)


def test_green_fraction_of_vocabulary_is_gamma() -> None:
    for gamma in (0.1, 0.25, 0.5):
        proc = GreenListProcessor(WatermarkConfig(gamma=gamma), VOCAB, temperature=1.0)
        fractions = [proc.green_list.mask([prev]).mean() for prev in range(0, 5000, 500)]
        # Binomial sd of the fraction over 49,152 ids is below 0.0023.
        assert all(abs(f - gamma) < 0.012 for f in fractions), fractions


def test_bias_is_added_exactly_to_green_ids() -> None:
    config = WatermarkConfig(delta=2.0)
    proc = GreenListProcessor(config, VOCAB, temperature=1.0)
    scores = np.random.default_rng(0).normal(size=VOCAB).astype(np.single)
    out = _run(proc, [11, 42], scores.copy())
    green = proc.green_list.mask([42])
    assert out.dtype == np.single and out.shape == scores.shape
    np.testing.assert_allclose(out[green] - scores[green], 2.0, rtol=1e-5)
    np.testing.assert_array_equal(out[~green], scores[~green])
    assert proc.calls == 1


def test_bias_follows_only_the_last_context_width_tokens() -> None:
    proc = GreenListProcessor(WatermarkConfig(context_width=1), VOCAB, temperature=1.0)
    scores = np.zeros(VOCAB, dtype=np.single)
    np.testing.assert_array_equal(_run(proc, [1, 2, 7], scores), _run(proc, [9, 7], scores))
    assert not np.array_equal(_run(proc, [1, 2, 7], scores), _run(proc, [1, 2, 8], scores))


@pytest.mark.parametrize(
    ("temperature", "expected"), [(0.5, 1.0), (0.7, 1.4), (1.3, 2.6), (0.0, 2.0)]
)
def test_bias_is_compensated_for_temperature(temperature: float, expected: float) -> None:
    proc = GreenListProcessor(WatermarkConfig(delta=2.0), VOCAB, temperature=temperature)
    out = _run(proc, [5], np.zeros(VOCAB, dtype=np.single))
    assert np.unique(out).tolist() == pytest.approx([0.0, expected])
    if temperature > 0:
        # What sampling does next: divide by the temperature. Green tokens gain delta.
        assert float(out.max() / temperature) == pytest.approx(2.0)


def test_same_key_same_list_other_key_other_list() -> None:
    a = GreenListProcessor(WatermarkConfig(key=SecretStr("alpha")), VOCAB, 1.0)
    a_again = GreenListProcessor(WatermarkConfig(key=SecretStr("alpha")), VOCAB, 1.0)
    b = GreenListProcessor(WatermarkConfig(key=SecretStr("beta")), VOCAB, 1.0)
    mask_a, mask_b = a.green_list.mask([123]), b.green_list.mask([123])
    np.testing.assert_array_equal(mask_a, a_again.green_list.mask([123]))
    overlap = (mask_a & mask_b).mean()
    # Independent lists share about gamma**2 of the vocabulary.
    assert abs(overlap - 0.25**2) < 0.01


def test_wrong_vocabulary_size_is_refused_and_recorded() -> None:
    proc = GreenListProcessor(WatermarkConfig(), VOCAB, temperature=0.7)
    with pytest.raises(VocabularyMismatch, match="n_vocab"):
        _run(proc, [3], np.zeros(32_000, dtype=np.single))
    assert proc.calls == 0
    assert proc.errors and "32000" in proc.errors[0]


def test_no_context_leaves_scores_alone_and_says_so() -> None:
    proc = GreenListProcessor(WatermarkConfig(), VOCAB, temperature=0.7)
    scores = np.ones(VOCAB, dtype=np.single)
    np.testing.assert_array_equal(_run(proc, [], scores), scores)
    assert proc.calls == 0 and proc.errors


def test_negative_temperature_is_an_error() -> None:
    with pytest.raises(ValueError, match="temperature"):
        GreenListProcessor(WatermarkConfig(), VOCAB, temperature=-1.0)


def test_end_tokens_get_the_bias_whatever_their_colour() -> None:
    """The mark must not keep the model from stopping: a red end-of-turn id is raised with
    the green ones, and nothing else changes."""
    plain = GreenListProcessor(WatermarkConfig(delta=2.0), VOCAB, temperature=1.0)
    green = plain.green_list.mask([42])
    red_ends = [int(t) for t in np.flatnonzero(~green)[:2]]
    ends = GreenListProcessor(WatermarkConfig(delta=2.0), VOCAB, 1.0, end_ids=red_ends)
    scores = np.zeros(VOCAB, dtype=np.single)
    with_ends = _run(ends, [42], scores.copy())
    without = _run(plain, [42], scores.copy())
    assert with_ends[red_ends].tolist() == pytest.approx([2.0, 2.0])
    assert without[red_ends].tolist() == [0.0, 0.0]
    others = np.ones(VOCAB, dtype=bool)
    others[red_ends] = False
    np.testing.assert_array_equal(with_ends[others], without[others])


def test_end_ids_outside_the_vocabulary_are_ignored() -> None:
    proc = GreenListProcessor(WatermarkConfig(), VOCAB, 1.0, end_ids=[-1, VOCAB, VOCAB + 7])
    plain = GreenListProcessor(WatermarkConfig(), VOCAB, 1.0)
    scores = np.zeros(VOCAB, dtype=np.single)
    np.testing.assert_array_equal(_run(proc, [3], scores.copy()), _run(plain, [3], scores.copy()))
