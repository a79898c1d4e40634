"""Span detection finds the marked part of a text that mixes marked and other writing."""

from __future__ import annotations

import numpy as np
import pytest

from safety.watermark import GreenListDetector, WatermarkConfig

VOCAB = 49_152


def _mixed(det: GreenListDetector, human: int, marked: int, after: int) -> list[int]:
    """Random ids, then `marked` ids each drawn from its predecessor's green list, then random."""
    rng = np.random.default_rng(3)
    ids = [int(t) for t in rng.integers(0, VOCAB, size=human)]
    for _ in range(marked):
        pool = np.flatnonzero(det.green_list.mask([ids[-1]]))
        ids.append(int(rng.choice(pool)))
    ids.extend(int(t) for t in rng.integers(0, VOCAB, size=after))
    return ids


def test_marked_middle_is_found() -> None:
    det = GreenListDetector(WatermarkConfig(), VOCAB)
    ids = _mixed(det, human=300, marked=120, after=300)
    spans = det.detect_spans(ids, window=64, stride=16)
    assert len(spans) == 1
    span = spans[0]
    assert abs(span.start - 300) <= 8 and abs(span.end - 420) <= 8
    assert span.z >= 4.0 and span.p_value < 1e-4
    # The whole text is mostly unmarked, yet the marked stretch stands out.
    assert det.detect(ids).z < det.detect(ids[span.start : span.end]).z


def test_unmarked_text_has_no_spans() -> None:
    det = GreenListDetector(WatermarkConfig(), VOCAB)
    rng = np.random.default_rng(11)
    assert det.detect_spans(rng.integers(0, VOCAB, size=2000)) == []


def test_short_and_empty_inputs() -> None:
    det = GreenListDetector(WatermarkConfig(), VOCAB)
    assert det.detect_spans([]) == []
    marked_only = _mixed(det, human=1, marked=30, after=0)
    spans = det.detect_spans(marked_only, window=64)
    assert len(spans) == 1 and spans[0].end == len(marked_only)


def test_window_and_stride_must_be_positive() -> None:
    det = GreenListDetector(WatermarkConfig(), VOCAB)
    with pytest.raises(ValueError, match="positive"):
        det.detect_spans([1, 2, 3], window=0)


def test_span_p_values_account_for_the_windows_searched() -> None:
    det = GreenListDetector(WatermarkConfig(), VOCAB)
    ids = _mixed(det, human=600, marked=80, after=600)
    spans = det.detect_spans(ids, window=64, stride=16)
    assert len(spans) == 1
    span = spans[0]
    assert span.windows_searched > 100
    assert span.p_value == pytest.approx(min(1.0, span.window_p_value * span.windows_searched))
    assert span.p_value <= det.alpha


def test_skipped_positions_are_not_scored() -> None:
    det = GreenListDetector(WatermarkConfig(), VOCAB)
    ids = _mixed(det, human=1, marked=100, after=100)
    skip = [i <= 100 for i in range(len(ids))]
    assert det.detect(ids).verdict == "watermarked"
    rest = det.detect(ids, skip=skip)
    assert rest.verdict == "not watermarked" and rest.scored_tokens <= 100
    assert all(flag is None for flag in rest.green_flags[:101])
    assert det.detect_spans(ids, skip=skip) == []
