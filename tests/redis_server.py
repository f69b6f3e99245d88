"""The real Redis for tests (``TEST_REDIS_URL``, default 127.0.0.1:6379 database 15): a connection, or the
test is skipped with the reason when it cannot be reached."""

from __future__ import annotations

import os
from typing import Any

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable_redis() -> Any:
    """A client of the test Redis; skips the test when the package is missing or the server does not answer."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    return connection
