"""The ingestion benchmark: a fresh index from nothing to the first answer, beside plain
embedding throughput of the same passages.

Everything starts cold except the loaded models: a new data folder, and a new vector
cache around the loaded embedding model (the benchmark's assistant has the course's
vectors cached already; ingesting through that cache measured nothing). Stages:
  * ingest: read, chunk, embed and write the index (`Ingestor.run` on all cores, what
    `coursebot ingest DIR` does after loading the model);
  * ready: open that index in a new assistant (load, keyword index, grounding primer);
  * first answer: one question answered on it, its grounding vectors embedded on demand;
  * plain embedding: the same passage texts through each embedding path alone, 256 per
    call, on all cores, the paths in turn batch by batch: the torch float model, its
    torch int8 copy (`index.passage_quantization` with torch), the float ONNX export
    (the default `index.embedder="onnx"`) and the ONNX int8 export
    (`index.embedder="onnx-int8"`), in chunks/s and tokens/s.
Then a fresh ingestion per way of writing the grounding vectors (`index.ingest_grounding`:
off, alone, pooled where the embedder can pool), one after another: "alone" and
"pooled" are the "grounding vectors included" figures of issue #16. `--big-mb N` also
runs a real `coursebot ingest` of an N MB text file made by `eval.bench.bigcorpus`
(issue #17's 20 MB case) in a child process: wall time, chunks/s, its peak RSS.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.bench.peak_rss import run_with_peak_rss
from rag.assistant import Assistant
from rag.components import make_ingestor
from rag.embeddings import CachedEmbedder, Embedder, SentenceTransformerEmbedder, bulk_threads
from rag.grounding_cache import CACHE_FILE, texts_of
from rag.grounding_vectors import supports_pooling
from rag.ingest import EMBED_BATCH
from rag.onnx_embedder import OnnxEmbedder
from rag.paths import bundled_embedding_path
from rag.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data"
KB2 = DATA / "kb-python-docs"
COURSEBOT = [sys.executable, "-c", "from ui.cli.main import cli; cli()"]


def first_question(corpus: Path) -> str:
    """A dev question of the corpus's own question set, else of the course's."""
    sets = [corpus / "questions.jsonl", corpus.parent / "questions.jsonl", DATA / "questions.jsonl"]
    for candidate in sets:
        if candidate.is_file():
            for line in candidate.read_text().splitlines():
                item = json.loads(line) if line.strip() else {}
                if item.get("split") == "dev" and item.get("kind") == "answerable":
                    return str(item["question"])
    return "What is this course about?"


def embedding_arms(settings: Settings, inner: Embedder) -> dict[str, Embedder]:
    """The embedders compared on the same passages: the model on torch at float and its
    torch int8 copy, its float ONNX export (the default) and the ONNX int8 export (the
    assistant's own where it is one of them); a hashing embedder is compared with
    nothing."""
    if not isinstance(inner, SentenceTransformerEmbedder | OnnxEmbedder):
        return {"own": inner}
    path = settings.index.embedding_path or bundled_embedding_path()
    cache = settings.index.onnx_cache_dir
    torch_float = (
        inner
        if isinstance(inner, SentenceTransformerEmbedder)
        else SentenceTransformerEmbedder(path)
    )
    own_int8 = isinstance(inner, OnnxEmbedder) and inner.name.endswith("+onnx-int8")
    onnx_float = (
        inner
        if isinstance(inner, OnnxEmbedder) and not own_int8
        else OnnxEmbedder(path, "float", cache_root=cache)
    )
    return {
        "torch-float": torch_float,
        "torch-int8": torch_float.int8_copy(),
        "onnx-float": onnx_float,
        "onnx-int8": inner if own_int8 else onnx_float.int8_copy(),
    }


def plain_embedding_seconds(arms: dict[str, Embedder], texts: list[str]) -> dict[str, float]:
    """Seconds each arm takes to embed `texts` on all cores, `EMBED_BATCH` per call, the
    arms in turn batch by batch so machine noise hits them alike."""
    seconds = dict.fromkeys(arms, 0.0)
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start : start + EMBED_BATCH]
        for name, arm in arms.items():
            with bulk_threads(arm, os.cpu_count()):
                began = time.perf_counter()
                arm.embed(batch)
                seconds[name] += time.perf_counter() - began
    return {name: max(s, 1e-9) for name, s in seconds.items()}


def token_count(settings: Settings, texts: list[str]) -> int | None:
    """Tokens the model sees for `texts` (truncated as it truncates), if it has a fast
    tokenizer."""
    path = (settings.index.embedding_path or bundled_embedding_path()) / "tokenizer.json"
    if settings.index.embedder == "hashing" or not path.is_file():
        return None
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    return sum(len(e.ids) for e in tokenizer.encode_batch(texts))


def ingestion(bot: Assistant, corpus: Path, *, eager_priming: bool = True) -> dict[str, Any]:
    """Time a fresh ingestion of `corpus` to its first answer (see the module docstring)."""
    inner = bot.embedder.inner if isinstance(bot.embedder, CachedEmbedder) else bot.embedder
    question = first_question(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            **{**bot.settings.model_dump(), "data_dir": Path(tmp), "kb_paths": [corpus]}
        )
        embedder = CachedEmbedder(inner)
        started = time.perf_counter()
        report = make_ingestor(settings, embedder).run([corpus], threads=os.cpu_count())
        ingested = time.perf_counter()
        probe = Assistant(
            settings,
            embedder,
            bot.generator,
            input_guard=bot.input_guard,
            output_guard=bot.output_guard,
            turn_log=bot.turn_log,
        )
        probe.open_index()
        ready = time.perf_counter()
        answer = probe.ask(question)
        answered = time.perf_counter()
        probe.knowledge.close()  # its grounding primer: the folder is about to go
        chunks = probe.store.load().chunks
    texts = [c.embed_text for c in chunks]
    arms = embedding_arms(settings, inner)
    seconds = plain_embedding_seconds(arms, texts)
    own = next((name for name, arm in arms.items() if arm is inner), next(iter(arms)))
    tokens = token_count(settings, texts)
    n = report.totals["chunks"]
    size = sum(f.bytes or 0 for f in report.files if f.status == "indexed")
    result: dict[str, Any] = {
        "corpus": corpus.name,
        "embedder": inner.name,
        "chunks": n,
        "ingest_s": ingested - started,
        "ready_s": ready - started,
        "first_answer_s": answered - started,
        "question": question,
        "abstained": answer.abstained,
        "chunks_per_s": n / (ingested - started),
        "end_to_end_chunks_per_s": n / (answered - started),
        "kb_per_s": size / 1024 / (ingested - started),
        "tokens": tokens,
        "plain_embedding": {
            name: {
                "chunks_per_s": len(texts) / s,
                "tokens_per_s": tokens / s if tokens else None,
            }
            for name, s in seconds.items()
        },
        "plain_embedding_chunks_per_s": len(texts) / seconds[own],
    }
    result["grounding_mode"] = bot.settings.index.ingest_grounding
    result["grounding_texts"] = len(texts_of(chunks))
    if eager_priming:
        modes = ["off", "alone", *(["pooled"] if supports_pooling(inner) else [])]
        result["grounding_modes"] = {m: grounding_arm(bot, inner, corpus, m) for m in modes}
    return result


def grounding_arm(bot: Assistant, inner: Embedder, corpus: Path, mode: str) -> dict[str, Any]:
    """A fresh ingestion of `corpus` with `index.ingest_grounding = mode`: seconds,
    chunks/s and the grounding texts it wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        dumped = bot.settings.model_dump()
        dumped["index"]["ingest_grounding"] = mode
        settings = Settings(**{**dumped, "data_dir": Path(tmp), "kb_paths": [corpus]})
        started = time.perf_counter()
        report = make_ingestor(settings, CachedEmbedder(inner)).run(
            [corpus], threads=os.cpu_count()
        )
        seconds = time.perf_counter() - started
        written = 0
        if (settings.index_dir / CACHE_FILE).is_file():
            import numpy as np

            with np.load(settings.index_dir / CACHE_FILE) as saved:
                written = len(saved["vectors"])
    n = report.totals["chunks"]
    return {"seconds": seconds, "chunks_per_s": n / seconds, "grounding_written": written}


def big_file(megabytes: float, embedder: str | None = None) -> dict[str, Any]:
    """`coursebot ingest` of a `megabytes` MB text file in a child process, as a user runs
    it (model load included): wall seconds, chunks/s and the child's peak RSS."""
    from eval.bench.bigcorpus import write_corpus

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "docs" / f"course-{megabytes:g}mb.txt"
        write_corpus(path, megabytes)
        env = {**os.environ, "COURSEBOT_DATA_DIR": str(Path(tmp) / "data")}
        if embedder:
            env["COURSEBOT_INDEX__EMBEDDER"] = embedder
        load_before = os.getloadavg()
        started = time.perf_counter()
        with (Path(tmp) / "out").open("w+") as out, (Path(tmp) / "err").open("w+") as err:
            returncode, peak_kib = run_with_peak_rss(
                [*COURSEBOT, "ingest", "--json", str(path)], env=env, stdout=out, stderr=err
            )
            seconds = time.perf_counter() - started
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
    if returncode != 0:
        raise RuntimeError(f"coursebot ingest failed: {stderr.strip()[-500:]}")
    chunks = int(json.loads(stdout)["totals"]["chunks"])
    return {
        "megabytes": megabytes,
        "embedder": embedder or "(settings)",
        "chunks": chunks,
        "seconds": seconds,
        "chunks_per_s": chunks / seconds,
        "peak_rss_gb": peak_kib / 2**20,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }


def _rate(value: float | None, unit: str) -> str:
    return (
        "n/a"
        if value is None
        else f"{value:,.0f} {unit}"
        if value >= 100
        else f"{value:.1f} {unit}"
    )


def markdown_rows(i: dict[str, Any]) -> list[str]:
    """The ingestion lines of the benchmark table."""
    arms = i.get("plain_embedding", {})
    plain = "; ".join(
        f"{name} {_rate(a['chunks_per_s'], 'chunks/s')} ({_rate(a['tokens_per_s'], 'tokens/s')})"
        for name, a in arms.items()
    )
    rows = [
        f"| ingestion, fresh ({i['corpus']}, {i['chunks']} chunks, {i.get('embedder', '?')}) | "
        f"{i['chunks_per_s']:.1f} chunks/s ({i['ingest_s']:.1f} s, {i['kb_per_s']:.1f} KB/s) |",
        f"| plain embedding of the same chunks, all cores, side by side | {plain or 'n/a'} |",
        f"| fresh ingestion to first answer (models loaded) | {i['first_answer_s']:.1f} s: "
        f"{i['end_to_end_chunks_per_s']:.1f} chunks/s end to end (index open after "
        f"{i['ready_s']:.1f} s) |",
    ]
    for mode, arm in i.get("grounding_modes", {}).items():
        rows.append(
            f"| fresh ingestion, grounding vectors {mode} ({arm['grounding_written']} of "
            f"{i['grounding_texts']} written) | {arm['chunks_per_s']:.1f} chunks/s "
            f"({arm['seconds']:.1f} s) |"
        )
    if "big_file" in i:
        b = i["big_file"]
        rows.append(
            f"| `coursebot ingest` of a {b['megabytes']:g} MB text file ({b['chunks']:,} "
            f"chunks, {b['embedder']}) | {b['seconds'] / 60:.1f} min, {b['chunks_per_s']:.1f} "
            f"chunks/s, peak RSS {b['peak_rss_gb']:.2f} GB (load {b['load_average_before'][0]:.1f}"
            f" -> {b['load_average_after'][0]:.1f}) |"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """`python -m eval.bench.ingestion [--corpus DIR] [--embedder NAME] [--int8]`: the
    ingestion rows alone."""
    import argparse

    parser = argparse.ArgumentParser(description="A fresh ingestion to its first answer.")
    parser.add_argument("--corpus", type=Path, default=KB2 / "pages")
    parser.add_argument("--int8", action="store_true", help="index.passage_quantization=int8")
    parser.add_argument(
        "--embedder",
        choices=["sentence-transformers", "onnx", "onnx-int8"],
        default=None,
        help="index.embedder (default: the settings')",
    )
    parser.add_argument("--no-eager", action="store_true", help="skip the grounding-mode arms")
    parser.add_argument(
        "--big-mb", type=float, default=0.0, help="also `coursebot ingest` a file this big"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant.from_settings(
            data_dir=Path(tmp),
            index={
                "passage_quantization": "int8" if args.int8 else "off",
                **({"embedder": args.embedder} if args.embedder else {}),
            },
        )
        bot.knowledge.wait_until_primed(timeout=600)
        result = ingestion(bot, args.corpus, eager_priming=not args.no_eager)
        bot.knowledge.close()
    if args.big_mb:
        result["big_file"] = big_file(args.big_mb, args.embedder)
    from eval.bench.machine import machine_info

    result["machine"] = machine_info()
    result["command"] = "python -m eval.bench.ingestion " + " ".join(argv or sys.argv[1:])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print("\n".join(markdown_rows(result)))


if __name__ == "__main__":
    main()
