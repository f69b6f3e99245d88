"""A name of four words where it is introduced ("My name is José María García López") is redacted whole, in
the redactor and in what the API stores."""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor
from api_helpers import api_over_database, say
from test_privacy_stored import stored_text

# assistant/labelled_pii.py's _PERSON takes up to four words; Title-Case text after the name is cut off or left alone
# (test_redaction_title_case.py).

redactor = Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My name is José María García López", "My name is [NAME]"),
        ("Mein Name ist Anna Lena Maria Schmidt.", "Mein Name ist [NAME]."),
        ("I'm José María García López, I wrote yesterday", "I'm [NAME], I wrote yesterday"),
        ("account holder: Juan Carlos de la Fuente Ortega", "account holder: [NAME]"),
        ("Thanks,\nMaria Luisa Garcia Lopez", "Thanks,\n[NAME]"),
    ],
)
def test_a_name_of_four_words_is_redacted_whole(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


def test_a_name_of_four_words_is_not_stored(tmp_path, kb_dir) -> None:  # type: ignore[no-untyped-def]
    http, assistant = api_over_database(f"sqlite:///{tmp_path / 'db' / 'assistant.db'}", kb_dir)
    try:
        session = http.post("/api/sessions").json()["session_id"]
        say(http, session, "My name is Jose Maria Garcia Lopez, where is my parcel?")
        rows = stored_text(assistant)
    finally:
        assistant.close()
    assert "My name is [NAME], where is my parcel?" in rows and "Lopez" not in rows
