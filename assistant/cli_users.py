"""`assistant users …`: the logins of the review pages."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich import box
from rich.table import Table

from assistant.cli_common import fail, out, run_guarded, settings_from

if TYPE_CHECKING:
    from assistant.store.staff import StaffUsers


class Role(str, Enum):
    """``assistant.store.staff.ROLES``, written out: that module brings SQLAlchemy, which `--help` does not need."""

    admin = "admin"
    reviewer = "reviewer"


users_app = typer.Typer(help="Manage the staff logins of the review pages (/review).", no_args_is_help=True)


def _users(ctx: typer.Context, create: bool = False) -> StaffUsers:
    """The staff logins; without ``create``, a database that is not there is an error (a mistyped path)."""
    from assistant.store import check_database_exists, make_engine
    from assistant.store.staff import StaffUsers

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
    role: Annotated[
        Optional[Role],
        typer.Option(
            help="admin: everything; reviewer: review, label and reply in the Inbox, but not change the knowledge base "
            "or export the logs. A new login is an admin unless given; an existing one keeps its role unless given.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Add a staff login, or set a new password (and, with --role, a new role) for an existing one. Only a salted hash is stored."""
    from assistant.store.staff import ADMIN, check_new_login

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_new_login(username, password)  # before the database is opened: a refused login creates none
    except ValueError as error:
        fail(str(error))
    created = _users(ctx, create=True).set(username, password, role.value if role is not None else None)
    as_role = f" as {role.value if role is not None else ADMIN}" if created else (f", now {role.value}" if role is not None else "")
    out.print(f"{'Added' if created else 'Updated the password of'} {username}{as_role}. Log in at /review.", highlight=False)


@users_app.command("role")
def users_role(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login.")],
    role: Annotated[Role, typer.Argument(help="admin or reviewer (see `assistant users add --help`).")],
) -> None:
    """Change a login's role; its password and open sessions stay (the new role applies from its next click)."""
    if not _users(ctx).set_role(username, role.value):
        fail(f"there is no login {username!r}; see `assistant users list`")
    out.print(f"{username} is now {role.value}.", highlight=False)


@users_app.command("remove")
def users_remove(ctx: typer.Context, username: Annotated[str, typer.Argument(help="The login to remove.")]) -> None:
    """Remove a staff login."""
    if not _users(ctx).remove(username):
        fail(f"there is no login {username!r}; see `assistant users list`")
    out.print(f"Removed {username}.")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List the staff logins with their roles and when each was added (UTC)."""
    logins = _users(ctx).logins()
    if not logins:
        out.print("No staff logins yet. Add one with: assistant users add NAME")
        return
    table = Table("login", "role", "added (UTC)", box=box.SIMPLE_HEAD)
    for name, role, added in logins:
        table.add_row(name, role, f"{added:%Y-%m-%d %H:%M}")
    out.print(table)
