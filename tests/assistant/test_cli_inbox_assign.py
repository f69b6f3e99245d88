"""`assistant inbox assign` and the assignee in `assistant inbox list`, through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assistant.store import make_engine
from assistant.store.inbox import assigned_to
from assistant.store.staff import StaffUsers

from cli_helpers import flat, ingested, invoke, runner  # noqa: F401 (fixtures)


def ask(runner: CliRunner, text: str, session_id: str | None = None) -> dict:
    args = ["ask", "--json", *(["--session", session_id] if session_id else []), text]
    return json.loads(invoke(runner, *args).stdout)


def test_assign_list_and_clear_from_the_command_line(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    handed = ask(runner, "I want to talk to a human")["session_id"]
    engine = make_engine(f"sqlite:///{isolated / 'assistant.db'}")
    for login in ("ana", "bo"):
        StaffUsers(engine).set(login, "a long enough password")

    assigned = invoke(runner, "inbox", "assign", handed, "--to", "bo")
    listed = invoke(runner, "inbox", "list")
    scripted = invoke(runner, "inbox", "list", "--json")

    assert assigned.exit_code == 0 and f"Assigned {handed} to bo." in flat(assigned.stdout)
    assert "assigned" in listed.stdout and [line for line in listed.stdout.splitlines() if handed in line and " bo " in line]
    assert json.loads(scripted.stdout)["assigned_to"] == "bo" and assigned_to(engine, handed) == "bo"

    cleared = invoke(runner, "inbox", "assign", handed, "--clear")
    assert cleared.exit_code == 0 and f"Nobody has {handed} now (bo had it)." in flat(cleared.stdout)
    assert json.loads(invoke(runner, "inbox", "list", "--json").stdout)["assigned_to"] is None


def test_assign_explains_what_went_wrong(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    handed = ask(runner, "I want to talk to a human")["session_id"]
    answered = ask(runner, "Do you offer gift wrapping?")["session_id"]
    StaffUsers(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).set("ana", "a long enough password")

    unknown_login = invoke(runner, "inbox", "assign", handed, "--to", "anna")
    not_handed = invoke(runner, "inbox", "assign", answered, "--to", "ana")
    neither = invoke(runner, "inbox", "assign", handed)
    both = invoke(runner, "inbox", "assign", handed, "--to", "ana", "--clear")

    assert unknown_login.exit_code == 1 and "anna is not a review login; the logins are: ana" in flat(unknown_login.stderr)
    assert not_handed.exit_code == 1 and "is not with a person" in flat(not_handed.stderr)
    assert neither.exit_code == 2 and both.exit_code == 2 and "give --to LOGIN or --clear" in flat(both.output)
    assert json.loads(invoke(runner, "inbox", "list", "--json").stdout)["assigned_to"] is None


def test_assign_refuses_an_empty_or_too_long_login_before_writing(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    # with no review logins set up any --to was taken: "" became the assignee, and 65 characters did not fit the
    # column (String(64): an error of the database on PostgreSQL)
    handed = ask(runner, "I want to talk to a human")["session_id"]
    engine = make_engine(f"sqlite:///{isolated / 'assistant.db'}")

    for login in ("", "   ", "a" * 65):
        refused = invoke(runner, "inbox", "assign", handed, "--to", login)
        assert refused.exit_code == 2 and "a review login of 1 to 64 characters" in flat(refused.output)
        assert assigned_to(engine, handed) is None

    assert invoke(runner, "inbox", "assign", handed, "--to", " " + "a" * 64 + " ").exit_code == 0
    assert assigned_to(engine, handed) == "a" * 64
