"""Failed staff logins counted in this process or, with the rate limits' Redis, by all servers together
(the real Redis at 127.0.0.1:6379, skipped with the reason when it is not reachable)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import HASH_MIN_SCORE
from tcp_stubs import free_port
from ui.login_throttle import FailedLogins, LoginThrottle, RedisLoginThrottle

from redis_server import REDIS_URL, reachable_redis

redis = pytest.importorskip("redis")
PASSWORD = "a long enough password"


@pytest.fixture
def client() -> Iterator:
    connection = reachable_redis()
    yield connection
    for key in connection.scan_iter(RedisLoginThrottle.PREFIX + "*"):
        connection.delete(key)


def in_process(clock: Callable[[], float]) -> FailedLogins:
    return LoginThrottle(failures=3, window=60, clock=clock)


def in_redis(clock: Callable[[], float]) -> FailedLogins:
    return RedisLoginThrottle(reachable_redis(), failures=3, window=60, clock=clock)


@pytest.mark.parametrize("make", [in_process, in_redis], ids=["process", "redis"])
def test_the_throttle_forgets_failures_after_its_window_and_a_good_login_clears_the_username(make) -> None:  # type: ignore[no-untyped-def]
    now = [1_000.0]
    throttle = make(lambda: now[0])
    run = secrets.token_hex(4)  # keys of this run's own
    address, ana, ben = f"ip:203.0.113.7-{run}", f"user:ana-{run}", f"user:ben-{run}"

    for _ in range(3):
        throttle.failed([address, ana])
    assert throttle.wait([address, ana]) == 60 and throttle.wait([f"ip:198.51.100.2-{run}", ben]) == 0
    now[0] += 30
    assert throttle.wait([ana]) == 30
    throttle.succeeded([ana])
    assert throttle.wait([ana]) == 0 and throttle.wait([address]) == 30
    now[0] += 30
    assert throttle.wait([address, ana]) == 0


def test_two_servers_count_one_guessers_failures_together(client) -> None:  # type: ignore[no-untyped-def]
    now = [1_000.0]
    first, second = (RedisLoginThrottle(client, failures=3, window=60, clock=lambda: now[0]) for _ in range(2))
    keys = [f"user:ana-{secrets.token_hex(4)}"]

    first.failed(keys)
    second.failed(keys)
    assert first.wait(keys) == second.wait(keys) == 0
    first.failed(keys)  # the third, on either server

    assert second.wait(keys) == 60 and first.wait(keys) == 60
    assert 0 < client.ttl(RedisLoginThrottle.PREFIX + keys[0]) <= 60  # an idle key expires with its window


def test_while_redis_is_down_each_server_counts_alone(caplog: pytest.LogCaptureFixture) -> None:
    """Guessing is never unlimited: without Redis, this process's own count locks the key."""
    down = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5, socket_timeout=0.5)
    throttle = RedisLoginThrottle(down, failures=3, window=60)

    for _ in range(3):
        throttle.failed(["user:ana"])

    assert throttle.wait(["user:ana"]) > 0 and throttle.wait(["user:ben"]) == 0
    assert "counted by this server alone: Redis is unavailable" in caplog.text


def test_a_guesser_spreading_tries_over_two_servers_is_locked_out_on_both(assistant: Assistant, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each server counted alone: behind a load balancer, two servers gave a guesser twice the tries."""
    def server(name: str) -> Assistant:
        settings = load_settings(
            embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE,
            data_dir=tmp_path / name, index_dir=assistant.settings.index_dir, database_url=assistant.settings.database_url,
            rate_limit_redis_url=REDIS_URL,
        )
        return Assistant(settings)

    first, second = server("first"), server("second")
    username = f"ana{secrets.token_hex(3)}"
    first.staff.set(username, PASSWORD)
    try:
        with TestClient(first.web_app(), client=("203.0.113.7", 5000)) as one, TestClient(second.web_app(), client=("203.0.113.7", 5000)) as two:
            for n in range(10):  # the load balancer sends them in turn
                assert (one if n % 2 else two).post("/review/login", data={"username": username, "password": f"guess {n}"}).status_code == 400

            assert one.post("/review/login", data={"username": username, "password": PASSWORD}).status_code == 429
            assert two.post("/review/login", data={"username": username, "password": PASSWORD}).status_code == 429
    finally:
        first.close()
        second.close()
