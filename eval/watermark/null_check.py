"""Span false alarms on unmarked text: how often the span search reports a marked stretch.

    python -m eval.watermark.null_check --texts 3000 --length 1000

Each text is `length` uniformly random token ids (no key could have chosen them), so
every reported span is a false alarm. Prints the number of texts with a span, the
smallest span p-value reported, and the whole-text false-positive count.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from safety.watermark import GreenListDetector, WatermarkConfig

VOCAB = 49_152


def null_check(texts: int, length: int, seed: int = 0) -> dict[str, float | int | None]:
    """Span and whole-text false alarms over `texts` random texts of `length` ids."""
    detector = GreenListDetector(WatermarkConfig(), VOCAB)
    rng = np.random.default_rng(seed)
    with_span = whole = 0
    smallest: float | None = None
    for _ in range(texts):
        ids = rng.integers(0, VOCAB, size=length)
        spans = detector.detect_spans(ids)
        if spans:
            with_span += 1
            low = min(span.p_value for span in spans)
            smallest = low if smallest is None else min(smallest, low)
        whole += detector.detect(ids).verdict == "watermarked"
    return {
        "texts": texts,
        "length": length,
        "texts_with_a_span": with_span,
        "share_with_a_span": with_span / texts if texts else 0.0,
        "smallest_span_p": smallest,
        "whole_text_flagged": whole,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(null_check(args.texts, args.length, args.seed), indent=2))


if __name__ == "__main__":
    main()
