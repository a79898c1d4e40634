"""The detection side on constructed sequences: statistics, repeats, length and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import SecretStr

from safety.watermark import GreenListDetector, WatermarkConfig, WatermarkDetector

VOCAB = 49_152


def _detector(**overrides: object) -> GreenListDetector:
    return GreenListDetector(WatermarkConfig.model_validate(overrides), VOCAB)


def _sequence(det: GreenListDetector, colours: str, seed: int = 0) -> list[int]:
    """Token ids whose green/red pattern (after the first token) is `colours` ('g'/'r').

    Each token is drawn from the green or red list of its predecessor and never
    repeats a (previous, token) pair, so every token is scored.
    """
    rng = np.random.default_rng(seed)
    ids = [int(rng.integers(VOCAB))]
    for colour in colours:
        mask = det.green_list.mask([ids[-1]])
        pool = np.flatnonzero(mask if colour == "g" else ~mask)
        ids.append(int(rng.choice(pool)))
    return ids


def test_is_a_watermark_detector() -> None:
    detector: WatermarkDetector = _detector()
    assert detector.detect([1, 2, 3]).verdict == "too short to tell"


def _exact_tail(green: int, scored: int, gamma: float) -> float:
    return sum(
        math.comb(scored, k) * gamma**k * (1 - gamma) ** (scored - k)
        for k in range(green, scored + 1)
    )


def test_z_is_the_one_proportion_test_and_p_the_exact_binomial_tail() -> None:
    det = _detector()
    verdict = det.detect(_sequence(det, "g" * 30 + "r" * 70))
    expected_z = (30 - 0.25 * 100) / math.sqrt(100 * 0.25 * 0.75)
    assert verdict.scored_tokens == 100 and verdict.green_tokens == 30
    assert verdict.z == pytest.approx(expected_z)
    assert verdict.p_value == pytest.approx(_exact_tail(30, 100, 0.25), rel=1e-9)
    assert verdict.green_fraction == pytest.approx(0.3)
    assert verdict.verdict == "not watermarked"


def test_short_texts_use_the_exact_tail_not_the_normal_one() -> None:
    """At 16 tokens the normal approximation understates the tail about elevenfold: 11 of
    16 green has z 4.04 (normal p 2.7e-5) but an exact p of 2.9e-4, so it is not marked."""
    det = _detector()
    verdict = det.detect(_sequence(det, "g" * 11 + "r" * 5))
    assert verdict.z > 4.0
    assert verdict.p_value == pytest.approx(_exact_tail(11, 16, 0.25), rel=1e-9)
    assert verdict.p_value > 10 * 0.5 * math.erfc(verdict.z / math.sqrt(2))
    assert verdict.verdict == "not watermarked"
    assert det.detect(_sequence(det, "g" * 13 + "r" * 3)).verdict == "watermarked"


def test_mostly_green_text_is_watermarked() -> None:
    det = _detector()
    verdict = det.detect(_sequence(det, "gggr" * 25))
    assert verdict.green_tokens == 75 and verdict.z == pytest.approx(50 / math.sqrt(18.75))
    assert verdict.verdict == "watermarked" and verdict.p_value < 1e-6
    assert verdict.green_flags[0] is None
    assert verdict.green_flags[1:5] == [True, True, True, False]


def test_random_tokens_are_not_watermarked() -> None:
    det = _detector()
    rng = np.random.default_rng(7)
    zs = [det.detect(rng.integers(0, VOCAB, size=300)).z for _ in range(20)]
    assert max(zs) < 4.0
    assert abs(float(np.mean(zs))) < 1.0


def test_repeated_ngrams_are_counted_once() -> None:
    det = _detector()
    phrase = _sequence(det, "g" * 10)
    verdict = det.detect(phrase * 20)
    # 10 green pairs inside the phrase, plus the pair joining copies, each scored once.
    assert verdict.scored_tokens == 11
    assert verdict.repeated_tokens == len(phrase) * 20 - 1 - 11
    assert sum(flag is not None for flag in verdict.green_flags) == 11


def test_min_tokens_rule() -> None:
    det = _detector(min_tokens=16)
    short = det.detect(_sequence(det, "g" * 15))
    enough = det.detect(_sequence(det, "g" * 16))
    assert short.verdict == "too short to tell" and "15" in short.note
    assert enough.verdict == "watermarked"


def test_another_key_does_not_see_the_mark() -> None:
    marked = _detector(key=SecretStr("secret-one"))
    other = _detector(key=SecretStr("secret-two"))
    ids = _sequence(marked, "g" * 200)
    assert marked.detect(ids).verdict == "watermarked"
    assert other.detect(ids).verdict == "not watermarked"


@pytest.mark.parametrize(
    "bad",
    [[], [7], ["a", "b"], [[1, 2], [3]], [-5] * 40, [VOCAB + 10] * 40, None],
)
def test_bad_input_gives_a_verdict_not_an_exception(bad: object) -> None:
    verdict = _detector().detect(bad)  # type: ignore[arg-type]
    assert verdict.verdict == "too short to tell"
    assert verdict.scored_tokens == 0 and verdict.p_value == 1.0


def test_out_of_range_ids_are_skipped_and_reported() -> None:
    det = _detector()
    ids = _sequence(det, "g" * 40)
    verdict = det.detect([*ids, VOCAB + 1, -3])
    assert verdict.invalid_tokens == 2 and verdict.scored_tokens == 40
    assert "outside the vocabulary" in verdict.note
    assert verdict.green_flags[-2:] == [None, None]
