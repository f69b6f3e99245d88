"""The language of a short message with none of a language's common words: "Rechnung erstellen?!!!" (German, which
language identification is sure of: 0.98) was handed over in English, in a help centre written in English and German
and in the demo's, written in English only, though the library's guess for German, French and Spanish was left out
(only their common words counted). A message identification is unsure of ("hmm ok", "Rechnung?!!!") tells no language:
the conversation's earlier language stays.
"""

from __future__ import annotations

import pytest

from dialog.policies import customer_language, message_language
from dialog.replies import Replies
from tests.dialog.test_every_reply_in_the_customers_language import GERMAN, MONDAY, manager  # noqa: F401 - a fixture

HELP_CENTRE_WORDS = frozenset("how do i create an invoice where is my order shipping blender".split())


def indexed(word: str) -> bool:
    return word.lower() in HELP_CENTRE_WORDS


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Rechnung erstellen?!!!", "de"),
        ("Rechnung erstellen", "de"),
        ("Facture à créer?!!!", "fr"),
        ("omg blender kaput!!!", None),  # Norwegian at 0.54: unsure
        ("hmm ok", None),
        ("yo come fix ur borked blendr asap", None),  # sure it is English
        ("Rechnung?!!!", None),  # one word tells no language
    ],
)
def test_a_message_with_no_common_word_is_in_the_language_identification_is_sure_of(text: str, language: str | None) -> None:
    assert message_language(text, frozenset({"en"}), indexed) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("Rechnung erstellen?!!!", "de"), ("Konto löschen!!", None), ("hmm ok", None), ("omg blender kaput!!!", None), ("Sure thing", "en")],
)
def test_the_customers_language_among_the_help_centres(text: str, language: str | None) -> None:
    assert customer_language(text, {"de"}, "en") == language


def test_an_upset_german_message_without_a_common_word_gets_a_german_reply(manager) -> None:  # noqa: F811
    reply = manager.handle(None, "Rechnung erstellen?!!!")

    assert any(GERMAN[key] in reply.text for key in ("handoff", "upset_offer", "not_found")), reply.text
    assert Replies().handoff not in reply.text and Replies().upset_offer not in reply.text


def test_a_message_that_tells_no_language_keeps_the_conversations_german(manager) -> None:  # noqa: F811
    first = manager.handle(None, "Wie bezahle ich im Checkout?")

    reply = manager.handle(first.session_id, "Rechnung?!!!")

    assert "Lastschrift" in first.text
    assert any(GERMAN[key] in reply.text for key in ("handoff", "upset_offer", "not_found", "clarify")), reply.text


def test_in_the_demo_a_german_message_without_a_common_word_is_told_the_languages_in_german(assistant) -> None:
    assistant.manager.clock = lambda: MONDAY  # the demo's replies files, a help centre in English only

    reply = assistant.manager.handle(None, "Rechnung erstellen?!!!")

    assert reply.action == "other_language" and not reply.handoff
    assert "Hilfe-Center" in reply.text
