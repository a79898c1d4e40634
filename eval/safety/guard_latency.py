"""Input guard latency per encoder precision, side by side in one process.

    python -m eval.safety.guard_latency --split dev --n 200

Each question of the split goes through `InputGuard.check` once per precision, the
precisions alternating question by question, so load that comes and goes on a shared
machine falls on both alike. One ONNX Runtime thread, as the app's guards run. Prints
p50 / p95 per precision, their ratio and the load average; absolute figures on a busy
machine mean little, the ratio is what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

from eval.safety.encoders import onnx_encoder
from rag.onnx_export import Precision
from safety import InputGuard, SafetyPolicy
from safety.toxicity.dataset import Split, load_items

PRECISIONS: tuple[Precision, ...] = ("float", "int8")


def percentile(values: list[float], share: float) -> float:
    """The value at `share` of the sorted list (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(split: Split, n: int) -> dict[str, object]:
    """Guard milliseconds per precision over the first `n` questions of `split`."""
    guards = {p: InputGuard(SafetyPolicy(), encoder=onnx_encoder(p)) for p in PRECISIONS}
    texts = [item.text for item in load_items(split=split)][:n]
    times: dict[str, list[float]] = {p: [] for p in PRECISIONS}
    for guard in guards.values():
        guard.check("warm-up")
    for text in texts:
        for precision, guard in guards.items():
            times[precision].append(guard.check(text).latency_ms)
    summary: dict[str, object] = {
        p: {"p50": round(statistics.median(t), 2), "p95": round(percentile(t, 0.95), 2)}
        for p, t in times.items()
    }
    summary["p50 ratio float/int8"] = round(
        statistics.median(times["float"]) / statistics.median(times["int8"]), 2
    )
    summary["n"] = len(texts)
    summary["load_average"] = [round(value, 2) for value in os.getloadavg()]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["train", "dev"], default="dev")
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(measure(args.split, args.n)))


if __name__ == "__main__":
    main()
