"""The app's own CPU per answer: the whole pipeline in process against the scripted engine.

    python -m eval.serve.app_cost --questions 12 --users 1
    python -m eval.serve.app_cost --questions 32 --users 8

No model generates (eval/serve/scripted_engine.py streams numbered prose in its own
process), so the process CPU this one spends is the app's: retrieval, the guards, grounding,
quoting, the turn log, and the MiniLM embeddings behind them. It reports per answer: CPU
seconds, embedding-model calls and texts, seconds inside the model, and seconds answers
waited for it (`EmbeddingStats`). Run it on one core (`taskset -c 0`) for a figure that
does not depend on what else the machine runs; it is a measurement, not a test.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from eval.serve.engines import scripted_engine
from eval.stress.bench import QUESTIONS
from rag.components import guard_embedder
from rag.embed_queue import EmbeddingStats
from rag.embeddings import CachedEmbedder, Embedder
from rag.events import QuoteEvent, TokenEvent


def _stats(embedder: Embedder) -> EmbeddingStats:
    assert isinstance(embedder, CachedEmbedder), "the app embeds through CachedEmbedder"
    return embedder.stats


def measure(
    data_dir: Path, engine: str, questions: int, users: int
) -> tuple[dict[str, float], list[str]]:
    """Answer `questions` questions, `users` at a time, after one warm-up; the costs and
    the answers (with their opening quotes), in question order."""
    from rag.assistant import Assistant
    from rag.settings import load_settings

    settings = load_settings(
        data_dir=data_dir,
        llm={"backend": "openai", "endpoints": [engine]},
        generation={"max_answer_tokens": 200},
    )
    bot = Assistant.from_settings(settings)
    embedders = list(
        {id(e): e for e in (bot.embedder, guard_embedder(settings, bot.embedder))}.values()
    )
    bot.knowledge.wait_until_primed(600)
    bot.ask(QUESTIONS[0])
    texts = [QUESTIONS[i % len(QUESTIONS)] for i in range(questions)]
    before = [_stats(e) for e in embedders]
    cpu, wall = time.process_time(), time.perf_counter()

    def one(question: str) -> str:
        shown = [e.text for e in bot.stream(question) if isinstance(e, QuoteEvent | TokenEvent)]
        return " | ".join(shown)

    with ThreadPoolExecutor(users) as pool:
        answers = list(pool.map(one, texts))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    spans = [_stats(e).minus(b) for e, b in zip(embedders, before, strict=True)]
    stats = EmbeddingStats(
        **{k: sum(getattr(s, k) for s in spans) for k in EmbeddingStats.model_fields}
    )
    n = float(questions)
    costs = {
        "answers": n,
        "users": float(users),
        "threads": float(threading.active_count()),
        "cpu_s_per_answer": cpu / n,
        "wall_s_per_answer": wall / n,
        "model_calls_per_answer": stats.batches / n,
        "embed_requests_per_answer": stats.requests / n,
        "texts_per_answer": stats.texts / n,
        "model_s_per_answer": stats.model_s / n,
        "model_cpu_s_per_answer": stats.model_cpu_s / n,
        "wait_s_per_answer": stats.wait_s / n,
        "load_1min": os.getloadavg()[0],
    }
    return costs, answers


@click.command()
@click.option("--questions", default=12, show_default=True)
@click.option("--users", default=1, show_default=True, help="Answers in flight at once.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="App state with a built index (default: a fresh folder; the index is built first).",
)
@click.option(
    "--answers-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write what each question showed here (JSON), to compare two versions of the app.",
)
def main(questions: int, users: int, data_dir: Path | None, answers_out: Path | None) -> None:
    """Print the app's own cost per answer as JSON."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="coursebot-app-cost-") as tmp:
        logs = Path(tmp) / "logs"
        with scripted_engine(logs) as engine:
            costs, answers = measure(data_dir or Path(tmp) / "data", engine, questions, users)
    if answers_out is not None:
        answers_out.write_text(json.dumps(answers, indent=1))
    click.echo(json.dumps(costs, indent=2))


if __name__ == "__main__":
    main()
