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
    torch int8 copy (`index.passage_quantization`) and the ONNX int8 export
    (`index.embedder="onnx-int8"`), in chunks/s and tokens/s.
Then the time embedding every grounding vector takes, and the chunks/s of ingestion
with it (the "grounding vectors included" figure of issue #16).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.components import make_ingestor
from rag.embeddings import CachedEmbedder, Embedder, SentenceTransformerEmbedder, bulk_threads
from rag.grounding_cache import texts_of
from rag.ingest import EMBED_BATCH
from rag.onnx_embedder import OnnxEmbedder
from rag.paths import bundled_embedding_path
from rag.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data"
KB2 = DATA / "kb-python-docs"


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
    """The embedders compared on the same passages: the torch float model, its torch int8
    copy and the ONNX int8 export (the assistant's own where it is one of them); a
    hashing embedder is compared with nothing."""
    if not isinstance(inner, SentenceTransformerEmbedder | OnnxEmbedder):
        return {"own": inner}
    path = settings.index.embedding_path or bundled_embedding_path()
    torch_float = (
        inner
        if isinstance(inner, SentenceTransformerEmbedder)
        else SentenceTransformerEmbedder(path)
    )
    onnx_int8 = (
        inner
        if isinstance(inner, OnnxEmbedder) and inner.name.endswith("+onnx-int8")
        else OnnxEmbedder(path, "int8", cache_root=settings.index.onnx_cache_dir)
    )
    return {"float": torch_float, "torch-int8": torch_float.int8_copy(), "onnx-int8": onnx_int8}


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
    if eager_priming:
        grounding = texts_of(chunks)
        eager_started = time.perf_counter()
        with bulk_threads(inner, os.cpu_count()):
            for start in range(0, len(grounding), EMBED_BATCH):
                inner.embed(grounding[start : start + EMBED_BATCH])
        result["grounding_texts"] = len(grounding)
        result["eager_priming_s"] = time.perf_counter() - eager_started
        result["with_grounding_chunks_per_s"] = n / (ingested - started + result["eager_priming_s"])
    return result


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
    if "eager_priming_s" in i:
        rows.append(
            f"| all {i['grounding_texts']} grounding texts embedded (in the background, "
            f"between questions) | {i['eager_priming_s']:.1f} s; ingestion plus them: "
            f"{i['with_grounding_chunks_per_s']:.1f} chunks/s |"
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
    parser.add_argument("--no-eager", action="store_true", help="skip the eager-priming figure")
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
    print(json.dumps(result, indent=2))
    print("\n".join(markdown_rows(result)))


if __name__ == "__main__":
    main()
