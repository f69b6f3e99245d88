"""Staff logins to the review pages live in the database (hashed tokens with an expiry), so a restarted
server, or a second one on the same database, accepts the same login; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.store import make_engine
from assistant.store.staff import StaffSessions, StaffUsers
from conftest import HASH_MIN_SCORE
from postgres_schemas import fresh_schema, sqlite_or_postgres
from ui.server import REVIEW_COOKIE_ID

PASSWORD = "a long password"
database_url = sqlite_or_postgres("test_staff_sessions")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Iterator:
    engine = make_engine(database_url)
    StaffUsers(engine).set("ana", PASSWORD)
    StaffUsers(engine).set("ben", PASSWORD)
    yield engine
    engine.dispose()


def test_a_login_is_kept_as_the_hash_of_its_token_until_it_expires(engine) -> None:
    clock = Clock()
    sessions = StaffSessions(engine, lifetime=timedelta(hours=12), clock=clock)

    sessions["token-of-anas-browser"] = "ana"

    assert sessions["token-of-anas-browser"] == "ana" and "token-of-anas-browser" in sessions
    assert sessions.get("someone-elses-guess") is None and sessions.get(None) is None
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash, username FROM staff_sessions")).all()
    assert stored == [(hashlib.sha256(b"token-of-anas-browser").hexdigest(), "ana")]  # never the token itself
    assert sessions.get(stored[0][0]) is None  # a stolen hash is not a token: it is hashed again

    clock.now += timedelta(hours=12, seconds=1)
    assert sessions.get("token-of-anas-browser") is None and len(sessions) == 0
    sessions["a later login"] = "ben"
    with engine.connect() as connection:  # the expired one went as the next came
        assert connection.execute(text("SELECT username FROM staff_sessions")).scalars().all() == ["ben"]


def test_logging_out_as_the_web_ui_does_removes_only_that_users_logins(engine) -> None:
    sessions = StaffSessions(engine)
    sessions["anas laptop"], sessions["anas phone"], sessions["bens laptop"] = "ana", "ana", "ben"

    for token in list(sessions.keys()):  # Gradio's logout: every login of the user
        if sessions[token] == "ana":
            del sessions[token]

    assert sessions.get("anas laptop") is None and sessions.get("anas phone") is None
    assert sessions["bens laptop"] == "ben" and len(sessions) == 1
    with pytest.raises(KeyError):
        del sessions["anas laptop"]


def test_a_new_password_or_a_removed_user_ends_their_logins(engine) -> None:
    sessions = StaffSessions(engine)
    sessions["anas laptop"], sessions["bens laptop"] = "ana", "ben"

    StaffUsers(engine).set("ana", "another long password")
    StaffUsers(engine).remove("ben")

    assert sessions.get("anas laptop") is None and sessions.get("bens laptop") is None


def test_nobody_is_logged_in_while_the_database_cannot_be_read(caplog) -> None:
    with fresh_schema("test_staff_sessions_no_tables") as url:
        engine = make_engine(url, create_tables=False)  # no tables: PostgreSQL answers, but cannot be read
        try:
            assert StaffSessions(engine).get("any token") is None
        finally:
            engine.dispose()
    assert "staff login not checked" in caplog.text


def test_a_database_that_cannot_be_opened_is_not_taken_for_a_logged_out_user(tmp_path: Path) -> None:
    """SQLite says "cannot open" and "no such table" as it says an outage: the error goes on to the review
    pages, which answer 503 (tests/ui/test_review_database_outage.py), not the login form."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db' / 'a.db'}", create_tables=False)
    try:
        with pytest.raises(OperationalError):
            StaffSessions(engine).get("any token")
    finally:
        engine.dispose()


# -- through the web server: a restart, a second server ------------------------------------------


def server(kb_assistant: Assistant, database_url: str, data_dir: Path) -> Assistant:
    """Another server on the same database and index, with a data folder of its own."""
    settings = load_settings(
        embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE,
        data_dir=data_dir, index_dir=kb_assistant.settings.index_dir, database_url=database_url,
    )
    return Assistant(settings)


def logged_in(web: TestClient) -> bool:
    status = web.get("/review/config").status_code
    assert status in (200, 401)
    return status == 200


def test_a_login_holds_across_a_restart_and_on_a_second_server(assistant: Assistant, database_url: str, tmp_path: Path) -> None:
    first = server(assistant, database_url, tmp_path / "first")
    first.staff.set("ana", PASSWORD)
    with TestClient(first.web_app()) as browser:
        assert browser.post("/review/login", data={"username": "ana", "password": PASSWORD}).status_code == 200
        cookies = dict(browser.cookies.items())
    first.close()
    assert f"access-token-unsecure-{REVIEW_COOKIE_ID}" in cookies  # the same name on every server

    restarted, second = server(assistant, database_url, tmp_path / "first"), server(assistant, database_url, tmp_path / "second")
    try:
        with TestClient(restarted.web_app(), cookies=cookies) as after_restart, TestClient(second.web_app(), cookies=cookies) as other:
            assert logged_in(after_restart) and logged_in(other)
            assert not logged_in(TestClient(second.web_app()))  # without the cookie: the login form

            assert other.get("/review/logout", follow_redirects=False).status_code == 302
            after_restart.cookies.update(cookies)  # the browser still sends the cookie
            assert not logged_in(after_restart)  # logged out on one server: on all of them
    finally:
        restarted.close()
        second.close()
