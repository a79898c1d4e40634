"""The detection side: count green tokens and test them against chance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from safety.watermark.config import WatermarkConfig
from safety.watermark.greenlist import GreenList
from safety.watermark.verdict import (
    Decision,
    WatermarkSpan,
    WatermarkVerdict,
    binomial_tail,
    binomial_tails,
    one_sided_p,
    z_score,
)

TokenIds = Sequence[int] | npt.NDArray[np.integer]


class WatermarkDetector(Protocol):
    """Anything that can tell whether a sequence of token ids carries the watermark."""

    def detect(self, token_ids: TokenIds) -> WatermarkVerdict: ...


class GreenListDetector:
    """Scores each token against the green list of its preceding context.

    Under the null hypothesis (text written without the key) each scored token is green
    with probability gamma. Repeated (context, token) pairs are scored once, so a phrase
    repeated many times cannot inflate the count in either direction.
    """

    def __init__(self, config: WatermarkConfig, vocab_size: int) -> None:
        self.config = config
        self.vocab_size = vocab_size
        self.green_list = GreenList(
            config.key.get_secret_value(), config.gamma, config.context_width, vocab_size
        )

    def detect(self, token_ids: TokenIds, skip: Sequence[bool] | None = None) -> WatermarkVerdict:
        """A verdict on the whole sequence; bad input gives a verdict, never an exception.

        Positions where `skip` is True are not scored (for example text quoted from
        the documents, which no key chose).
        """
        ids, note = self._as_ids(token_ids)
        flags, repeated, invalid = self._flags(ids, skip)
        scored = sum(flag is not None for flag in flags)
        green = sum(flag is True for flag in flags)
        if invalid and not note:
            note = f"{invalid} token ids lie outside the vocabulary of {self.vocab_size}."
        return self._verdict(flags, scored, green, repeated, invalid, note)

    @property
    def alpha(self) -> float:
        """The false-alarm rate the threshold stands for: the normal tail of z_threshold."""
        return one_sided_p(self.config.z_threshold)

    def detect_spans(
        self,
        token_ids: TokenIds,
        window: int = 64,
        stride: int = 16,
        skip: Sequence[bool] | None = None,
    ) -> list[WatermarkSpan]:
        """Marked stretches of a text that mixes watermarked and other writing.

        Windows of `window`, 2x and 4x `window` tokens (every `stride`, 2x, 4x tokens)
        are each tested with the exact binomial tail. A window counts when its p-value
        times the number of windows searched (Bonferroni) is at most `alpha`, so a text
        without the mark shows a span with probability at most `alpha` however long it
        is. Overlapping windows that count are merged; each merged stretch is trimmed to
        its densest green run for display, and reports its best window's test.
        """
        if window < 1 or stride < 1:
            raise ValueError("window and stride must be positive")
        ids, _ = self._as_ids(token_ids)
        flags, _, _ = self._flags(ids, skip)
        n = len(flags)
        if n == 0:
            return []
        scored_sum = np.concatenate([[0], np.cumsum([f is not None for f in flags])])
        green_sum = np.concatenate([[0], np.cumsum([f is True for f in flags])])
        starts_list: list[int] = []
        ends_list: list[int] = []
        for factor in (1, 2, 4):
            size, step = window * factor, stride * factor
            if factor > 1 and size > n:
                break
            starts = list(range(0, max(n - size, 0) + 1, step))
            if starts[-1] + size < n:
                starts.append(n - size)
            starts_list.extend(starts)
            ends_list.extend(min(start + size, n) for start in starts)
        begin = np.asarray(starts_list, dtype=np.int64)
        stop = np.asarray(ends_list, dtype=np.int64)
        scored = scored_sum[stop] - scored_sum[begin]
        green = green_sum[stop] - green_sum[begin]
        searched = len(begin)
        p_raw = binomial_tails(green, scored, self.config.gamma)
        counts = (scored >= self.config.min_tokens) & (p_raw * searched <= self.alpha)
        regions: list[list[int]] = []  # [start, end, index of the best window]
        for i in sorted(np.flatnonzero(counts).tolist(), key=lambda j: (begin[j], stop[j])):
            if regions and begin[i] <= regions[-1][1]:
                region = regions[-1]
                region[1] = max(region[1], int(stop[i]))
                if p_raw[i] < p_raw[region[2]]:
                    region[2] = i
            else:
                regions.append([int(begin[i]), int(stop[i]), i])
        spans = []
        for region_start, region_end, best in regions:
            best_rate = float(green[best]) / max(int(scored[best]), 1)
            start, end = self._densest(flags, region_start, region_end, best_rate)
            span_scored, span_green = _count(flags[start:end])
            spans.append(
                WatermarkSpan(
                    start=start,
                    end=end,
                    scored_tokens=span_scored,
                    green_tokens=span_green,
                    z=z_score(int(green[best]), int(scored[best]), self.config.gamma),
                    p_value=min(1.0, float(p_raw[best]) * searched),
                    window_p_value=float(p_raw[best]),
                    windows_searched=searched,
                )
            )
        return spans

    def _as_ids(self, token_ids: TokenIds) -> tuple[npt.NDArray[np.int64], str]:
        try:
            ids = np.asarray(token_ids, dtype=np.int64).reshape(-1)
        except (TypeError, ValueError, OverflowError):
            return np.zeros(0, dtype=np.int64), "The input is not a sequence of integer ids."
        return ids, ""

    def _flags(
        self, ids: npt.NDArray[np.int64], skip: Sequence[bool] | None = None
    ) -> tuple[list[bool | None], int, int]:
        """Green flag per position (None = not scored), repeats skipped, invalid ids."""
        width = self.config.context_width
        flags: list[bool | None] = [None] * len(ids)
        positions: list[int] = []
        seen: set[tuple[int, ...]] = set()
        repeated = invalid = 0
        for i in range(width, len(ids)):
            token = int(ids[i])
            if not 0 <= token < self.vocab_size:
                invalid += 1
                continue
            if skip is not None and i < len(skip) and skip[i]:
                continue
            ngram = (*(int(t) for t in ids[i - width : i]), token)
            if ngram in seen:
                repeated += 1
                continue
            seen.add(ngram)
            positions.append(i)
        invalid += sum(1 for t in ids[:width] if not 0 <= int(t) < self.vocab_size)
        if positions:
            seeds = np.array(
                [self.green_list.seed(ids[i - width : i]) for i in positions], dtype=np.uint64
            )
            greens = self.green_list.is_green(seeds, ids[positions])
            for i, is_green in zip(positions, greens.tolist(), strict=True):
                flags[i] = bool(is_green)
        return flags, repeated, invalid

    def _densest(
        self, flags: list[bool | None], start: int, end: int, marked_rate: float
    ) -> tuple[int, int]:
        """The sub-stretch of [start, end) with the largest excess of green over gamma.

        Each green token scores 1 - r and each red one -r (maximum-sum subarray), with r
        halfway between gamma and the green rate of the best window, so unmarked tokens
        that windows drag in at either edge drift the sum down and are trimmed.
        """
        rate = (self.config.gamma + marked_rate) / 2.0
        best, best_start, best_end = 0.0, start, start
        running, running_start = 0.0, start
        for i in range(start, end):
            if flags[i] is not None:
                running += (1.0 - rate) if flags[i] else -rate
            if running <= 0.0:
                running, running_start = 0.0, i + 1
            elif running > best:
                best, best_start, best_end = running, running_start, i + 1
        return (best_start, best_end) if best_end > best_start else (start, end)

    def _verdict(
        self,
        flags: list[bool | None],
        scored: int,
        green: int,
        repeated: int,
        invalid: int,
        note: str,
    ) -> WatermarkVerdict:
        gamma = self.config.gamma
        z = z_score(green, scored, gamma)
        decision: Decision
        if scored < self.config.min_tokens:
            decision = "too short to tell"
            note = note or (
                f"Only {scored} tokens could be scored; at least {self.config.min_tokens} "
                "are needed."
            )
        elif binomial_tail(green, scored, gamma) <= self.alpha:
            decision = "watermarked"
        else:
            decision = "not watermarked"
        return WatermarkVerdict(
            verdict=decision,
            z=z,
            p_value=binomial_tail(green, scored, gamma),
            threshold=self.config.z_threshold,
            scored_tokens=scored,
            green_tokens=green,
            green_fraction=green / scored if scored else 0.0,
            gamma=gamma,
            total_tokens=len(flags),
            repeated_tokens=repeated,
            invalid_tokens=invalid,
            green_flags=flags,
            note=note,
        )


def _count(flags: list[bool | None]) -> tuple[int, int]:
    """(scored, green) among flags."""
    return sum(f is not None for f in flags), sum(f is True for f in flags)
