"""Which server a request goes to: the healthy endpoints in turn, a failed one left out
for a while (and checked again before it is used), and all of them as a last resort."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


def base_url(url: str) -> str:
    """`url` without a trailing slash or `/v1`: the paths the backends add start there."""
    url = url.strip().rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


@dataclass
class Endpoint:
    """One server (or router) and what this app knows of it."""

    url: str
    down_until: float = 0.0
    connected: bool = False
    """It answered the connect check (model name, watermark probe) since it last failed."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


class EndpointPool:
    """Round-robin over healthy endpoints; thread-safe."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        retry_after_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError("at least one endpoint is needed")
        self.endpoints = [Endpoint(base_url(url)) for url in urls]
        self.retry_after_s = retry_after_s
        self._clock = clock
        self._next = 0
        self._lock = threading.Lock()

    def order(self) -> list[Endpoint]:
        """The endpoints to try for one request: healthy ones from the next in turn, then
        those that failed, the longest-failed first (one may be back)."""
        with self._lock:
            now = self._clock()
            start = self._next
            self._next = (self._next + 1) % len(self.endpoints)
            rotated = self.endpoints[start:] + self.endpoints[:start]
            healthy = [e for e in rotated if e.down_until <= now]
            failed = sorted((e for e in rotated if e.down_until > now), key=lambda e: e.down_until)
            return healthy + failed

    def failed(self, endpoint: Endpoint) -> None:
        """Leave `endpoint` out for `retry_after_s`; it is checked again before next use."""
        with self._lock:
            endpoint.down_until = self._clock() + self.retry_after_s
            endpoint.connected = False

    def succeeded(self, endpoint: Endpoint) -> None:
        with self._lock:
            endpoint.down_until = 0.0
