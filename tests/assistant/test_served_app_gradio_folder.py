"""The served app keeps Gradio's files in DATA_DIR/tmp/gradio, private to the server's user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.app import Assistant


def test_the_served_app_keeps_gradio_files_in_the_data_folder(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its downloads went to /tmp/gradio; the KB tab's upload check must name the same folder as Gradio's uploads."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", "")
    assistant.web_app()
    folder = (assistant.settings.data_dir / "tmp" / "gradio").resolve()
    assert os.environ["GRADIO_TEMP_DIR"] == str(folder) and folder.stat().st_mode & 0o777 == 0o700
    assert Path(assistant.knowledge_base.browser_uploads) == folder
