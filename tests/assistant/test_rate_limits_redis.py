"""Rate limits shared through the real Redis at 127.0.0.1:6379 (skipped with the reason when it is not
reachable): several server processes count against one bucket, and a Redis outage lets messages through."""

from __future__ import annotations

import logging
import secrets

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import create_router, install_api_guards
from assistant.api_security import ApiGuards, Rate, RedisRateLimiter, limiter_factory
from ui.chat import ChatPage

from redis_server import REDIS_URL, reachable_redis

redis = pytest.importorskip("redis")
QUESTION = {"text": "How much does express shipping cost?"}


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    connection = reachable_redis()
    yield connection
    for key in connection.scan_iter("support-assistant:rate:*"):
        connection.delete(key)


def name() -> str:
    """A bucket name of this test's own, so runs never share buckets."""
    return f"test-{secrets.token_hex(4)}"


def test_two_servers_share_one_bucket_and_it_refills_at_the_rate(client) -> None:  # type: ignore[no-untyped-def]
    now = [1_000.0]
    bucket = name()
    first, second = (RedisRateLimiter(Rate(3, 60), client, bucket, clock=lambda: now[0]) for _ in range(2))

    first.take("203.0.113.7")
    second.take("203.0.113.7")
    first.take("203.0.113.7")

    assert second.wait("203.0.113.7") == pytest.approx(20)  # one token every 20 s, none left
    assert second.wait("198.51.100.1") == 0  # another address has its own bucket
    now[0] += 15
    assert first.wait("203.0.113.7") == pytest.approx(5)
    now[0] += 1_000  # a long pause fills the bucket only up to the burst
    for _ in range(3):
        second.take("203.0.113.7")
    assert first.wait("203.0.113.7") > 0
    assert 0 < client.ttl(f"support-assistant:rate:{bucket}:203.0.113.7") <= 120  # idle buckets expire


def test_the_api_limit_holds_across_two_server_processes(assistant, client) -> None:  # type: ignore[no-untyped-def]
    servers = []
    for _ in range(2):  # two apps, as two processes behind a load balancer: each its own guards
        app = FastAPI()
        app.include_router(create_router(assistant.manager))
        install_api_guards(app, ApiGuards(per_session=Rate(2, 60), redis_url=REDIS_URL))
        servers.append(TestClient(app))
    session_id = servers[0].post("/api/sessions").json()["session_id"]
    path = f"/api/sessions/{session_id}/messages"

    codes = [servers[n % 2].post(path, json=QUESTION).status_code for n in range(3)]

    assert codes == [200, 200, 429]  # alone, each server would have let all three through
    assert len(assistant.sql_store.turns(session_id)) == 2


def test_the_chat_page_counts_against_the_same_buckets_as_the_api(assistant, client) -> None:  # type: ignore[no-untyped-def]
    guards = ApiGuards(per_session=Rate(1, 60), redis_url=REDIS_URL)
    app = FastAPI()
    app.include_router(create_router(assistant.manager))
    install_api_guards(app, guards)
    api = TestClient(app)
    page = ChatPage(assistant.manager, per_session=guards.per_session, make_limiter=guards.limiter)
    session_id = api.post("/api/sessions").json()["session_id"]

    assert api.post(f"/api/sessions/{session_id}/messages", json=QUESTION).status_code == 200

    assert "Too many messages in this conversation" in (page.too_many_messages(None, session_id) or "")


def test_when_redis_is_down_messages_go_through_and_it_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    make = limiter_factory("redis://127.0.0.1:9/0")  # nothing listens on port 9
    limiter = make(Rate(1, 60), name())

    with caplog.at_level(logging.WARNING, logger="assistant.api_security"):
        for _ in range(5):
            assert limiter.wait("203.0.113.7") == 0
            limiter.take("203.0.113.7")

    assert caplog.text.count("rate limits not enforced: Redis is unavailable") == 1  # logged once, not per message
