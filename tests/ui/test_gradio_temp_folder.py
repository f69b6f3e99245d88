"""The review pages' downloads (exports, conversation tests) are kept in a private folder under the data folder, not in
Gradio's shared /tmp/gradio, and served from there behind the staff login. Real Gradio, through the test client."""

from __future__ import annotations

import json
import os
from pathlib import Path

import gradio as gr
import pytest
from fastapi.testclient import TestClient

from assistant.app import Assistant
from assistant.store.export import gradio_temp_dir
from ui.chat import ChatPage
from ui.server import create_app, keep_gradio_files_in


def test_a_download_is_kept_in_the_private_folder_and_served_from_it(
    assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It sat in /tmp/gradio/<hash>/ (folders 0755, files 0644), outside the data folder, where `logs delete` does
    not look."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", "")  # put back as it was after the test
    folder = keep_gradio_files_in(gradio_temp_dir(tmp_path / "data"))
    assert folder == (tmp_path / "data" / "tmp" / "gradio").resolve()
    assert os.environ["GRADIO_TEMP_DIR"] == str(folder) and folder.stat().st_mode & 0o777 == 0o700
    written = tmp_path / "review" / "conversation_tests" / "abc123.yaml"
    written.parent.mkdir(parents=True)
    written.write_text("- user: I'm Jane Doe\n", encoding="utf-8")
    with gr.Blocks() as review:
        button = gr.Button("Download")
        download = gr.File()
        button.click(lambda: str(written), None, download, api_name="download")
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, review=review, login=lambda *_: True)
    with TestClient(app) as client:
        assert client.post("/review/login", data={"username": "staff", "password": "x"}).status_code in (200, 303)
        started = client.post("/review/gradio_api/call/download", json={"data": []})
        assert started.status_code == 200, started.text
        events = client.get(f"/review/gradio_api/call/download/{started.json()['event_id']}").text
        data = [line.removeprefix("data:").strip() for line in events.splitlines() if line.startswith("data:")]
        served = Path(json.loads(data[-1])[0]["path"])
        assert served.name == written.name and served.is_relative_to(folder)
        assert served.read_text(encoding="utf-8") == "- user: I'm Jane Doe\n"
        fetched = client.get(f"/review/gradio_api/file={served}")
        assert fetched.status_code == 200 and fetched.text == "- user: I'm Jane Doe\n"
