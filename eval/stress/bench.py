"""`python -m eval.stress --clients 20 --questions 5`: concurrent users against the web app.

The app runs in its own process (`coursebot chat`, started here unless --url points at a
running one), so the clients' threads never share a GIL with the server. Each client asks
its questions one after another through the `/ask` endpoint; the server queues generation
one at a time. Reports client-side latency (queueing included) and throughput.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from pydantic import BaseModel

from rag.ports import free_port

QUESTIONS = [
    "What is data drift?",
    "What is concept drift?",
    "What are the data quality dimensions?",
    "What does a fairness audit check?",
    "What is a stress test?",
    "What is A/B testing?",
    "How does retrieval-augmented generation help?",
    "What is model decay?",
    "What are adversarial inputs?",
    "What is a silent failure?",
]
SERVER_START_TIMEOUT_S = 300.0


class StressReport(BaseModel):
    clients: int
    questions_per_client: int
    requests: int
    errors: int
    error_samples: list[str]
    wall_s: float
    throughput_rps: float
    latency_p50_s: float
    latency_p95_s: float
    latency_max_s: float
    service_p50_s: float
    abstained: int
    refused: int


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def _wait_for_http(url: str, timeout: float, server: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"the app exited with code {server.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1.0)
    raise RuntimeError(f"the app did not answer at {url} within {timeout:.0f} s")


def stop_process(server: subprocess.Popen[bytes], timeout_s: float = 20.0) -> None:
    """Ask a child server to stop (SIGTERM); kill it after `timeout_s`."""
    server.terminate()
    try:
        server.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def served_app(
    data_dir: Path, log_path: Path, settings_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start `coursebot chat` on a free port in a child process, with `settings_env` on top
    of this environment (`COURSEBOT_LLM__BACKEND=vllm`, ...); yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        **(settings_env or {}),
        "COURSEBOT_DATA_DIR": str(data_dir),
        "COURSEBOT_SERVER__PORT": str(port),
        "COURSEBOT_SERVER__HOST": "127.0.0.1",
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    code = "from ui.cli.chat import command; command(obj={'config': None})"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log)
        try:
            url = f"http://127.0.0.1:{port}/"
            _wait_for_http(url, SERVER_START_TIMEOUT_S, server)
            yield url
        finally:
            stop_process(server)


def run(url: str, clients: int, questions: int) -> StressReport:
    """Warm up once, then `clients` threads each ask `questions` questions via /ask."""
    from gradio_client import Client

    Client(url, verbose=False).predict(QUESTIONS[0], api_name="/ask")  # waits for the model
    latencies: list[float] = []
    service: list[float] = []
    errors: list[str] = []
    flags = {"abstained": 0, "refused": 0}
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def user(index: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:
            with lock:
                errors.append(f"connect: {exc}")
            start.wait()
            return
        start.wait()
        for j in range(questions):
            question = QUESTIONS[(index + j) % len(QUESTIONS)]
            began = time.perf_counter()
            try:
                data = client.predict(question, api_name="/ask")
            except Exception as exc:
                with lock:
                    errors.append(f"{question}: {exc}")
                continue
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                service.append(float(data["timings"]["total_s"]))
                flags["abstained"] += int(bool(data["abstained"]))
                flags["refused"] += int(bool(data["refused"]))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    done = latencies or [0.0]
    return StressReport(
        clients=clients,
        questions_per_client=questions,
        requests=clients * questions,
        errors=len(errors),
        error_samples=errors[:5],
        wall_s=round(wall, 2),
        throughput_rps=round(len(latencies) / wall, 3) if wall else 0.0,
        latency_p50_s=round(percentile(done, 50), 2),
        latency_p95_s=round(percentile(done, 95), 2),
        latency_max_s=round(max(done), 2),
        service_p50_s=round(statistics.median(service or [0.0]), 2),
        **flags,
    )


@click.command()
@click.option("--clients", default=20, show_default=True, type=click.IntRange(1, 200))
@click.option("--questions", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--url", default=None, help="Benchmark a running app instead of starting one.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="State for the started app (default: a fresh temporary folder).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bench-results/stress.json"),
    show_default=True,
)
def main(clients: int, questions: int, url: str | None, data_dir: Path | None, out: Path) -> None:
    """Concurrent gradio_client users against the web app: latency and throughput."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if url:
        report = run(url, clients, questions)
    else:
        with tempfile.TemporaryDirectory(prefix="coursebot-stress-") as tmp:
            state = data_dir or Path(tmp) / "data"
            log_path = Path(tmp) / "server.log"
            with served_app(state, log_path) as served:
                click.echo(f"app at {served} (log: {log_path})", err=True)
                report = run(served, clients, questions)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.model_dump_json(indent=2))
    click.echo(
        f"{report.clients} clients x {report.questions_per_client} questions = "
        f"{report.requests} requests, {report.errors} errors\n"
        f"latency p50 {report.latency_p50_s:.2f} s, p95 {report.latency_p95_s:.2f} s, "
        f"max {report.latency_max_s:.2f} s; service time p50 {report.service_p50_s:.2f} s\n"
        f"throughput {report.throughput_rps:.2f} answers/s over {report.wall_s:.1f} s\n"
        f"({report.abstained} abstained, {report.refused} refused) -> {out}"
    )
    if report.errors:
        click.echo("errors: " + json.dumps(report.error_samples), err=True)
        raise SystemExit(1)
