"""Helpers for tests that talk to the HTTP API through FastAPI's test client."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient


def say(client: TestClient, session_id: str, text: str) -> dict:
    """Send a message to the conversation; the ``done`` event's turn (the whole reply), as a dict."""
    response = client.post(f"/api/sessions/{session_id}/messages", json={"text": text})
    assert response.status_code == 200, response.text
    done = [line for line in response.text.splitlines() if line.startswith("data: ")][-1]
    return json.loads(done.removeprefix("data: "))
