"""Simulated users: threads of `gradio_client` asking the chat endpoint, streamed.

Each user opens its own client (its own session), waits at a barrier so all start at
once, and asks its questions one after another through `/chat`, the endpoint the page
uses. For each question it records when the first words of the answer appeared (the
course quote or the first draft sentence, seen by polling the job's updates) and when
the final answer came, or the error it got instead. Loops are bounded: every wait has a
deadline.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from pydantic import BaseModel

TEXT_STATUSES = ("Quoting the course…", "Generating…")
"""Chat statuses that mean answer text is on screen (see ui/chat_page.py)."""
POLL_S = 0.05
"""How often a user looks at its job's updates: the resolution of the first-text times."""


class Request(BaseModel):
    """One question as its user saw it."""

    user: int
    question: str
    sent_s: float
    first_text_s: float | None = None
    final_s: float | None = None
    ok: bool = False
    error: str | None = None
    waited_in_line: bool = False


def connect(url: str, deadline_s: float) -> Any:
    """A `gradio_client` session that waits for the server as long as a user would.

    Every HTTP call of the client (fetching the config, joining the queue, reading the
    event stream) otherwise gives up after httpx's 5 s: under load the app accepts the
    event after that, the user has left, and the answer runs for no one. A user who gives
    up before the app's own time limits is a defect of the benchmark, not of the app.
    """
    from gradio_client import Client

    return Client(url, verbose=False, httpx_kwargs={"timeout": deadline_s})


def ask_streamed(client: object, question: str, request: Request, deadline_s: float) -> None:
    """Ask one question through `/chat`, filling `request` (times relative to sending)."""
    began = time.perf_counter()
    job = client.submit(question, [], api_name="/chat")  # type: ignore[attr-defined]
    seen = 0
    while True:
        # `done` is read before the outputs: the client appends every update before it
        # marks the job done, so the last scan sees them all. Reading it after missed the
        # updates that arrived in the last poll interval (a busy client reads its event
        # stream in bursts: 2 of 48 users "never saw" their place in line).
        finished = job.done()
        outputs = job.outputs()
        for update in outputs[seen:]:
            status = str(update[-1]) if isinstance(update, tuple | list) else ""
            if "in line" in status:
                request.waited_in_line = True
            if request.first_text_s is None and status in TEXT_STATUSES:
                request.first_text_s = time.perf_counter() - began
        seen = len(outputs)
        if finished:
            break
        if time.perf_counter() - began > deadline_s:
            job.cancel()
            request.error = f"no answer within {deadline_s:.0f} s (the bench's deadline)"
            return
        time.sleep(POLL_S)
    try:
        _, _, status = job.result(timeout=deadline_s)
    except Exception as exc:
        request.error = f"{type(exc).__name__}: {exc}"
        return
    request.final_s = time.perf_counter() - began
    if request.first_text_s is None:
        request.first_text_s = request.final_s
    request.ok = str(status).startswith("Answered in")
    if not request.ok:
        request.error = f"answered with the status {status!r}"


def simulate(
    url: str, users: int, questions: list[str], per_user: int, deadline_s: float
) -> tuple[list[Request], float]:
    """`users` at once, `per_user` questions each; returns the requests and the wall time."""
    requests: list[Request] = []
    lock = threading.Lock()
    start = threading.Barrier(users)

    def user(index: int) -> None:
        client: Any = None
        try:
            client = connect(url, deadline_s)
        except Exception as exc:
            with lock:
                requests.append(
                    Request(user=index, question="", sent_s=0.0, error=f"connect: {exc}")
                )
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=deadline_s)
        if client is None:
            return
        for j in range(per_user):
            question = questions[(index * per_user + j) % len(questions)]
            request = Request(user=index, question=question, sent_s=time.perf_counter())
            try:
                ask_streamed(client, question, request, deadline_s)
            except Exception as exc:
                request.error = f"{type(exc).__name__}: {exc}"
            with lock:
                requests.append(request)
        client.close()

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline_s * (per_user + 1))
    wall = time.perf_counter() - began
    for request in requests:
        request.sent_s -= began
    return requests, wall
