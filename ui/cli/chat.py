"""`coursebot chat`: serve the web app on this machine (127.0.0.1 by default)."""

from __future__ import annotations

from typing import Any

import click

from ui.cli.common import friendly_errors, offline, settings_from


@click.command("chat")
@click.option("--host", default=None, help="Interface to bind (default: settings.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: settings.port, 7860).")
@click.pass_context
@friendly_errors
def command(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Open the chat web app: ask questions, see sources, upload documents."""
    offline()
    overrides: dict[str, Any] = {
        key: value for key, value in (("host", host), ("port", port)) if value is not None
    }
    settings = settings_from(ctx, **overrides)
    from ui import serving

    click.echo(f"coursebot: serving on http://{settings.host}:{settings.port} (Ctrl+C to stop)")
    if settings.host not in ("127.0.0.1", "localhost") and not settings.auth_username:
        click.echo(
            "warning: listening beyond this machine without a login; set "
            "COURSEBOT_AUTH_USERNAME and COURSEBOT_AUTH_PASSWORD for a shared deployment.",
            err=True,
        )
    serving.launch(settings)
