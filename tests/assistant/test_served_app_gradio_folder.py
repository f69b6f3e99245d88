"""The served app keeps Gradio's files in DATA_DIR/tmp/gradio, private to the server's user."""

from __future__ import annotations

import logging
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


def test_a_gradio_folder_set_before_is_replaced_with_a_warning(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The server keeps Gradio's files where `assistant logs delete` looks; an operator's own value is said to go."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "elsewhere"))
    with caplog.at_level(logging.WARNING, logger="ui.server"):
        assistant.web_app()
    folder = (assistant.settings.data_dir / "tmp" / "gradio").resolve()
    assert os.environ["GRADIO_TEMP_DIR"] == str(folder)
    assert f"GRADIO_TEMP_DIR={tmp_path / 'elsewhere'} is replaced by {folder}" in caplog.text
