"""What every CLI command shares: settings, clean input, quiet libraries, one-line errors.

Exit codes (also in `coursebot --help` and the README):

    0  done
    1  an error coursebot explains in one line ("Error: ... what to do")
    2  a usage error: an unknown option, a missing argument (click's own)
    130 interrupted (Ctrl+C)
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TextIO, TypeVar

import click

if TYPE_CHECKING:
    from rag.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 an error, explained in one line; 2 a usage error "
    "(unknown option, missing argument); 130 interrupted."
)


def offline() -> None:
    """rag's offline switch (no library reaches for a model hub), plus no Gradio analytics.

    Imported late: `rag` pulls in the model libraries, and commands that refuse bad input
    should answer before that.
    """
    from rag.components import go_offline

    go_offline()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _root_obj() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj if isinstance(obj, dict) else {}


def verbose() -> bool:
    """True with the global `--verbose`: library output and tracebacks are shown."""
    return bool(_root_obj().get("verbose"))


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    """Settings from the global `--config` option, the environment and overrides."""
    from rag.settings import load_settings

    config: Path | None = (ctx.find_root().obj or {}).get("config")
    return load_settings(config, **overrides)


def clean_text(text: str) -> tuple[str, bool]:
    """`text` with invalid UTF-8 replaced by U+FFFD; True when something was replaced.

    Python hands over undecodable bytes of arguments as lone surrogates
    (surrogateescape); they cannot be stored, logged or encoded, so they go here.
    """
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    cleaned = data.decode("utf-8", "replace")
    return cleaned, cleaned != text


def read_stdin_text() -> tuple[str, bool]:
    """All of standard input as text, invalid UTF-8 replaced; True when something was."""
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), True


_TERMINAL: list[TextIO] = []
"""The real stderr while `quiet_libraries` hides fd 2 (a stack: the block may nest)."""
OUR_LOGGERS = ("rag", "safety", "eval", "ui", "coursebot")


def real_stderr() -> TextIO:
    """Where the user sees stderr, also inside `quiet_libraries` (which hides fd 2)."""
    return _TERMINAL[-1] if _TERMINAL else sys.stderr


def note(message: str) -> None:
    """One line on stderr that is not an error (the command goes on)."""
    click.echo(f"Note: {message}", err=not _TERMINAL, file=_TERMINAL[-1] if _TERMINAL else None)


class _OursOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".")[0] in OUR_LOGGERS


@contextmanager
def quiet_libraries() -> Iterator[None]:
    """Hide what libraries print (llama.cpp's context warnings, Python warnings) unless
    `--verbose`; coursebot's own log warnings and notes still reach stderr, one line each.

    Both file descriptor 2 and `sys.stderr` go to /dev/null while the block runs (llama.cpp
    prints through either); a logging handler on the real stderr passes coursebot's
    records of level WARNING and above.
    """
    if verbose():
        yield
        return
    sys.stderr.flush()
    saved_fd = os.dup(2)
    python_stderr = sys.stderr
    terminal = open(  # noqa: SIM115 (closed in finally)
        os.dup(saved_fd), "w", buffering=1, encoding="utf-8", errors="backslashreplace"
    )
    handler = logging.StreamHandler(terminal)
    handler.setLevel(logging.WARNING)
    handler.addFilter(_OursOnly())
    handler.setFormatter(logging.Formatter("Note: %(message)s"))
    root = logging.getLogger()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (closed in finally)
    root.addHandler(handler)
    _TERMINAL.append(terminal)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        _TERMINAL.pop()
        root.removeHandler(handler)
        sys.stderr.close()
        sys.stderr = python_stderr
        terminal.close()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn errors into one line on stderr and an exit code (see the module docstring).

    coursebot's typed errors (rag's CoursebotError, safety's SafetyError) carry their own
    advice; an OSError (disk full, no permission) names the file; anything else is a bug,
    shown in one line unless `--verbose` asks for the traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            from rag.errors import CoursebotError
            from safety.errors import SafetyError

            # safety/ cannot import rag/, so its errors are not CoursebotErrors; both
            # carry their own advice
            if isinstance(exc, CoursebotError | SafetyError):
                raise click.ClickException(str(exc)) from exc
            if isinstance(exc, OSError):
                where = f" ({exc.filename})" if exc.filename else ""
                raise click.ClickException(
                    f"{exc.strerror or exc}{where}. Check free disk space and permissions, "
                    "then run the command again."
                ) from exc
            if verbose():
                raise
            raise click.ClickException(
                f"unexpected {type(exc).__name__}: {exc}. Run again with "
                "`coursebot --verbose ...` to see where it happened, and report it."
            ) from exc

    return wrapper
