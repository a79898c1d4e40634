"""Green-list marking and the fingerprint probe over a batch of requests (engine-neutral).

A serving engine samples many requests in one step: one row of logits each. Each row that
asked for the mark (`MARK_ARG` in its extra arguments) gets its context's green tokens
raised, by the same rule as the in-process `GreenListProcessor`: `delta * temperature`
before the engine divides by the temperature, `delta` for greedy rows, and the request's
stop tokens raised with them (`greenlist.with_end_tokens`). Each row that asked
for the probe (`PROBE_ARG`) has every logit but one set to -inf, step after step, so it
generates exactly `probe_tokens(config)`. Other rows are left alone.

The engine tells the marker which request sits in which row (`add`, `remove`, `move`)
and hands it the row's live list of output token ids, which grows as the request
generates; the context of a step is the last `context_width` ids of prompt + output,
exactly what the detector later hashes. A step whose context holds a placeholder id (< 0,
which asynchronous scheduling can leave for a token still in flight) is left unmarked
rather than hashed wrongly, and counted in `skipped`.

Kept free of any engine import, so its logic is tested in the app's own environment;
`vllm_processor` adapts it to vLLM's interface.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from safety.watermark.config import WatermarkConfig
from safety.watermark.greenlist import GreenList, with_end_tokens
from safety.watermark.remote import MARK_ARG, PROBE_ARG, probe_tokens

GREEDY_BELOW = 1e-5
"""vLLM samples greedily (no temperature division) below this temperature."""

CACHED_MASKS = 1024
"""Green masks kept for the most recent contexts (49 KB each at 49,152 tokens): common
contexts (a space, a comma, "the") recur in every answer, and a hit skips the hash."""


@dataclass
class Row:
    """One request's marking state: what it asked for and the ids its context comes from."""

    probe: bool
    bias: float
    prompt_tail: list[int]
    output: list[int]
    """The engine's own list of the request's output ids (a reference: it keeps growing)."""
    end_ids: tuple[int, ...] = ()
    """The ids that end this request (its stop tokens), raised with the green ones."""

    def context(self, width: int) -> list[int] | None:
        """The last `width` ids before this step, or None when there are not yet that many."""
        if len(self.output) >= width:
            return self.output[-width:]
        needed = width - len(self.output)
        if needed > len(self.prompt_tail):
            return None
        return self.prompt_tail[-needed:] + self.output


def bias_for(config: WatermarkConfig, temperature: float) -> float:
    """The logit bias that gives green tokens exactly `delta` after temperature division."""
    return config.delta * temperature if temperature >= GREEDY_BELOW else config.delta


class BatchMarker:
    """Marks and probes the rows of each step's logits, per the requests sitting in them."""

    def __init__(self, config: WatermarkConfig) -> None:
        self.config = config
        self.probe = probe_tokens(config)
        self.rows: dict[int, Row] = {}
        self.marked = 0
        """Row-steps that received the bias."""
        self.skipped = 0
        """Row-steps of marked requests left unmarked (placeholder or missing context)."""
        self._green: GreenList | None = None
        self._masks: OrderedDict[tuple[int, ...], torch.Tensor] = OrderedDict()

    def green_list(self, vocab_size: int) -> GreenList:
        """The green list for logits `vocab_size` wide (membership of an id never changes)."""
        if self._green is None or self._green.vocab_size != vocab_size:
            self._green = GreenList(
                self.config.key.get_secret_value(),
                self.config.gamma,
                self.config.context_width,
                vocab_size,
            )
            self._masks.clear()
        return self._green

    def mask(self, context: Sequence[int], vocab_size: int) -> torch.Tensor:
        """The green mask (bool tensor) after `context`, from the cache when it is there."""
        green_list = self.green_list(vocab_size)
        key = tuple(context)
        cached = self._masks.get(key)
        if cached is not None:
            self._masks.move_to_end(key)
            return cached
        mask = torch.from_numpy(green_list.mask(context))
        self._masks[key] = mask
        if len(self._masks) > CACHED_MASKS:
            self._masks.popitem(last=False)
        return mask

    def add(
        self,
        index: int,
        extra_args: Mapping[str, Any] | None,
        temperature: float,
        prompt: Sequence[int] | None,
        output: list[int],
        end_ids: Collection[int] = (),
    ) -> None:
        """Put a request in row `index` (replacing whatever was there)."""
        args = extra_args or {}
        if PROBE_ARG in args or MARK_ARG in args:
            width = self.config.context_width
            self.rows[index] = Row(
                probe=PROBE_ARG in args,
                bias=bias_for(self.config, temperature),
                prompt_tail=[int(t) for t in (prompt or [])[-width:]],
                output=output,
                end_ids=tuple(sorted(int(t) for t in end_ids)),
            )
        else:
            self.rows.pop(index, None)

    def remove(self, index: int) -> None:
        """Row `index` no longer holds a request."""
        self.rows.pop(index, None)

    def move(self, source: int, target: int, swap: bool) -> None:
        """The request in `source` moves to `target`; with `swap`, `target`'s moves back."""
        moving = self.rows.pop(source, None)
        other = self.rows.pop(target, None)
        if moving is not None:
            self.rows[target] = moving
        if swap and other is not None:
            self.rows[source] = other

    def apply(self, logits: torch.Tensor) -> torch.Tensor:
        """Bias or force the rows that asked for it, in place; returns `logits`."""
        if not self.rows:
            return logits
        vocab_size = int(logits.shape[-1])
        width = self.config.context_width
        for index, row in self.rows.items():
            if row.probe:
                self._force(logits[index], len(row.output))
                continue
            context = row.context(width)
            if context is None or min(context) < 0:
                self.skipped += 1
                continue
            green = self.mask(context, vocab_size)
            if row.end_ids:
                green = torch.from_numpy(with_end_tokens(green.numpy(), row.end_ids))
            logits[index].add_(green.to(logits.device), alpha=row.bias)
            self.marked += 1
        return logits

    def _force(self, row_logits: torch.Tensor, step: int) -> None:
        """Make the probe's token at `step` the only one possible (past its end: as is)."""
        if step >= len(self.probe):
            return
        token = self.probe[step]
        row_logits.fill_(float("-inf"))
        row_logits[token] = 0.0
