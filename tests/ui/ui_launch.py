"""Launch the app in-process for tests: 127.0.0.1, a free port, no thread lock."""

from __future__ import annotations

from rag.ports import free_port
from ui.holder import AssistantHolder


def serve(holder: AssistantHolder, **overrides: object) -> tuple[object, str]:
    """Launch the app in-process on a free 127.0.0.1 port; returns (app, url)."""
    from ui.serving import launch

    port = free_port()
    server = {**holder.settings.server, "port": port, **overrides}
    settings = holder.settings.model_copy(update={"server": server})
    app = launch(settings, holder=holder, block=False, quiet=True)
    return app, f"http://127.0.0.1:{port}/"
