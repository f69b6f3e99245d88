"""The team's replies file is read once at start-up: its check before the intent model loads (``check_files``), its
texts, the warning of what a file in another language leaves in English and the replies in other languages beside it
all use that one reading. Before, the file was read four times (with its name ``replies*.yaml``, as the demo's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings

GERMAN = """\
page_language: de
greet: "Hallo! Wie kann ich helfen?"
"""
FRENCH = """\
page_language: fr
other_language: "Désolé, je ne réponds qu'en {languages}."
"""


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file read with ``Path.read_bytes`` from now on."""
    seen: list[Path] = []
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        seen.append(Path(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    return seen


def test_the_replies_file_is_read_once(tmp_path: Path, reads: list[Path], caplog: pytest.LogCaptureFixture) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "replies.yaml").write_text(GERMAN, encoding="utf-8")
    (config / "replies.fr.yaml").write_text(FRENCH, encoding="utf-8")
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", replies_file=config / "replies.yaml"))

    with caplog.at_level("WARNING"):
        app.check_files()  # as at start-up: before the intent model loads
        replies = app.replies

    assert reads.count(config / "replies.yaml") == 1
    assert reads.count(config / "replies.fr.yaml") == 1
    assert replies.greet == "Hallo! Wie kann ich helfen?" and replies.page_language == "de"
    assert replies.translations["fr"].other_language == "Désolé, je ne réponds qu'en {languages}."
    assert "written in 'de' (page_language) but leaves" in caplog.text  # the warning still reads the file's keys
    assert ": greet," not in caplog.text and ", greet," not in caplog.text  # the file sets it


def test_a_broken_replies_file_is_still_refused_before_the_model_loads(tmp_path: Path) -> None:
    from dialog.replies import RepliesError

    broken = tmp_path / "replies.yaml"
    broken.write_text("greet: [unclosed\n", encoding="utf-8")
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", replies_file=broken))

    with pytest.raises(RepliesError, match="not valid YAML"):
        app.check_files()
    assert "understander" not in app.__dict__
