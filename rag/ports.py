"""Free TCP ports on 127.0.0.1, for the servers coursebot and its tests start."""

from __future__ import annotations

import contextlib
import socket


def free_ports(count: int = 1) -> list[int]:
    """`count` different ports on 127.0.0.1 that nothing listens on right now.

    Every socket is held open until all are chosen, so no port is handed out twice.
    Another process can still take one before a server binds it: callers that start
    servers on them retry on "Address already in use" (`ui.engine.replicas`).
    """
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def free_port() -> int:
    """One port on 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]
