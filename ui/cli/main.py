"""The `coursebot` command line."""

from __future__ import annotations

from pathlib import Path

import click

from ui.cli.ask import ask, ingest
from ui.cli.bench import command as bench_command
from ui.cli.chat import command as chat_command
from ui.cli.common import offline
from ui.cli.eval_hallucination import commands as hallucination_commands
from ui.cli.eval_safety import command as safety_eval_command
from ui.cli.monitor import command as monitor_command
from ui.cli.rate import command as rate_command
from ui.cli.watermark import command as watermark_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML settings file (default: $COURSEBOT_CONFIG, if set).",
)
@click.version_option(package_name="coursebot")
@click.pass_context
def cli(ctx: click.Context, config: Path | None) -> None:
    """coursebot: answers questions from your course documents, offline.

    Every answer is checked against the passages it cites; questions the documents do not
    cover get an honest "not covered" instead of an invented answer.
    """
    offline()
    ctx.obj = {"config": config}


@cli.group(name="eval")
def eval_group() -> None:
    """Measure coursebot: hallucination, safety and other evaluations."""


cli.add_command(ingest)
cli.add_command(ask)
cli.add_command(bench_command)
cli.add_command(chat_command)
cli.add_command(rate_command)
cli.add_command(monitor_command)
cli.add_command(watermark_command)
for _command in hallucination_commands:
    eval_group.add_command(_command)
eval_group.add_command(safety_eval_command)
