"""Watermark benchmark: detection by length, false positives on human text, robustness,
cost and quality, on paired watermarked / plain answers to course questions.

    nice python -m eval.watermark.bench --n 200 --out bench/watermark

Samples are appended to OUT/samples.jsonl as they are generated, so an interrupted run
keeps its work: run again to continue, or `--summarise-only` to report what is there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from eval.watermark import summary
from eval.watermark.generate import generate_pair, read_samples
from eval.watermark.questions import course_paragraphs, course_questions
from rag.generation import LlamaCppGenerator, load_llama
from rag.paths import bundled_llm_path
from rag.settings import load_settings
from rag.weights import weights_to_load
from safety.watermark import GreenListDetector


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="Question pairs (marked + plain).")
    parser.add_argument("--out", type=Path, default=Path("bench/watermark"))
    parser.add_argument("--length", type=int, default=200, help="Tokens per answer.")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--top-p", type=float, default=0.9)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--summarise-only", action="store_true")
    return parser.parse_args()


def _generate(args: argparse.Namespace, samples_path: Path) -> None:
    settings = load_settings()
    source = settings.llm.path or bundled_llm_path()
    path = weights_to_load(source, settings.data_dir / "models", settings.llm.requantize)
    generator = LlamaCppGenerator(path, n_ctx=2048, n_threads=args.threads, extra_buffers=False)
    vocab = load_llama(path, vocab_only=True)
    stop_ids = sorted(
        {vocab.token_eos()} | {*vocab.tokenize(b"<|im_end|>", add_bos=False, special=True)}
    )
    questions = course_questions()
    done = {s.index for s in read_samples(samples_path)}
    with samples_path.open("a", encoding="utf-8") as out:
        for index in range(args.n):
            if index in done:
                continue
            started = time.perf_counter()
            pair = generate_pair(
                generator,
                stop_ids,
                settings.watermark,
                questions[index % len(questions)],
                index,
                length=args.length,
                temperature=args.temperature,
                top_p=args.top_p,
            )
            for sample in pair:
                out.write(sample.model_dump_json() + "\n")
            out.flush()
            print(f"pair {index + 1}/{args.n} in {time.perf_counter() - started:.1f} s", flush=True)


def _summarise(args: argparse.Namespace, samples_path: Path) -> dict[str, Any]:
    settings = load_settings()
    path = settings.llm.path or bundled_llm_path()
    generated_with = weights_to_load(path, settings.data_dir / "models", settings.llm.requantize)
    vocab = load_llama(path, vocab_only=True)
    detector = GreenListDetector(settings.watermark, int(vocab.n_vocab()))
    threshold = settings.watermark.z_threshold

    def tokenize(text: str) -> list[int]:
        return list(vocab.tokenize(text.encode(), add_bos=False, special=False))

    samples = read_samples(samples_path)
    contexts = {q.section: q.context for q in course_questions()}
    config = settings.watermark
    return {
        "command": f"nice python -m eval.watermark.bench --n {args.n} --out {args.out}",
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.python_version()}",
        "model": path.name,
        "generated_with": generated_with.name,
        "watermark": {
            "gamma": config.gamma,
            "delta": config.delta,
            "context_width": config.context_width,
            "z_threshold": threshold,
        },
        "temperature": args.temperature,
        "top_p": args.top_p,
        "answer_tokens": args.length,
        "pairs": len({s.index for s in samples}),
        "detection_by_length": summary.detection_by_length(samples, detector, threshold),
        "round_trip_text": summary.round_trip(samples, tokenize, detector),
        "robustness": summary.robustness(samples, detector, threshold, args.length),
        "human_course_text": summary.human_text(course_paragraphs(), tokenize, detector),
        "cost": {
            **summary.cost(samples),
            "processor_ms_per_call": summary.processor_ms(config, detector.vocab_size),
        },
        "quality": summary.quality(samples, contexts),
    }


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = _arguments()
    args.out.mkdir(parents=True, exist_ok=True)
    samples_path = args.out / "samples.jsonl"
    if not args.summarise_only:
        _generate(args, samples_path)
    report = _summarise(args, samples_path)
    (args.out / "summary.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
