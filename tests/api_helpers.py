"""Helpers for tests that talk to the HTTP API through FastAPI's test client."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import create_router, install_api_guards
from assistant.api_security import ApiGuards, ApiKeys
from assistant.app import Assistant
from assistant.config import load_settings
from assistant.staff_api import create_staff_router
from dialog.business import DEMO_ORDERS
from conftest import HASH_MIN_SCORE
from retrieval.ingest import ingest


def api_over_database(database_url: str, kb_dir: Path, staff_digests: Sequence[str] = ()) -> tuple[TestClient, Assistant]:
    """The customer API (and, with ``staff_digests``, the staff API) of an assistant with the fake models over
    a real database, its index made from ``kb_dir``; close the Assistant when done."""
    settings = load_settings(
        embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE,
        database_url=database_url, orders_file=DEMO_ORDERS,  # the order lookup on the demo's orders, as in conftest's settings
    )
    assistant = Assistant(settings)
    ingest([kb_dir], assistant.embedder, settings.index_dir)
    app = FastAPI()
    app.include_router(create_router(assistant.manager))
    if staff_digests:
        app.include_router(create_staff_router(assistant.manager, assistant.sql_store.engine, ApiKeys(list(staff_digests))))
    install_api_guards(app, ApiGuards())
    return TestClient(app), assistant


def say(client: TestClient, session_id: str, text: str) -> dict:
    """Send a message to the conversation; the ``done`` event's turn (the whole reply), as a dict."""
    response = client.post(f"/api/sessions/{session_id}/messages", json={"text": text})
    assert response.status_code == 200, response.text
    done = [line for line in response.text.splitlines() if line.startswith("data: ")][-1]
    return json.loads(done.removeprefix("data: "))
