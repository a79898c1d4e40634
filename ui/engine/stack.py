"""`make serve`: the model converted, vLLM (and the router) started, the app pointed at it.

The app itself is unchanged: it reads `COURSEBOT_LLM__BACKEND=vllm` and
`COURSEBOT_LLM__ENDPOINTS` like any other setting, so what `serve` does by hand is also
what a department does across machines (start vLLM where the GPU is, give the app its URL).
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from rag.paths import bundled_llm_path
from rag.settings import Settings
from ui.engine.convert import is_checkpoint
from ui.engine.dtype import EngineDtype, engine_dtype
from ui.engine.model import servable_model
from ui.engine.replicas import DEFAULT_PORT, EngineOptions, EngineStack, require_vllm_python


@dataclass(frozen=True)
class ServePlan:
    """What `serve` starts: which model, how many replicas, on which front port."""

    model: Path
    replicas: int = 1
    port: int = DEFAULT_PORT
    python: Path | None = None
    """The vLLM environment's interpreter; None = `.venv-vllm`'s."""
    extra_args: tuple[str, ...] = ()
    """More arguments for every replica's api_server (say `--enforce-eager`)."""
    dtype: EngineDtype = "auto"
    """vLLM's number type; "auto" picks by the machine (`ui.engine.dtype`)."""


def model_to_serve(settings: Settings, given: Path | None) -> Path:
    """`given`, else the app's own GGUF (`llm.path`), else the bundled SmolLM2."""
    if given is not None:
        return given.expanduser()
    return settings.llm.path or bundled_llm_path()


def app_environment(plan: ServePlan, endpoint: str) -> dict[str, str]:
    """The settings (as environment variables) that point the app at the started stack.

    The app counts prompt tokens with the served model's tokenizer: the GGUF itself when
    one was given, else the server's /tokenize (and the vocabulary size from the folder's
    config.json, for the watermark test).
    """
    env = {
        "COURSEBOT_LLM__BACKEND": "vllm",
        "COURSEBOT_LLM__ENDPOINTS": json.dumps([endpoint]),
    }
    if is_checkpoint(plan.model):
        config = json.loads((plan.model / "config.json").read_text(encoding="utf-8"))
        env["COURSEBOT_LLM__TOKENIZER"] = "server"
        if "vocab_size" in config:
            env["COURSEBOT_LLM__VOCAB_SIZE"] = str(int(config["vocab_size"]))
    else:
        env["COURSEBOT_LLM__PATH"] = str(plan.model)
    return env


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt here, so clean-up runs as it does for Ctrl+C."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def running_stack(
    settings: Settings, plan: ServePlan, say: Callable[[str], None]
) -> Iterator[EngineStack]:
    """Convert if needed, start the replicas (and router), yield the stack, stop it on exit."""
    python = require_vllm_python(plan.python)
    if not is_checkpoint(plan.model):
        say(f"coursebot: preparing {plan.model.name} for vLLM (converted once, then reused)")
    model_dir = servable_model(plan.model, python)
    log_dir = settings.data_dir / "logs" / "vllm"
    dtype = engine_dtype(plan.dtype)
    options = EngineOptions(
        model_dir=model_dir,
        watermark=settings.watermark,
        log_dir=log_dir,
        python=python,
        extra_args=plan.extra_args,
        dtype=dtype,
    )
    stack = EngineStack(options, replicas=plan.replicas, port=plan.port)
    say(
        f"coursebot: starting {plan.replicas} vLLM replica(s)"
        + (" behind vllm-router" if plan.replicas > 1 else "")
        + f" computing in {dtype}"
        + f" (logs in {log_dir}; the first start compiles the model, minutes on a small CPU)"
    )
    with terminate_as_interrupt():
        stack.start()
        try:
            say(f"coursebot: vLLM ready at {stack.endpoint}/v1")
            yield stack
        finally:
            say("coursebot: stopping vLLM")
            stack.stop()
