"""What every `assistant` sub-command shares: consoles, settings from the global options, one-line errors."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from assistant import models as model_registry
from assistant.config import ConfigError, Settings, load_settings
from assistant.store import StoreUnavailable
from dialog.manager import InvalidMessage
from dialog.store import ConversationChanged, UnknownSession
from retrieval.index import IndexLoadError

out = Console()
err = Console(stderr=True)

# Errors a user can fix; they are printed as one clear line instead of a traceback.
USER_ERRORS = (
    model_registry.ModelError,
    IndexLoadError,
    StoreUnavailable,
    InvalidMessage,
    UnknownSession,
    ConversationChanged,
    FileNotFoundError,
    ValueError,
)


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]Error:[/] {escape(message)}", highlight=False)  # a path or a value may hold "[...]"
    raise typer.Exit(code)


def settings_from(ctx: typer.Context, **extra: Any) -> Settings:
    """Settings with the global options (kept in ``ctx.obj``) and ``extra`` on top; invalid ones fail clearly."""
    try:
        return load_settings(**{**(ctx.obj or {}), **extra})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        fail(f"invalid settings: {problems}")
        raise  # unreachable
    except (ConfigError, FileNotFoundError) as error:  # a broken config file or ASSISTANT_* value
        fail(str(error))
        raise  # unreachable


def run_guarded(action: Any) -> Any:
    """``action()``, with a user-fixable error printed as one line and exit code 1."""
    try:
        return action()
    except USER_ERRORS as error:
        fail(str(error))
