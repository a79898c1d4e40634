"""A big plain-text file made from real course text, for the ingestion benchmark.

The paragraphs of the default course and of the second knowledge base's pages are
shuffled into numbered parts, and one sentence of each paragraph carries the part's
number, so chunks differ from part to part (identical chunks would be dropped as
duplicates and measure nothing). Deterministic for a seed.

    python -m eval.bench.bigcorpus --mb 20 --out bench-results/big/course-20mb.txt
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Sequence
from pathlib import Path

from rag.documents import load_document
from rag.paths import default_kb_dir

KB2_PAGES = Path(__file__).resolve().parents[1] / "data" / "kb-python-docs" / "pages"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def source_paragraphs(folders: Sequence[Path]) -> list[str]:
    """The paragraphs (blank-line separated) of every readable document in `folders`."""
    paragraphs: list[str] = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.suffix not in (".md", ".html", ".htm", ".txt") or path.name == "README.md":
                continue
            text = load_document(path, 50_000_000).text
            paragraphs.extend(p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 40)
    return paragraphs


def _vary(paragraph: str, part: int, rng: random.Random) -> str:
    """The paragraph with one of its sentences marked with the part number."""
    if paragraph.lstrip().startswith(("#", "|", "```", "    ")):
        return paragraph
    sentences = _SENTENCE_END.split(paragraph)
    at = rng.randrange(len(sentences))
    sentences[at] = sentences[at].rstrip(".!?") + f" (see part {part})."
    return " ".join(sentences)


def write_corpus(out: Path, megabytes: float, seed: int = 17) -> int:
    """Write about `megabytes` MB of text to `out`; returns the bytes written."""
    paragraphs = source_paragraphs([default_kb_dir(), KB2_PAGES])
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    part = 0
    with out.open("w", encoding="utf-8") as handle:
        while written < target:
            part += 1
            order = rng.sample(paragraphs, len(paragraphs))
            block = f"# Part {part}\n\n" + "\n\n".join(_vary(p, part, rng) for p in order) + "\n\n"
            handle.write(block)
            written += len(block.encode())
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size in MB (10^6 bytes)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    size = write_corpus(args.out, args.mb, args.seed)
    print(f"wrote {size / 1e6:.1f} MB to {args.out}")


if __name__ == "__main__":
    main()
