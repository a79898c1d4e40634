"""The harm encoder: the bundled MiniLM with its top layer(s) replaced by fine-tuned ones.

`safety.toxicity.finetune` trains the top transformer layer(s) for the harm classifier
and saves only them, in float16 (`TUNED_TOP`, about 3.5 MB a layer). Here they are put
back on top of the bundled model at load time, offline; the rest of the model, its
tokenizer and pooling are the package's own.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np

from safety.errors import SafetyModelError
from safety.toxicity.dataset import DATA_DIR
from safety.toxicity.encoder import (
    Encoder,
    bundled_encoder_path,
    load_sentence_model,
    sentence_encoder,
)

TUNED_TOP = DATA_DIR / "harm_encoder_top.npz"
"""The fine-tuned top layers (`first_layer` and `layer.<k>.<parameter>` arrays)."""
BASE_ENCODER = "minilm"
TUNED_ENCODER = "minilm-tuned-top"
"""How a classifier's weights name the embeddings they were fitted on: the bundled
MiniLM as it is, or with the layers of `TUNED_TOP` applied."""


def load_bert(folder: Path | None = None) -> tuple[Any, Any]:
    """(transformers BertModel, tokenizer) of the bundled MiniLM, on CPU, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    path = str(folder or bundled_encoder_path())
    return AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path)


def save_top(path: Path, first_layer: int, layers: Any) -> None:
    """Save the tuned layers (a torch ModuleList of BertLayer, the first being layer
    `first_layer` of the model) in float16."""
    arrays: dict[str, np.ndarray] = {"first_layer": np.array(first_layer)}
    for k, layer in enumerate(layers):
        for name, tensor in layer.state_dict().items():
            arrays[f"layer.{first_layer + k}.{name}"] = tensor.detach().numpy().astype(np.float16)
    np.savez(path, **arrays)  # type: ignore[arg-type]


def apply_top(encoder_layers: Any, path: Path) -> int:
    """Load the tuned layers from `path` into `encoder_layers` (the model's BertLayer list);
    returns how many were replaced. SafetyModelError when the file does not fit."""
    import torch

    try:
        data = np.load(path, allow_pickle=False)
        first = int(data["first_layer"])
        states: dict[int, dict[str, Any]] = {}
        for key in data.files:
            if key.startswith("layer."):
                _, number, name = key.split(".", 2)
                tensor = torch.from_numpy(data[key].astype(np.float32))
                states.setdefault(int(number), {})[name] = tensor
        if not states or min(states) != first or max(states) >= len(encoder_layers):
            raise ValueError("layer numbers do not fit the bundled model")
        for number, state in states.items():
            encoder_layers[number].load_state_dict(state, strict=True)
    except (OSError, KeyError, ValueError, RuntimeError) as exc:
        raise SafetyModelError(
            f"The fine-tuned encoder layers at {path} are missing or do not fit the bundled "
            f"MiniLM ({exc}): rebuild them with `make train-safety`."
        ) from exc
    return len(states)


@functools.cache
def load_tuned_encoder(path: Path = TUNED_TOP) -> Encoder:
    """The bundled sentence encoder with the tuned top layers applied, once per process;
    thread-safe. L2-normalised embeddings, like `safety.toxicity.encoder.load_encoder`."""
    model = load_sentence_model(bundled_encoder_path())
    transformer: Any = model[0]
    apply_top(transformer.auto_model.encoder.layer, path)
    model.eval()
    return sentence_encoder(model)
