"""What every `assistant` sub-command shares: consoles, settings from the global options, one-line errors.

Imports here and in the command modules stay light (typer, rich): the settings, the database, the index and the
models are imported by the commands that use them, so that `assistant --help` and a command's own start are not
kept waiting by the web framework, SQLAlchemy and the model libraries (``tests/test_ops_cli_imports.py``)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from assistant.config import Settings


class LineConsole(Console):
    """A rich console that wraps long lines only on a terminal. Written to a file, a pipe or a journal (journald,
    Loki: each line an entry), one message stays one line, however long."""

    @property  # type: ignore[override]
    def soft_wrap(self) -> bool:
        return self._soft_wrap or not self.is_terminal

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:
        self._soft_wrap = value


out = Console()  # results (tables laid out for 80 columns when not a terminal, as scripts read them)
err = LineConsole(stderr=True)  # messages and warnings: one line each in a log

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class UtcLogFormatter(logging.Formatter):
    """Log lines that begin with their time in ISO 8601, UTC, to the millisecond (``2026-12-06T08:34:41.123Z``):
    the logs of several servers line up, whatever their machines' time zones."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def configure_logging(verbosity: int = 0) -> None:
    """The log on stderr (``LOG_FORMAT``): warnings and up; with ``-v`` info too; with ``-vv`` debug, and Alembic's
    info lines (each schema check's "Context impl …", which ``-v`` would repeat every few seconds)."""
    handler = logging.StreamHandler()
    handler.setFormatter(UtcLogFormatter(LOG_FORMAT))
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, handlers=[handler])
    # httpx logs each request's full URL at info: a handoff webhook's URL is its secret (Slack's holds the token)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.INFO if verbosity >= 2 else logging.WARNING)
    if not err.is_terminal:  # the model libraries' progress bars ("Loading weights: 0%|…") are no log lines
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # read as transformers is imported, later


@cache
def user_errors() -> tuple[type[BaseException], ...]:
    """Errors a user can fix; they are printed as one clear line instead of a traceback (imported when first
    needed: the store's and the index's errors bring SQLAlchemy and numpy)."""
    from assistant import models as model_registry
    from assistant.store import StoreUnavailable
    from dialog.manager import InvalidMessage
    from dialog.store import ConversationChanged, UnknownSession
    from retrieval.errors import IndexWriteError
    from retrieval.index import IndexLoadError

    return (
        model_registry.ModelError,
        IndexLoadError,
        IndexWriteError,
        StoreUnavailable,
        InvalidMessage,
        UnknownSession,
        ConversationChanged,
        FileNotFoundError,
        ValueError,
    )


def __getattr__(name: str) -> Any:
    """``USER_ERRORS``, as before: ``user_errors()``."""
    if name == "USER_ERRORS":
        return user_errors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True)  # a path or a value may hold "[...]"
    raise typer.Exit(code)


def settings_from(ctx: typer.Context, **extra: Any) -> Settings:
    """Settings with the global options (kept in ``ctx.obj``) and ``extra`` on top; invalid ones fail clearly."""
    from pydantic import ValidationError

    from assistant.config import ConfigError, load_settings

    flags = {**(ctx.obj or {}), **extra}
    try:
        return load_settings(**flags)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}{_given_in(str(e['loc'][0]), flags) if e['loc'] else ''}: {e['msg']}"
            for e in error.errors()
        )
        fail(f"invalid settings: {problems}")
        raise  # unreachable
    except (ConfigError, FileNotFoundError) as error:  # a broken config file or ASSISTANT_* value
        fail(str(error))
        raise  # unreachable


def _given_in(name: str, flags: dict[str, Any]) -> str:
    """Where a setting's value came from, highest priority first, so the message says what to fix."""
    from assistant.config import DEFAULT_CONFIG_FILE, ENV_PREFIX

    if flags.get(name) is not None:
        return " (command line)"
    variable = f"{ENV_PREFIX}{name.upper()}"
    if variable in os.environ:
        return f" (from {variable})"
    config_file = Path(os.environ.get("ASSISTANT_CONFIG", DEFAULT_CONFIG_FILE))
    return f" (in {config_file})" if config_file.is_file() else ""


@contextmanager
def stopped_note(target: Path, what: str) -> Iterator[None]:
    """Ctrl-C during training: one line saying that nothing was saved and the earlier model is as it was
    (a model is written aside and swapped in only at the end), exit status 130."""
    earlier = Path(target).is_dir() and any(Path(target).iterdir())
    try:
        yield
    except KeyboardInterrupt:
        kept = f"the earlier {what} in {target} is as it was" if earlier else f"{target} was not written"
        err.print()  # a progress bar may have been cut off mid-line
        fail(f"stopped; nothing was saved: {kept}", code=130)


def tolerant_terminal() -> None:
    """Characters the terminal's encoding cannot carry are replaced (U+FFFD in, ``?`` out), not a traceback:
    a terminal set to ASCII or Latin-1 still chats when a customer types, or an answer holds, other letters."""
    import sys

    for stream in (sys.stdin, sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a stream already closed or detached: left as it is
                pass


def run_guarded(action: Any) -> Any:
    """``action()``, with a user-fixable error printed as one line and exit code 1."""
    try:
        return action()
    except user_errors() as error:
        fail(str(error))
