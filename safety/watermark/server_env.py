"""The watermark settings a serving engine's processor reads from its environment.

A vLLM server runs in its own process and its own virtualenv, without coursebot's settings
file; it takes the key and parameters from the same `COURSEBOT_WATERMARK__*` variables the
app reads, so one exported key configures both sides. `server_environment` is the other
direction: the variables a launcher passes to the server so it marks with the app's config.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from safety.watermark.config import WatermarkConfig
from safety.watermark.errors import WatermarkSettingsError

ENV_PREFIX = "COURSEBOT_WATERMARK__"
SERVER_FIELDS = ("key", "gamma", "delta", "context_width")
"""What marking depends on; detection-only fields (z_threshold, min_tokens) stay with the app."""


def config_from_env(environ: Mapping[str, str]) -> WatermarkConfig:
    """The WatermarkConfig named by `environ` (WatermarkConfig's defaults where unset)."""
    values = {
        name: environ[ENV_PREFIX + name.upper()]
        for name in SERVER_FIELDS
        if ENV_PREFIX + name.upper() in environ
    }
    try:
        return WatermarkConfig.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise WatermarkSettingsError(
            f"Invalid watermark settings in the server's environment ({problems}). Fix or "
            "unset them; the app and the server must use the same values."
        ) from exc


def server_environment(config: WatermarkConfig) -> dict[str, str]:
    """The variables that make `config_from_env` rebuild `config`'s marking parameters."""
    return {
        ENV_PREFIX + "KEY": config.key.get_secret_value(),
        ENV_PREFIX + "GAMMA": repr(float(config.gamma)),
        ENV_PREFIX + "DELTA": repr(float(config.delta)),
        ENV_PREFIX + "CONTEXT_WIDTH": str(config.context_width),
    }
