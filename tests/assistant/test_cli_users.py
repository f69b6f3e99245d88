"""`assistant users`: staff logins with their roles, through the CLI runner on a SQLite file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app
from cli_helpers import flat, runner  # noqa: F401 (fixture)


def users(runner: CliRunner, database: Path, *args: str, password: str | None = None):  # type: ignore[no-untyped-def]  # noqa: F811
    stdin = ["--password-stdin"] if password is not None else []
    return runner.invoke(app, ["--database-url", f"sqlite:///{database}", "users", *args, *stdin], input=(password or "") + "\n")


def test_logins_get_a_role_admin_unless_given_and_the_list_shows_them(runner: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    database = tmp_path / "staff.db"

    ana = users(runner, database, "add", "ana", password="a long enough password")
    bo = users(runner, database, "add", "bo", "--role", "reviewer", password="a long enough password")
    again = users(runner, database, "add", "bo", password="another long password")  # a new password keeps the role
    listed = users(runner, database, "list")

    assert "Added ana as admin." in flat(ana.stdout) and "Added bo as reviewer." in flat(bo.stdout)
    assert "Updated the password of bo." in flat(again.stdout)
    rows = [line.split() for line in listed.stdout.splitlines() if line.split()[:1] in (["ana"], ["bo"])]
    assert [row[:2] for row in rows] == [["ana", "admin"], ["bo", "reviewer"]]
    assert all(len(row) == 4 and row[2].count("-") == 2 for row in rows)  # and when each was added


def test_a_role_is_changed_and_a_wrong_one_refused(runner: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    database = tmp_path / "staff.db"
    users(runner, database, "add", "bo", "--role", "reviewer", password="a long enough password")

    changed = users(runner, database, "role", "bo", "admin")
    unknown = users(runner, database, "role", "nobody", "admin")
    wrong = users(runner, database, "add", "cy", "--role", "owner", password="a long enough password")

    assert changed.exit_code == 0 and "bo is now admin." in flat(changed.stdout)
    assert "bo admin" in flat(users(runner, database, "list").stdout)
    assert unknown.exit_code == 1 and "there is no login 'nobody'" in flat(unknown.stderr)
    assert wrong.exit_code == 2 and "'owner' is not one of" in flat(wrong.output) and "reviewer" in flat(wrong.output)
    assert "cy" not in flat(users(runner, database, "list").stdout)
