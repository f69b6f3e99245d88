"""What a server's operator reads in its log (an ops probe of two servers on PostgreSQL): lines that start with an
ISO-8601 UTC time, one problem on one line, each problem said once and at the level it deserves, no alarm at a
normal stop."""

from __future__ import annotations

import io
import logging
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from sqlalchemy import event

from assistant.api_security import ApiGuards, Rate, limiter_factory
from assistant.notify import HandoffNotifier
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store.spool import spool_file

from redis_server import REDIS_URL, reachable_redis

ROOT = Path(__file__).resolve().parents[2]
DOWN_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on port 9
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def assistant_command(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``assistant ARGS`` in a process of its own, its log (stderr) piped: not a terminal, as under systemd."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--data-dir", str(tmp_path / "data"), "--database-url",
         f"sqlite:///{tmp_path / 'assistant.db'}", *args],
        env=environment, capture_output=True, text=True, timeout=120,
    )


# -- the log's format and levels --------------------------------------------------------------------------------


def test_log_lines_begin_with_an_iso_utc_time_and_verbose_leaves_alembic_quiet(tmp_path: Path) -> None:
    """Two servers' logs could not be lined up (no time on a line); ``-v`` repeated Alembic's "Context impl
    SQLiteImpl." at every schema check. Now ``-v`` shows the assistant's info lines without Alembic's, ``-vv``
    shows Alembic's too, and every line starts with the time in UTC."""
    assert assistant_command("db", "upgrade", tmp_path=tmp_path).returncode == 0

    verbose = assistant_command("-v", "db", "current", tmp_path=tmp_path)
    more = assistant_command("-vv", "db", "current", tmp_path=tmp_path)

    assert verbose.returncode == 0 and more.returncode == 0, verbose.stderr + more.stderr
    assert "alembic" not in verbose.stderr
    alembic_lines = [line for line in more.stderr.splitlines() if "alembic.runtime.migration" in line]
    assert alembic_lines, more.stderr
    for line in alembic_lines:
        assert re.match(rf"{TIMESTAMP} INFO alembic\.runtime\.migration: ", line), line


def test_a_long_message_is_one_line_when_the_output_is_not_a_terminal() -> None:
    """journald and Loki store each line as an entry: "warning: Cannot open the database …" was 4 of them."""
    from assistant.cli_common import LineConsole

    written = io.StringIO()  # not a terminal
    console = LineConsole(file=written, width=80)
    message = "warning: Cannot open the database " + "and this is why, " * 12

    console.print(message, highlight=False)

    assert written.getvalue() == message + "\n"


def test_a_long_message_is_still_wrapped_on_a_terminal() -> None:
    from assistant.cli_common import LineConsole

    written = io.StringIO()
    console = LineConsole(file=written, width=80, force_terminal=True, color_system=None)

    console.print("word " * 40, highlight=False)

    assert written.getvalue().count("\n") > 1
    assert isinstance(console, Console)


# -- Redis for the rate limits ----------------------------------------------------------------------------------


def test_limits_sharing_a_redis_that_is_down_warn_once_between_them(caplog: pytest.LogCaptureFixture) -> None:
    """Three identical lines came with the first message, one per limit."""
    make = limiter_factory(DOWN_REDIS)
    per_address, per_conversation = make(Rate(5, 60), "ip"), make(Rate(5, 60), "session")

    with caplog.at_level(logging.WARNING, logger="assistant.api_security"):
        assert per_address.wait("203.0.113.7") == 0
        assert per_conversation.wait("abc") == 0

    assert caplog.text.count("Redis is unavailable") == 1


def test_start_up_says_plainly_when_the_rate_limits_redis_cannot_be_reached() -> None:
    guards = ApiGuards(per_ip=Rate(60, 60), per_session=Rate(20, 60), redis_url=DOWN_REDIS)

    line = guards.describe()

    assert "shared through Redis" not in line
    unreachable = ("ConnectionError", "TimeoutError")  # refused at once, or (a busy machine) past the connect timeout
    assert "NOT ENFORCED" in line and "Redis cannot be reached" in line and any(kind in line for kind in unreachable)
    assert guards.status() == {"rate_limit_redis": "down", "rate_limit_redis_error": guards.status()["rate_limit_redis_error"]}
    assert any(kind in guards.status()["rate_limit_redis_error"] for kind in unreachable)


def test_start_up_and_health_say_when_the_rate_limits_are_shared_through_redis() -> None:
    reachable_redis()
    guards = ApiGuards(per_ip=Rate(60, 60), redis_url=REDIS_URL)

    assert "(shared through Redis)" in guards.describe()
    assert guards.status() == {"rate_limit_redis": "up"}
    assert ApiGuards(per_ip=Rate(60, 60)).status() == {}  # no Redis configured: nothing to report


