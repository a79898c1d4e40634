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

    def detect(self, token_ids: TokenIds) -> WatermarkVerdict:
        """A verdict on the whole sequence; bad input gives a verdict, never an exception."""
        ids, note = self._as_ids(token_ids)
        flags, repeated, invalid = self._flags(ids)
        scored = sum(flag is not None for flag in flags)
        green = sum(flag is True for flag in flags)
        if invalid and not note:
            note = f"{invalid} token ids lie outside the vocabulary of {self.vocab_size}."
        return self._verdict(flags, scored, green, repeated, invalid, note)

    def detect_spans(
        self, token_ids: TokenIds, window: int = 64, stride: int = 16
    ) -> list[WatermarkSpan]:
        """Marked stretches of a text that mixes watermarked and other writing.

        Each window of `window` tokens (every `stride` tokens) is tested on its own; windows
        that clear the threshold are merged, and each merged stretch is trimmed to its
        first and last green token and tested again as a whole.
        """
        if window < 1 or stride < 1:
            raise ValueError("window and stride must be positive")
        ids, _ = self._as_ids(token_ids)
        flags, _, _ = self._flags(ids)
        n = len(flags)
        if n == 0:
            return []
        starts = list(range(0, max(n - window, 0) + 1, stride))
        if starts[-1] + window < n:
            starts.append(n - window)
        marked: list[tuple[int, int]] = []
        for start in starts:
            end = min(start + window, n)
            scored, green = _count(flags[start:end])
            if scored >= self.config.min_tokens and self._clears(green, scored):
                if marked and start <= marked[-1][1]:
                    marked[-1] = (marked[-1][0], end)
                else:
                    marked.append((start, end))
        spans = []
        for region_start, region_end in marked:
            start, end = self._densest(flags, region_start, region_end)
            scored, green = _count(flags[start:end])
            z = z_score(green, scored, self.config.gamma)
            spans.append(
                WatermarkSpan(
                    start=start,
                    end=end,
                    scored_tokens=scored,
                    green_tokens=green,
                    z=z,
                    p_value=one_sided_p(z),
                )
            )
        return spans

    def _as_ids(self, token_ids: TokenIds) -> tuple[npt.NDArray[np.int64], str]:
        try:
            ids = np.asarray(token_ids, dtype=np.int64).reshape(-1)
        except (TypeError, ValueError, OverflowError):
            return np.zeros(0, dtype=np.int64), "The input is not a sequence of integer ids."
        return ids, ""

    def _flags(self, ids: npt.NDArray[np.int64]) -> tuple[list[bool | None], int, int]:
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

    def _densest(self, flags: list[bool | None], start: int, end: int) -> tuple[int, int]:
        """The sub-stretch of [start, end) with the largest excess of green over gamma.

        Each green token scores 1 - r and each red one -r (maximum-sum subarray), with r
        halfway between gamma and the stretch's own green rate, so unmarked tokens that a
        window drags in at either edge drift the sum down and are trimmed.
        """
        scored, green = _count(flags[start:end])
        rate = (self.config.gamma + green / max(scored, 1)) / 2.0
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

    def _clears(self, green: int, scored: int) -> bool:
        return z_score(green, scored, self.config.gamma) >= self.config.z_threshold

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
        elif z >= self.config.z_threshold:
            decision = "watermarked"
        else:
            decision = "not watermarked"
        return WatermarkVerdict(
            verdict=decision,
            z=z,
            p_value=one_sided_p(z) if scored else 1.0,
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
