"""What every CLI command shares: loading settings and turning library errors into exits."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from rag.errors import CoursebotError
from rag.settings import Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")


def offline() -> None:
    """Make sure no library reaches for a model hub."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    """Settings from the global `--config` option, the environment and overrides."""
    config: Path | None = (ctx.find_root().obj or {}).get("config")
    return load_settings(config, **overrides)


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn coursebot's typed errors into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CoursebotError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper
