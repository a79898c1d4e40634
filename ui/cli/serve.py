"""`coursebot serve`: vLLM (one replica or several behind vllm-router), then the web app on it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import get_args

import click

from ui.cli.common import friendly_errors, offline, settings_from
from ui.engine.dtype import EngineDtype


@click.command("serve")
@click.option("--replicas", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--model",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A GGUF file (converted once) or a Hugging Face model folder; default: llm.path, "
    "else the bundled SmolLM2.",
)
@click.option(
    "--engine-port",
    type=int,
    default=8000,
    show_default=True,
    help="The port of vLLM (or of the router in front of several replicas).",
)
@click.option("--host", default=None, help="The web app's interface (default: server.host).")
@click.option("--port", type=int, default=None, help="The web app's port (default: server.port).")
@click.option("--engine-only", is_flag=True, help="Start vLLM only and wait for Ctrl+C.")
@click.option(
    "--vllm-python",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A Python with vllm installed (default: .venv-vllm's, built by make serve).",
)
@click.option(
    "--dtype",
    type=click.Choice(get_args(EngineDtype)),
    default="auto",
    show_default=True,
    help="vLLM's number type. auto: bfloat16 on a CPU with bfloat16 instructions, float32 "
    "on other CPUs (bfloat16 emulated is about 4x slower there), vLLM's choice on a GPU.",
)
@click.option(
    "--vllm-arg",
    "vllm_args",
    multiple=True,
    help="One more argument for each vLLM replica, e.g. --vllm-arg=--enforce-eager "
    "(repeat for several).",
)
@click.pass_context
@friendly_errors
def command(
    ctx: click.Context,
    replicas: int,
    model: Path | None,
    engine_port: int,
    host: str | None,
    port: int | None,
    engine_only: bool,
    vllm_python: Path | None,
    dtype: EngineDtype,
    vllm_args: tuple[str, ...],
) -> None:
    """Serve a class: generation on vLLM with the watermark, the chat app in front.

    Runs in the foreground until Ctrl+C (or SIGTERM), then stops the app and every vLLM
    process it started.
    """
    offline()
    from ui.engine.stack import ServePlan, app_environment, model_to_serve, running_stack

    settings = settings_from(ctx)
    plan = ServePlan(
        model=model_to_serve(settings, model),
        replicas=replicas,
        port=engine_port,
        python=vllm_python,
        extra_args=vllm_args,
        dtype=dtype,
    )
    with running_stack(settings, plan, lambda line: click.echo(line, err=True)) as stack:
        if engine_only:
            click.echo(f"coursebot: serving {stack.endpoint}/v1 (Ctrl+C to stop)")
            while True:  # until Ctrl+C or SIGTERM (both raise KeyboardInterrupt here)
                time.sleep(1.0)
        os.environ.update(app_environment(plan, stack.endpoint))
        from ui.cli.chat import command as chat

        ctx.invoke(chat, host=host, port=port)
