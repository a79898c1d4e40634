"""`coursebot chat`: serve the web app on this machine (127.0.0.1 by default)."""

from __future__ import annotations

from typing import Any

import click

from ui.cli.common import friendly_errors, offline, settings_from


@click.command("chat")
@click.option("--host", default=None, help="Interface to bind (default: server.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: server.port, 7860).")
@click.pass_context
@friendly_errors
def command(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Open the chat web app: ask questions, see sources, upload documents."""
    offline()
    given: dict[str, Any] = {
        key: value for key, value in (("host", host), ("port", port)) if value is not None
    }
    settings = settings_from(ctx, server=given) if given else settings_from(ctx)
    from ui import serving
    from ui.server_settings import server_settings

    server = server_settings(settings)
    click.echo(f"coursebot: serving on http://{server.host}:{server.port} (Ctrl+C to stop)")
    if server.host not in ("127.0.0.1", "localhost") and not server.auth_username:
        click.echo(
            "warning: listening beyond this machine without a login; set "
            "COURSEBOT_SERVER__AUTH_USERNAME and COURSEBOT_SERVER__AUTH_PASSWORD for a shared "
            "deployment.",
            err=True,
        )
    serving.launch(settings)
    from ui.shutdown import SHUTDOWN

    ended = SHUTDOWN.interrupted
    click.echo(
        f"coursebot: stopped; {ended} open answer(s) ended with an error event, databases closed."
        if ended
        else "coursebot: stopped; databases closed.",
        err=True,
    )
