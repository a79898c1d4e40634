"""Fit the harm classifier's head on the guards' own encoder: MiniLM's ONNX export.

    make train-safety                                   # both shipped heads
    python -m eval.safety.train_head --precision int8   # safety/data/harm_classifier-int8.npz

In the app the guards embed with MiniLM run by ONNX Runtime (`rag.components.
guard_embedder`); the int8 export's vectors differ from torch's (cosine about 0.99), so a
head meant for them must be fitted, and its threshold chosen, on them. `safety/` may not
import `rag/`, so this entry point builds the encoder and hands it to
`safety.toxicity.train.train`, which records the encoder's name in the weights.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval.safety.encoders import onnx_encoder
from rag.onnx_export import Precision
from safety.toxicity.dataset import LABELLED
from safety.toxicity.heads import ONNX_ENCODERS, head_path
from safety.toxicity.train import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", choices=["int8", "float"], default="int8")
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped head")
    parser.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads")
    args = parser.parse_args()
    precision: Precision = args.precision
    out = args.out or head_path(precision)
    summary = train(
        onnx_encoder(precision, args.threads), args.labelled, out,
        encoder_name=ONNX_ENCODERS[precision],
    )  # fmt: skip
    print(f"wrote {out}: {json.dumps(summary)}")


if __name__ == "__main__":
    main()
