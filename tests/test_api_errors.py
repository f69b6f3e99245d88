"""Error bodies of the HTTP API: always JSON a browser can parse, in the documented shapes and codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api_helpers import api_over_database


@pytest.fixture
def api(tmp_path: Path, kb_dir: Path):  # type: ignore[no-untyped-def]
    client, assistant = api_over_database(f"sqlite:///{tmp_path / 'db' / 'assistant.db'}", kb_dir)
    yield client, assistant
    assistant.close()


def strict_json(text: str):  # type: ignore[no-untyped-def]
    """Parse as browsers do: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_an_unexpected_failure_is_a_json_500_not_plain_text(api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database that lost its tables made every POST /api/sessions a plain-text 'Internal Server Error'."""
    client, assistant = api
    lenient = TestClient(client.app, raise_server_exceptions=False)
    monkeypatch.setattr(assistant.manager, "start_session", lambda channel="web": 1 / 0)
    response = lenient.post("/api/sessions")
    assert response.status_code == 500 and response.headers["content-type"] == "application/json"
    assert "failed on this request" in response.json()["detail"]
    monkeypatch.setattr(assistant.manager, "stream", lambda *args, **kwargs: 1 / 0)
    completion = lenient.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert completion.status_code == 500
    assert completion.json()["error"]["type"] == "server_error"
