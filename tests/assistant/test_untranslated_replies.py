"""A replies file in another language than English is told which texts customers can see it leaves in English: a
Spanish shop's customers read the closed-hours handoff (``escalated_closed``) and the lookup's tracking line
(``order_status.tracking``) in English, and nothing at start-up said so."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import REPO_ROOT

SPANISH = """\
page_language: es
greet: "¡Hola! Soy el asistente de Tienda Sol."
handoff: "Le paso con una persona de nuestro equipo."
"""


def replies_warnings(tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture, text: str | None = None) -> str:
    """The start-up warnings about the replies file ``name`` (written with ``text`` in ``tmp_path`` when given)."""
    path = tmp_path / name if text is not None else REPO_ROOT / "demo" / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", replies_file=path))
    caplog.clear()
    with caplog.at_level("WARNING"):
        app.replies
    return "\n".join(record.getMessage() for record in caplog.records if "customers can see in English" in record.getMessage())


def test_a_spanish_replies_file_is_told_the_texts_it_leaves_in_english(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    told = replies_warnings(tmp_path, "replies.yaml", caplog, SPANISH)

    assert "is written in 'es' (page_language)" in told
    named = told.split("in English: ")[1].split("; set them")[0].split(", ")
    assert {"escalated_closed", "not_found", "order_status.tracking", "order_status.delivery"} <= set(named)
    assert not {"greet", "handoff", "page_language"} & set(named)  # set by the file, or not a text
    assert not [key for key in named if key.startswith("intent.")]


def test_an_english_replies_file_is_not_told(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert replies_warnings(tmp_path, "replies.yaml", caplog, 'greet: "Hi! Ask me about bike rentals."\n') == ""


def test_the_demos_german_replies_file_leaves_no_built_in_text_in_english(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    told = replies_warnings(tmp_path, "replies.de.yaml", caplog)

    named = told.split("in English: ")[1].split("; set them")[0].split(", ") if told else []
    assert not [key for key in named if "." not in key], named  # every built-in text is in German
