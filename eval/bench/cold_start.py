"""Cold start per embedder, side by side: fresh processes, as a user starts coursebot.

For each embedder (default: the torch model and its float ONNX export) an index of the
configured knowledge base is built once in its own data folder; then, the embedders in
turn run after run so machine noise hits them alike:
  * retrieval: a fresh `python` that imports coursebot, builds `Assistant.from_settings`
    and retrieves once (what `coursebot bench`'s cold-start row times);
  * ask: `coursebot ask QUESTION` in a fresh process, wall time, the child's own peak RSS
    (`eval.bench.peak_rss`) and which of torch, transformers and sentence-transformers
    it imported (the child reports its `sys.modules` on stderr at exit).
`--fresh-export` also times the first start on an empty ONNX cache (the export, made once
per user, imports torch). Run: `python -m eval.bench.cold_start --runs 3 --out FILE`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.bench.peak_rss import run_with_peak_rss

COURSEBOT = "from ui.cli.main import cli; cli()"
RETRIEVE = (
    "import json, sys, time; t = time.perf_counter(); from rag import Assistant; "
    "bot = Assistant.from_settings(); bot.retrieve('data drift'); "
    "print(json.dumps({'seconds': time.perf_counter() - t, "
    "'torch': 'torch' in sys.modules}))"
)
HEAVY = ("torch", "transformers", "sentence_transformers")


def child_env(data_dir: Path, embedder: str, cache: Path | None = None) -> dict[str, str]:
    """The environment of one cold process: offline, its data folder and embedder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSEBOT_")}
    env |= {
        "HF_HUB_OFFLINE": "1",
        "COURSEBOT_DATA_DIR": str(data_dir),
        "COURSEBOT_INDEX__EMBEDDER": embedder,
    }
    if cache is not None:
        env["COURSEBOT_INDEX__ONNX_CACHE_DIR"] = str(cache)
    return env


def timed(command: Sequence[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `command`; its wall seconds, peak RSS in GB, exit code and stdout."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        code, peak_kib = run_with_peak_rss(command, env=env, stdout=out, stderr=err)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code != 0:
        raise RuntimeError(f"{command[-1]!r} failed ({code}): {stderr.strip()[-400:]}")
    return {
        "seconds": seconds,
        "peak_rss_gb": peak_kib / 2**20,
        "stdout": stdout,
        "stderr": stderr,
    }


def ask_command(question: str) -> list[str]:
    """`coursebot ask` in a child that reports afterwards which heavy modules it imported."""
    code = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print('MODULES ' + json.dumps("
        f"[m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr, flush=True))\n"
        f"{COURSEBOT}"
    )
    return [sys.executable, "-c", code, "ask", question]


def imported(stderr: str) -> list[str] | None:
    """The heavy modules an `ask_command` child reported (None if it reported nothing)."""
    lines = [line for line in stderr.splitlines() if line.startswith("MODULES ")]
    return json.loads(lines[-1].removeprefix("MODULES ")) if lines else None


def one_run(data_dir: Path, embedder: str, question: str) -> dict[str, Any]:
    """A cold retrieval and a cold `coursebot ask`, each in a fresh process."""
    env = child_env(data_dir, embedder)
    retrieval = timed([sys.executable, "-c", RETRIEVE], env)
    reported = json.loads(retrieval["stdout"].strip().splitlines()[-1])
    ask = timed(ask_command(question), env)
    return {
        "retrieval_s": reported["seconds"],
        "retrieval_torch": reported["torch"],
        "ask_s": ask["seconds"],
        "ask_peak_rss_gb": ask["peak_rss_gb"],
        "ask_imported": imported(ask["stderr"]),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians (and all samples) of the runs of one embedder."""
    keys = ("retrieval_s", "ask_s", "ask_peak_rss_gb")
    out: dict[str, Any] = {f"median_{k}": statistics.median(r[k] for r in runs) for k in keys}
    out["samples"] = runs
    out["torch_imported"] = any(
        r["retrieval_torch"] or "torch" in (r["ask_imported"] or []) for r in runs
    )
    return out


def fresh_export(data_dir: Path) -> dict[str, Any]:
    """`coursebot ask` with an empty ONNX cache (the export made on the way), then again."""
    with tempfile.TemporaryDirectory() as cache:
        env = child_env(data_dir, "onnx", Path(cache))
        first = timed(ask_command("What is data drift?"), env)
        second = timed(ask_command("What is data drift?"), env)
    return {"first_ask_s": first["seconds"], "second_ask_s": second["seconds"]}


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Cold start per embedder, side by side.")
    parser.add_argument("--embedders", nargs="+", default=["sentence-transformers", "onnx"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--question", default="What is data drift?")
    parser.add_argument("--fresh-export", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    from eval.bench.machine import machine_info

    result: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {e: Path(tmp) / e for e in args.embedders}
        for embedder, folder in dirs.items():  # each its own index, built once
            timed([sys.executable, "-c", COURSEBOT, "ingest"], child_env(folder, embedder))
        runs: dict[str, list[dict[str, Any]]] = {e: [] for e in args.embedders}
        for _ in range(args.runs):
            for embedder, folder in dirs.items():
                runs[embedder].append(one_run(folder, embedder, args.question))
        result["embedders"] = {e: summary(r) for e, r in runs.items()}
        if args.fresh_export:
            result["fresh_export"] = fresh_export(Path(tmp) / "fresh")
    result["load_after"] = os.getloadavg()
    result["machine"] = machine_info()
    result["command"] = "python -m eval.bench.cold_start " + " ".join(argv or sys.argv[1:])
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
