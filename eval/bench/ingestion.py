"""The ingestion benchmark: a fresh index from nothing to the first answer, beside plain
embedding throughput of the same passages.

Everything starts cold except the loaded models: a new data folder, and a new vector
cache around the loaded embedding model (the benchmark's assistant has the course's
vectors cached already; ingesting through that cache measured nothing). Stages:
  * ingest: read, chunk, embed and write the index (`Ingestor.run` on all cores, what
    `coursebot ingest DIR` does after loading the model);
  * ready: open that index in a new assistant (load, keyword index, grounding primer);
  * first answer: one question answered on it, its grounding vectors embedded on demand;
  * plain embedding: the same passage texts through the model alone, 256 per call, on
    all cores, batch by batch beside its int8 copy (`index.passage_quantization`).
Then, for comparison, the time eager priming of every grounding vector would add.
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
from rag.embeddings import CachedEmbedder, Embedder, passage_embedder, torch_threads
from rag.grounding_cache import texts_of
from rag.ingest import EMBED_BATCH
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


def plain_embedding_seconds(inner: Embedder, texts: list[str]) -> tuple[float, float | None]:
    """Seconds to embed `texts` with the float model and with its int8 copy (None for an
    embedder without one), batch by batch in turn so machine noise hits both alike."""
    int8 = passage_embedder(inner, "int8")
    float_s = int8_s = 0.0
    with torch_threads(inner, os.cpu_count()):
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start : start + EMBED_BATCH]
            began = time.perf_counter()
            inner.embed(batch)
            float_s += time.perf_counter() - began
            if int8 is not inner:
                began = time.perf_counter()
                int8.embed(batch)
                int8_s += time.perf_counter() - began
    return max(float_s, 1e-9), (int8_s or None)


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
    plain_s, int8_s = plain_embedding_seconds(inner, texts)
    n = report.totals["chunks"]
    size = sum(f.bytes or 0 for f in report.files if f.status == "indexed")
    result: dict[str, Any] = {
        "corpus": corpus.name,
        "chunks": n,
        "ingest_s": ingested - started,
        "ready_s": ready - started,
        "first_answer_s": answered - started,
        "question": question,
        "abstained": answer.abstained,
        "chunks_per_s": n / (ingested - started),
        "end_to_end_chunks_per_s": n / (answered - started),
        "kb_per_s": size / 1024 / (ingested - started),
        "plain_embedding_chunks_per_s": len(texts) / plain_s,
        "plain_embedding_int8_chunks_per_s": len(texts) / int8_s if int8_s else None,
    }
    if eager_priming:
        grounding = texts_of(chunks)
        eager_started = time.perf_counter()
        with torch_threads(inner, os.cpu_count()):
            for start in range(0, len(grounding), EMBED_BATCH):
                inner.embed(grounding[start : start + EMBED_BATCH])
        result["grounding_texts"] = len(grounding)
        result["eager_priming_s"] = time.perf_counter() - eager_started
    return result


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} chunks/s"


def markdown_rows(i: dict[str, Any]) -> list[str]:
    """The ingestion lines of the benchmark table."""
    rows = [
        f"| ingestion, fresh ({i['corpus']}, {i['chunks']} chunks) | "
        f"{i['chunks_per_s']:.1f} chunks/s ({i['ingest_s']:.1f} s, {i['kb_per_s']:.1f} KB/s); "
        f"plain embedding of the same chunks {i['plain_embedding_chunks_per_s']:.1f} chunks/s "
        f"(int8 copy: {_rate(i.get('plain_embedding_int8_chunks_per_s'))}) |",
        f"| fresh ingestion to first answer (models loaded) | {i['first_answer_s']:.1f} s: "
        f"{i['end_to_end_chunks_per_s']:.1f} chunks/s end to end (index open after "
        f"{i['ready_s']:.1f} s) |",
    ]
    if "eager_priming_s" in i:
        rows.append(
            f"| eager priming of all {i['grounding_texts']} grounding texts (now in the "
            f"background, between questions) | would add {i['eager_priming_s']:.1f} s |"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """`python -m eval.bench.ingestion [--corpus DIR] [--int8]`: the ingestion rows alone."""
    import argparse

    parser = argparse.ArgumentParser(description="A fresh ingestion to its first answer.")
    parser.add_argument("--corpus", type=Path, default=KB2 / "pages")
    parser.add_argument("--int8", action="store_true", help="index.passage_quantization=int8")
    parser.add_argument("--no-eager", action="store_true", help="skip the eager-priming figure")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant.from_settings(
            data_dir=Path(tmp),
            index={"passage_quantization": "int8" if args.int8 else "off"},
        )
        bot.knowledge.wait_until_primed(timeout=600)
        result = ingestion(bot, args.corpus, eager_priming=not args.no_eager)
        bot.knowledge.close()
    print(json.dumps(result, indent=2))
    print("\n".join(markdown_rows(result)))


if __name__ == "__main__":
    main()
