"""Generating paired watermarked / plain answers for the benchmark, one JSONL row each."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from eval.watermark.questions import CourseQuestion
from rag.generation import LlamaCppGenerator
from safety.watermark import GreenListProcessor, WatermarkConfig

SYSTEM = (
    "You are a teaching assistant for a machine learning course. Answer the student's "
    "question using the course passage given as context. Explain in full sentences."
)


class Sample(BaseModel):
    """One generated answer and what was measured while generating it."""

    index: int
    arm: str  # "watermarked" or "plain"
    question: str
    section: str
    seed: int
    token_ids: list[int]
    text: str
    seconds: float
    first_token_s: float
    processor_calls: int
    mean_nll: float | None  # mean -log p(token) under the unbiased model at temperature 1


class Probe:
    """First in the chain for both arms: holds off the end of turn until `min_tokens`
    tokens, and records each chosen token's log-probability under the unbiased logits."""

    def __init__(self, stop_ids: list[int], min_tokens: int) -> None:
        self.stop_ids = stop_ids
        self.min_tokens = min_tokens
        self.calls = 0
        self.nll: list[float] = []
        self._previous: tuple[npt.NDArray[np.single], float] | None = None

    def __call__(
        self, input_ids: npt.NDArray[np.intc], scores: npt.NDArray[np.single]
    ) -> npt.NDArray[np.single]:
        if self._previous is not None:
            raw, log_z = self._previous
            self.nll.append(log_z - float(raw[int(input_ids[-1])]))
        peak = float(scores.max())
        log_z = peak + math.log(float(np.exp(scores - peak).sum()))
        self._previous = (scores.copy(), log_z)
        self.calls += 1
        if self.calls <= self.min_tokens:
            scores = scores.copy()
            scores[self.stop_ids] = -np.inf
        return scores


class Chain:
    """Probe then watermark, as one processor; `calls` is the watermark's count."""

    def __init__(self, probe: Probe, mark: GreenListProcessor) -> None:
        self.probe, self.mark = probe, mark

    @property
    def calls(self) -> int:
        return self.mark.calls

    def __call__(
        self, input_ids: npt.NDArray[np.intc], scores: npt.NDArray[np.single]
    ) -> npt.NDArray[np.single]:
        return self.mark(input_ids, self.probe(input_ids, scores))


def generate_pair(
    generator: LlamaCppGenerator,
    stop_ids: list[int],
    config: WatermarkConfig,
    item: CourseQuestion,
    index: int,
    *,
    length: int,
    temperature: float,
    top_p: float,
) -> list[Sample]:
    """The same question and seed answered with and without the mark (order alternates)."""
    seed = 1000 + index
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Context:\n{item.context}\n\nQuestion: {item.question}"},
    ]
    arms = ["watermarked", "plain"] if index % 2 == 0 else ["plain", "watermarked"]
    samples = []
    for arm in arms:
        probe = Probe(stop_ids, min_tokens=length)
        processor: Probe | Chain = probe
        if arm == "watermarked":
            processor = Chain(probe, GreenListProcessor(config, generator.n_vocab, temperature))
        stream = generator.stream(
            messages,
            max_tokens=length,
            temperature=temperature,
            top_p=top_p,
            logits_processor=processor,
            seed=seed,
        )
        for _ in stream:
            pass
        result = stream.result
        samples.append(
            Sample(
                index=index,
                arm=arm,
                question=item.question,
                section=item.section,
                seed=seed,
                token_ids=result.token_ids,
                text=result.text,
                seconds=result.seconds,
                first_token_s=result.first_token_s or 0.0,
                processor_calls=processor.calls,
                mean_nll=float(np.mean(probe.nll)) if probe.nll else None,
            )
        )
    return samples


def read_samples(path: Path) -> list[Sample]:
    """Samples written so far (a partial run is fine)."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Sample.model_validate_json(line) for line in lines if line.strip()]
