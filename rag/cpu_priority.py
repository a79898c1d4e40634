"""CPU priority of threads, so work in the background leaves the cores to answers.

Linux schedules threads one by one and a thread's nice value is its own, inherited by the
threads it starts: a thread that lowers itself lowers the pool it then creates (ONNX
Runtime's batches of an ingestion, `rag.onnx_embedder`). An unprivileged process cannot
raise a thread back, so lowered work runs in a thread of its own that ends with it.
Elsewhere (no per-thread priority) these are no-ops and nothing counts as lowered.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

BACKGROUND_NICE = 10
"""Nice value of an in-app ingestion: on a free core it runs at full speed; beside an
answer it gets about a tenth of a core's share (Linux's weights: 110 against 1024)."""


def lower_this_thread(nice: int = 19) -> None:
    """Nice the calling thread to `nice` (never raises it back)."""
    with contextlib.suppress(AttributeError, OSError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(nice, os.getpriority(os.PRIO_PROCESS, tid)))


def this_thread_lowered() -> bool:
    """True in a thread whose priority is below the process's main thread's."""
    with contextlib.suppress(AttributeError, OSError):
        mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return mine > os.getpriority(os.PRIO_PROCESS, os.getpid())
    return False


def run_lowered(work: Callable[[], T], nice: int = BACKGROUND_NICE) -> T:
    """`work()` in a new thread niced to `nice`, waited for: its result, or its exception
    raised here. The calling thread (a web server's worker, say) keeps its priority.

    The work sees the caller's context variables (a web framework's progress bar reads
    its event from one). The thread is a daemon, so an interrupted caller's process
    exits as it did when the work ran in the caller (an index write is atomic)."""
    outcome: list[T] = []
    failure: list[BaseException] = []
    context = contextvars.copy_context()

    def run() -> None:
        lower_this_thread(nice)
        try:
            outcome.append(context.run(work))
        except BaseException as exc:  # re-raised in the caller
            failure.append(exc)

    thread = threading.Thread(target=run, name="coursebot-lowered", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
