"""Handoffs through the HTTP API reach staff: a person asked for over /v1/chat/completions is in the Inbox."""

from __future__ import annotations

from pathlib import Path

from api_helpers import api_over_database
from assistant.api_security import hash_key

STAFF_KEY = "staff-key-0123456789abcdef"


def test_a_person_asked_for_over_v1_without_session_id_is_in_the_staff_inbox(tmp_path: Path, kb_dir: Path) -> None:
    """The reply said "They will see this conversation and reply here", but the Inbox left the conversation out."""
    client, assistant = api_over_database(f"sqlite:///{tmp_path / 'db' / 'assistant.db'}", kb_dir, [hash_key(STAFF_KEY)])
    try:
        response = client.post(
            "/v1/chat/completions", json={"model": "x", "messages": [{"role": "user", "content": "Can I talk to a human please?"}]}
        )
        assert response.status_code == 200, response.text
        session_id = response.json()["session_id"]
        assert client.get(f"/api/sessions/{session_id}").json()["handoff"] is True
        inbox = client.get("/api/staff/inbox", headers={"Authorization": f"Bearer {STAFF_KEY}"})
        assert inbox.status_code == 200, inbox.text
        assert session_id in [item["session_id"] for item in inbox.json()["conversations"]]

        reply = client.post(
            f"/api/staff/sessions/{session_id}/replies", json={"text": "Hi, Ana here.", "author": "ana"},
            headers={"Authorization": f"Bearer {STAFF_KEY}"},
        )
        assert reply.status_code in (200, 201), reply.text
        messages = client.get(f"/api/sessions/{session_id}").json()["messages"]
        assert messages[-1] == messages[-1] | {"role": "agent", "author": "ana", "text": "Hi, Ana here."}
    finally:
        assistant.close()
