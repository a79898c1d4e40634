"""Detoxify backend, loaded fully offline from a local checkpoint and config folder.

Detoxify downloads checkpoints by default; here it gets `checkpoint=PATH` and
`huggingface_config_path=DIR`, and the checkpoint's `config.arch.args.model_type` must
name a local folder too. Security: Detoxify calls `torch.load(weights_only=False)`, which
unpickles and can run code: load only checkpoints you trust.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from safety.checks import CheckResult
from safety.errors import SafetyModelError
from safety.normalize import normalize

# Detoxify's labels -> this project's categories (max when several map to one).
LABEL_TO_CATEGORY = {
    "toxicity": "toxicity",
    "severe_toxicity": "toxicity",
    "obscene": "profanity",
    "insult": "harassment",
    "threat": "violence",
    "identity_attack": "hate",
    "sexual_explicit": "sexual",
}


class DetoxifyToxicity:
    """Check backed by a Detoxify checkpoint; raises SafetyModelError when it cannot load."""

    name = "toxicity"

    def __init__(self, checkpoint: Path | None, config_dir: Path | None) -> None:
        if checkpoint is None or config_dir is None:
            raise SafetyModelError(
                "toxicity_backend='detoxify' needs safety.detoxify_checkpoint and "
                "safety.detoxify_config_dir (a local folder with config.json and tokenizer)."
            )
        if not Path(checkpoint).is_file():
            raise SafetyModelError(
                f"Detoxify checkpoint {checkpoint} does not exist: set safety.detoxify_checkpoint "
                "to a local .ckpt file, or use toxicity_backend='embedded'."
            )
        if not Path(config_dir).is_dir():
            raise SafetyModelError(f"Detoxify config folder {config_dir} does not exist.")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from detoxify import Detoxify

            self._model = Detoxify(
                checkpoint=str(checkpoint), huggingface_config_path=str(config_dir)
            )
        except ImportError as exc:
            raise SafetyModelError("detoxify is not installed: `pip install detoxify`.") from exc
        except Exception as exc:  # torch/transformers raise many types for a bad file
            raise SafetyModelError(
                f"Detoxify checkpoint {checkpoint} is corrupt or incompatible ({exc}); "
                "replace it or use toxicity_backend='embedded'."
            ) from exc
        self._lock = threading.Lock()

    def __call__(self, text: str) -> CheckResult:
        views = normalize(text).all_views
        with self._lock:
            raw = self._model.predict(views)
        scores: dict[str, float] = {}
        for label, values in raw.items():
            category = LABEL_TO_CATEGORY.get(label, label)
            values_list = values if isinstance(values, list) else [values]
            scores[category] = max(scores.get(category, 0.0), *(float(v) for v in values_list))
        reasons = {
            category: f"detoxify {category} score {score:.2f}" for category, score in scores.items()
        }
        return CheckResult(scores=scores, reasons=reasons)
