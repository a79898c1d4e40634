"""Bootstrap confidence intervals for rates measured on small families (the one
implementation lives in `safety.toxicity.stats`, where training picks its threshold)."""

from __future__ import annotations

from safety.toxicity.stats import BOOTSTRAP_SAMPLES, bootstrap_ci

__all__ = ["BOOTSTRAP_SAMPLES", "bootstrap_ci"]
