"""The review pages while PostgreSQL cannot be reached: a page that says so (503), a login that answers 503
instead of a server error, /readyz that asks the database; and the same login works again once it is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import HASH_MIN_SCORE
from postgres_schemas import fresh_schema
from tcp_stubs import Forwarder, free_port
from ui.staff_outage import OUTAGE_MESSAGE

PASSWORD = "a long password"
LOGIN = {"username": "ana", "password": PASSWORD}


@pytest.fixture
def real_url() -> Iterator[str]:
    with fresh_schema("test_review_outage") as url:
        yield url


def test_the_review_pages_say_the_database_is_down_and_take_the_login_back_when_it_returns(
    assistant: Assistant, real_url: str, tmp_path: Path
) -> None:
    real, port = make_url(real_url), free_port()
    target = (real.host or "127.0.0.1", real.port or 5432)
    settings = load_settings(
        embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE,
        data_dir=tmp_path / "server", index_dir=assistant.settings.index_dir,
        database_url=real.set(port=port).render_as_string(hide_password=False),
    )
    database = Forwarder(port, target)
    server = Assistant(settings)
    try:
        server.staff.set("ana", PASSWORD)
        with TestClient(server.web_app(), raise_server_exceptions=False) as browser:
            assert browser.post("/review/login", data=LOGIN).status_code == 200
            assert browser.get("/review/config").status_code == 200  # logged in
            assert browser.get("/readyz").status_code == 200

            database.close()  # PostgreSQL goes away

            page = browser.get("/review/", headers={"accept": "text/html"})
            assert page.status_code == 503 and page.headers["retry-after"] == "30"
            assert "Staff pages unavailable" in page.text and "cannot be reached" in page.text
            login = browser.post("/review/login", data=LOGIN)
            assert login.status_code == 503 and login.json() == {"detail": OUTAGE_MESSAGE}  # was a server error
            assert browser.get("/review/config").status_code == 503  # a page already open: 503, not "log in"
            ready = browser.get("/readyz")
            assert ready.status_code == 503 and ready.json()["database"] == "down"
            assert browser.get("/healthz").status_code == 200
            session = browser.post("/api/sessions").json()["session_id"]  # customers can still chat
            assert browser.post(f"/api/sessions/{session}/messages", json={"text": "How much is express shipping?"}).status_code == 200

            database = Forwarder(port, target)  # back: ready once the retry thread has stored the chat's writes
            deadline = time.monotonic() + 60  # a bound against a hang, not a timing check
            while browser.get("/readyz").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert browser.get("/review/").status_code == 200
            assert browser.get("/review/config").status_code == 200  # the login from before the outage holds
    finally:
        database.close()
        server.close()
