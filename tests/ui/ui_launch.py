"""Launch the app in-process for tests: 127.0.0.1, a free port, no thread lock."""

from __future__ import annotations

import socket

from ui.holder import AssistantHolder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(holder: AssistantHolder, **overrides: object) -> tuple[object, str]:
    """Launch the app in-process on a free 127.0.0.1 port; returns (app, url)."""
    from ui.serving import launch

    port = free_port()
    server = {**holder.settings.server, "port": port, **overrides}
    settings = holder.settings.model_copy(update={"server": server})
    app = launch(settings, holder=holder, block=False, quiet=True)
    return app, f"http://127.0.0.1:{port}/"