# -- the spool --------------------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_no_warning_about_erasures_on_other_servers_when_the_store_has_stopped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every normal stop logged "cannot look for conversations erased or purged on other servers (cannot schedule
    new futures after shutdown)": the look ran after the store's database calls had been shut down."""
    engine = make_engine(f"sqlite:///{tmp_path / 'assistant.db'}")
    clock = Clock()
    store = SpoolingStore(SqlStore(engine), spool_file(tmp_path / "data"), retry_seconds=None, clock=clock, answer_within_s=5)
    store.close()
    clock.now += 3600

    with caplog.at_level(logging.DEBUG, logger="assistant.store.spool"):
        store.look()

    assert not [record for record in caplog.records if record.levelno >= logging.WARNING], caplog.text
    engine.dispose()


def test_the_end_of_an_outage_is_logged_at_info(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The outage is a warning; its end ("The database is back: flushed …") is news, not a problem."""
    engine = make_engine(f"sqlite:///{tmp_path / 'assistant.db'}")
    down = [True]

    def connect(*_args: object) -> None:
        if down[0]:
            raise sqlite3.OperationalError("unable to open database file (switched off by the test)")

    event.listen(engine, "do_connect", connect)
    engine.dispose()
    store = SpoolingStore(SqlStore(engine), spool_file(tmp_path / "data"), retry_seconds=None)
    store.create_session("test")
    down[0] = False

    with caplog.at_level(logging.INFO, logger="assistant.store.spool"):
        assert store.flush() == 1

    back = [record for record in caplog.records if record.getMessage().startswith("The database is back")]
    assert [record.levelname for record in back] == ["INFO"]
    store.close()
    engine.dispose()


# -- the handoff webhook ----------------------------------------------------------------------------------------


def test_a_failing_webhook_is_told_at_its_first_failure_and_once_when_it_takes_notices_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing webhook was silent for about 156 s (the first warning came after the retries of 1, 5, 30 and
    120 s). Now its first failure is one line with the plan, and its recovery one more."""
    failures = [3]

    def receiver(request: httpx.Request) -> httpx.Response:
        if failures[0]:
            failures[0] -= 1
            return httpx.Response(503)
        return httpx.Response(200)

    notifier = HandoffNotifier(
        "http://helpdesk.example/hook", retry_delays_s=(0.01, 0.01, 0.01, 0.01), retry_every_s=0.01,
        transport=httpx.MockTransport(receiver),
    )

    with caplog.at_level(logging.INFO, logger="assistant.notify"):
        assert notifier.send(notifier.notice("abc", "asked for a person", "hello")) is True

    lines = [record for record in caplog.records if record.name == "assistant.notify"]
    assert len(lines) == 2, caplog.text
    first, recovered = lines
    assert first.levelno == logging.WARNING and "HTTP 503" in first.getMessage()
    assert "tried again in 0.01 s, 0.01 s, 0.01 s, 0.01 s, then every 0.01 s" in first.getMessage()
    assert "takes notices again" in recovered.getMessage()


def test_health_says_the_webhook_fails_until_it_takes_a_notice_again() -> None:
    """/healthz (the notifier's ``status``) names a failing webhook, for monitoring without reading the log."""
    up = [False]
    notifier = HandoffNotifier(
        "http://helpdesk.example/hook", retry_delays_s=(), retry_every_s=0.01, max_age_s=0.05,
        transport=httpx.MockTransport(lambda request: httpx.Response(200 if up[0] else 503)),
    )

    assert "handoff_webhook" not in notifier.status()
    assert notifier.send(notifier.notice("abc", "asked for a person", "hello")) is False
    assert notifier.status()["handoff_webhook"] == "failing (HTTP 503)"
    up[0] = True
    assert notifier.send(notifier.notice("def", "asked for a person", "hello")) is True
    assert "handoff_webhook" not in notifier.status()


def test_no_progress_bars_from_the_model_libraries_when_the_log_is_not_a_terminal() -> None:
    """A server's log under systemd held "Loading weights:   0%|…" lines (transformers' progress bars, with
    carriage returns) for each model it loaded."""
    shown = subprocess.run(
        [sys.executable, "-c", "from assistant.cli_common import configure_logging; configure_logging(0); "
         "from transformers.utils import logging; print(logging.is_progress_bar_enabled())"],
        env={key: value for key, value in os.environ.items() if key != "HF_HUB_DISABLE_PROGRESS_BARS"} | {"PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120,
    )

    assert shown.stdout.strip() == "False", shown.stderr


def test_a_server_shows_the_end_of_an_outage_at_its_default_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """"The database is back" and "the handoff webhook takes notices again" are info lines: a server, which logs
    warnings and up without --verbose, shows them all the same."""
    from assistant import cli

    monkeypatch.setattr(logging.getLogger(), "level", logging.WARNING)  # as a server's logging set-up leaves it
    for name in ("assistant.store.spool", "assistant.notify"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)

    cli.show_knowledge_base_events()

    assert logging.getLogger("assistant.store.spool").isEnabledFor(logging.INFO)
    assert logging.getLogger("assistant.notify").isEnabledFor(logging.INFO)
    assert not logging.getLogger("assistant.api_security").isEnabledFor(logging.INFO)
