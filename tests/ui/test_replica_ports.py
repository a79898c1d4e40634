"""Replica ports: chosen distinct, and chosen again when another process took one first.

The replicas here are a stand-in: a Python HTTP server that answers /health, started by
the real `Server` on the port the stack gives it, and failing as vLLM's API server does
("Address already in use") when that port is taken. What is under test is the stack's
start-up, not vLLM (the real replicas are in tests/serving/test_server_real.py).
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import ui.engine.replicas as replicas
from rag.ports import free_port, free_ports
from rag.settings import Settings
from ui.engine.errors import EngineError
from ui.engine.replicas import EngineOptions, EngineStack

STAND_IN = """
import http.server, sys

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


@pytest.fixture
def stand_in_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        replicas,
        "replica_command",
        lambda options, port: [sys.executable, "-c", STAND_IN, str(port)],
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def _options(tmp_path: Path) -> EngineOptions:
    return EngineOptions(
        model_dir=tmp_path / "model",
        watermark=Settings().watermark,
        log_dir=tmp_path / "logs",
        startup_timeout_s=60,
    )


def test_ports_are_distinct_and_free() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
    assert free_port() > 0


def test_a_replica_whose_port_was_taken_starts_again_on_another(
    tmp_path: Path,
    stand_in_replicas: None,
    taken_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(replicas, "free_ports", lambda count: [taken_port] * count)
    with EngineStack(_options(tmp_path)) as stack:
        (replica,) = stack.replicas
        assert replica.port != taken_port and replica.healthy()
        assert stack.endpoint == f"http://127.0.0.1:{replica.port}"
    assert b"Address already in use" in (tmp_path / "logs" / "vllm-1.log").read_bytes()
    assert not replica.alive


def test_a_replica_port_asked_for_that_is_taken_is_an_error(
    tmp_path: Path, stand_in_replicas: None, taken_port: int
) -> None:
    stack = EngineStack(_options(tmp_path), port=taken_port)
    with pytest.raises(EngineError, match="exited"):
        stack.start()
    assert all(not replica.alive for replica in stack.replicas)
