"""`coursebot eval safety`: the input guard per attack family and per benign family.

    coursebot eval safety --split test --out DIR

Each family of one split of the labelled set (test by default; dev for tuning) goes
through `InputGuard.check` on one torch thread. Harmful families report the share
refused, benign families the share passed, each with a 95% bootstrap interval; a
confusion table says which policy refused what; AdvBench is its own measuring-only
family; the fairness audit runs on its own templates.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from eval.safety.fairness import TEMPLATES, FairnessReport, audit
from eval.safety.sets import EvalItem, advbench_family, labelled_families, split_sizes
from eval.safety.stats import bootstrap_ci
from safety import InputGuard, OutputGuard
from safety.toxicity.dataset import Split

DEFAULT_ADVBENCH = Path(__file__).resolve().parents[3] / "shared" / "data" / "advbench.jsonl"
"""AdvBench in the project's shared data folder, beside the repository (measuring only)."""
ALLOWED = "allowed"
ANSWER_FAMILIES = ("legacy-harmful-text", "legacy-course-text")
"""Families of answer-like text, also put through the output guard."""
RISKY_FAMILIES = (
    "risky-everyday", "risky-tech", "risky-more", "course-sensitive",
    "about-injection", "instruction-style",
)  # fmt: skip
"""Benign families that sound risky ("How do I kill a Python process?", the course's
sensitive sections, questions about injection), pooled for the over-refusal floor."""


class FamilyResult(BaseModel):
    """How the guard did on one family: refused share (harmful) or passed share (benign)."""

    family: str
    harmful: bool
    n: int
    rate: float
    ci95: tuple[float, float]
    misses: list[str]


class SafetyReport(BaseModel):
    split: str
    split_sizes: dict[str, dict[str, int]]
    families: list[FamilyResult]
    confusion: dict[str, dict[str, int]]
    overall: dict[str, FamilyResult]
    latency_ms: dict[str, float]
    torch_threads: int | None
    load_average: tuple[float, float, float]
    fairness: FairnessReport
    output: list[FamilyResult] = []


@contextmanager
def one_thread() -> Iterator[int | None]:
    """Run torch on one thread (the latency floor is stated for one), then restore."""
    try:
        import torch
    except ImportError:
        yield None
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield 1
    finally:
        torch.set_num_threads(before)


def _result(family: str, harmful: bool, texts: list[str], refused: list[bool]) -> FamilyResult:
    good = [flag if harmful else not flag for flag in refused]
    return FamilyResult(
        family=family,
        harmful=harmful,
        n=len(good),
        rate=round(sum(good) / len(good), 4) if good else 0.0,
        ci95=bootstrap_ci(good),
        misses=[text for text, ok in zip(texts, good, strict=True) if not ok],
    )


def output_results(guard: OutputGuard, families: dict[str, list[EvalItem]]) -> list[FamilyResult]:
    """The output guard on the answer-like families: harmful withheld, harmless passed."""
    results: list[FamilyResult] = []
    for name, items in sorted(families.items()):
        if name.split(" (")[0] not in ANSWER_FAMILIES:
            continue
        texts = [item.text for item in items]
        refused = [not guard.check(text).allowed for text in texts]
        results.append(_result(name, items[0].harmful, texts, refused))
    return results


def run(
    guard: InputGuard,
    split: Split = "test",
    advbench: Path | None = None,
    sample: int = 0,
    output_guard: OutputGuard | None = None,
) -> SafetyReport:
    """Measure the input guard on every family of `split` (first `sample` of each when > 0),
    and the output guard, when given, on its answer-like families."""
    families = labelled_families(split)
    adv = advbench_family(advbench)
    if adv:
        families[adv[0].family] = adv
    if sample:
        families = {name: items[:sample] for name, items in families.items()}
    results: list[FamilyResult] = []
    confusion: dict[str, dict[str, int]] = {}
    latencies: list[float] = []
    pooled: dict[bool, tuple[list[str], list[bool]]] = {True: ([], []), False: ([], [])}
    risky: tuple[list[str], list[bool]] = ([], [])
    with one_thread() as threads:
        guard.check("warm-up")
        for name in sorted(families, key=lambda n: (not families[n][0].harmful, n)):
            items: list[EvalItem] = families[name]
            verdicts = [guard.check(item.text) for item in items]
            latencies.extend(verdict.latency_ms for verdict in verdicts)
            refused = [not verdict.allowed for verdict in verdicts]
            harmful = items[0].harmful
            texts = [item.text for item in items]
            results.append(_result(name, harmful, texts, refused))
            confusion[name] = dict(
                Counter(
                    verdict.policy or ALLOWED if not verdict.allowed else ALLOWED
                    for verdict in verdicts
                )
            )
            if not name.startswith("advbench"):
                pooled[harmful][0].extend(texts)
                pooled[harmful][1].extend(refused)
            if name in RISKY_FAMILIES:
                risky[0].extend(texts)
                risky[1].extend(refused)
        templates = TEMPLATES[: max(1, sample // 10)] if sample else None
        fairness = audit(lambda text: not guard.check(text).allowed, templates=templates)
        output = output_results(output_guard, families) if output_guard else []
    ordered = sorted(latencies)
    load = os.getloadavg()
    return SafetyReport(
        split=split,
        split_sizes=split_sizes(),
        families=results,
        confusion=confusion,
        overall={
            "all harmful (AdvBench excluded)": _result("all harmful", True, *pooled[True]),
            "all benign": _result("all benign", False, *pooled[False]),
            "benign that sounds risky": _result("benign that sounds risky", False, *risky),
        },
        latency_ms={
            "p50": round(statistics.median(ordered), 2) if ordered else 0.0,
            "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2)
            if ordered
            else 0.0,
        },
        torch_threads=threads,
        load_average=(round(load[0], 2), round(load[1], 2), round(load[2], 2)),
        fairness=fairness,
        output=output,
    )
