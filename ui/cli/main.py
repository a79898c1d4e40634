"""The `coursebot` command line.

Subcommands are imported only when they run, so `coursebot ask ""` or `--help` answers
without loading the model libraries that other commands need.
"""

from __future__ import annotations

from pathlib import Path

import click

from ui.cli.common import EXIT_CODES_HELP, offline
from ui.cli.lazy import LazyGroup

SELF_OFFLINE = {"ask", "index"}
"""Commands that call `offline()` themselves, after checking their input (fast errors)."""


@click.group(
    cls=LazyGroup,
    lazy={
        "ask": "ui.cli.ask:ask",
        "ingest": "ui.cli.ask:ingest",
        "index": "ui.cli.index:command",
        "bench": "ui.cli.bench:command",
        "chat": "ui.cli.chat:command",
        "serve": "ui.cli.serve:command",
        "rate": "ui.cli.rate:command",
        "monitor": "ui.cli.monitor:command",
        "watermark": "ui.cli.watermark:command",
    },
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES_HELP,
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML settings file (default: $COURSEBOT_CONFIG, if set).",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Show library output (llama.cpp, warnings) and tracebacks of unexpected errors.",
)
@click.version_option(package_name="coursebot")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, verbose: bool) -> None:
    """coursebot: answers questions from your course documents, offline.

    Every answer is checked against the passages it cites; questions the documents do not
    cover get an honest "not covered" instead of an invented answer.
    """
    ctx.obj = {"config": config, "verbose": verbose}
    if ctx.invoked_subcommand not in SELF_OFFLINE:
        offline()


eval_group = LazyGroup(
    name="eval",
    help="Measure coursebot: hallucination, safety and other evaluations.",
    lazy={"safety": "ui.cli.eval_safety:command"},
    lazy_lists=["ui.cli.eval_hallucination:commands"],
)
cli.add_command(eval_group)
