"""uvicorn's own log lines ("Exception in ASGI application") go through the project's log, with its time and format,
as docs/operations.md says of every line: with uvicorn's logging config they had uvicorn's format, without a time.
Run as ``serve`` runs it, in a process of its own (other tests' servers leave uvicorn's loggers configured)."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO_ROOT

SERVE_LOGGING = """
from assistant.cli_common import configure_logging
from assistant.cli import uvicorn_config
import logging
configure_logging(0)
uvicorn_config(object(), "127.0.0.1", 0).configure_logging()  # what uvicorn.Server.run does first
logging.getLogger("uvicorn.error").error("Exception in ASGI application")
logging.getLogger("uvicorn.access").info("GET / 200")
"""


def test_uvicorns_errors_reach_the_projects_log_with_its_time() -> None:
    done = subprocess.run([sys.executable, "-c", SERVE_LOGGING], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)

    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 0, done.stderr
    assert len(lines) == 1, lines  # no access line per request
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ERROR uvicorn\.error: Exception in ASGI application", lines[0]), lines
