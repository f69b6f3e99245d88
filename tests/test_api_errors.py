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


@pytest.mark.parametrize("number", ["NaN", "1e400", "-1e400", "Infinity"])
def test_a_422_that_echoes_a_non_finite_number_is_valid_json(api, number: str) -> None:
    """'{"turn_no":NaN}' gave a 422 whose errors echoed the input as NaN: not JSON, JSON.parse refused the body."""
    client, _ = api
    session_id = client.post("/api/sessions").json()["session_id"]
    response = client.post(
        f"/api/sessions/{session_id}/feedback", content=f'{{"turn_no":{number},"rating":1}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    body = strict_json(response.text)
    assert body["detail"].startswith("turn_no:")
    assert body["errors"][0]["input"] in ("NaN", "Infinity", "-Infinity")


def test_a_number_too_long_to_read_is_a_422_not_a_bare_400(api) -> None:
    """A number of 5,000 digits (Python reads at most 4,300) gave an undocumented 400 'There was an error parsing the body'."""
    client, _ = api
    session_id = client.post("/api/sessions").json()["session_id"]
    for path, body in (
        (f"/api/sessions/{session_id}/feedback", '{"turn_no":' + "1" * 5000 + ',"rating":1}'),
        (f"/api/sessions/{session_id}/messages", '{"text":"hi","x":' + "9" * 50_000 + "}"),
        ("/v1/chat/completions", '{"messages":[{"role":"user","content":"hi"}],"n":' + "1" * 5000 + "}"),
    ):
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"] == "The request body is not valid JSON (a number in it has too many digits).", path


def test_a_404_does_not_echo_a_long_id_whole(api) -> None:
    """GET /api/sessions/aaaa… (5,000 characters) gave a 404 whose detail repeated all 5,000."""
    client, _ = api
    response = client.get("/api/sessions/" + "a" * 5000)
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert len(detail) < 200 and "5,000 characters" in detail, detail
    assert client.get("/api/sessions/abc").json()["detail"] == "No conversation with id 'abc'."
