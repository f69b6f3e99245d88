"""`assistant users …`: the logins of the review pages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from assistant.cli_common import fail, out, run_guarded, settings_from
from assistant.store import check_database_exists, make_engine
from assistant.store.staff import StaffUsers, check_new_login

users_app = typer.Typer(help="Manage the staff logins of the review pages (/review).", no_args_is_help=True)


def _users(ctx: typer.Context, create: bool = False) -> StaffUsers:
    """The staff logins; without ``create``, a database that is not there is an error (a mistyped path)."""
    settings = settings_from(ctx)
    if not create:
        run_guarded(lambda: check_database_exists(settings.database_url))
    return StaffUsers(run_guarded(lambda: make_engine(settings.database_url)))


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login name (letters, digits, . _ @ -).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input instead of asking.")
    ] = False,
) -> None:
    """Add a staff login, or set a new password for an existing one. Only a salted hash is stored."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_new_login(username, password)  # before the database is opened: a refused login creates none
    except ValueError as error:
        fail(str(error))
    created = _users(ctx, create=True).set(username, password)
    out.print(f"{'Added' if created else 'Updated the password of'} {username}. Log in at /review.")


@users_app.command("remove")
def users_remove(ctx: typer.Context, username: Annotated[str, typer.Argument(help="The login to remove.")]) -> None:
    """Remove a staff login."""
    if not _users(ctx).remove(username):
        fail(f"there is no login {username!r}; see `assistant users list`")
    out.print(f"Removed {username}.")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List the staff logins."""
    names = _users(ctx).names()
    if not names:
        out.print("No staff logins yet. Add one with: assistant users add NAME")
    for name in names:
        out.print(name)
