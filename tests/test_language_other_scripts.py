"""Messages in another script (Cyrillic, Arabic, ...) or in French/Spanish with the shop's English names are in
another language; the reply to them is in French or Spanish where the demo has those replies."""

from __future__ import annotations

from pathlib import Path

from dialog.policies import message_language
from dialog.replies import Replies, with_translations

DEMO = Path(__file__).resolve().parent.parent / "demo"
# the help centre's words, as the speller knows them
KNOWN = {"how", "do", "i", "return", "an", "item", "comment", "northwind", "plus", "shipping", "cost", "much", "is", "the", "my"}


def language(text: str) -> str | None:
    return message_language(text, frozenset({"en"}), lambda word: word.lower() in KNOWN)


def test_a_message_in_another_script_is_in_another_language() -> None:
    assert language("Привет, как вернуть товар?") == "ru"
    assert language("مرحبا") == "ar"
    assert language("Γεια σας, πού είναι η παραγγελία μου;") == "el"
    # an order number or a brand among the letters does not make it English
    assert language("Где мой заказ NW-20481736?") == "ru"


def test_a_french_question_with_the_brands_name_is_french() -> None:
    # "Northwind Plus" and "comment" are words of the help centre; no French function word of detect_language's
    assert language("Bonjour, comment annuler mon abonnement Northwind Plus ?") == "fr"
    assert language("Hola, ¿cómo cancelo mi Northwind Plus?") == "es"


def test_english_stays_english() -> None:
    for text in ("How do I return an item?", "how much is shipping", "how do i retrun my item", "Northwind Plus cost?"):
        assert language(text) is None, text


def test_the_reply_to_french_and_spanish_is_in_their_language() -> None:
    replies = with_translations(Replies(), DEMO)
    french, spanish = replies.in_language("fr"), replies.in_language("es")
    assert "anglais" in french.say("other_language", languages=french.languages(["en"]))
    assert "inglés" in spanish.say("other_language", languages=spanish.languages(["en"]))
    assert "Englisch" in replies.in_language("de").say("other_language", languages=replies.in_language("de").languages(["en"]))
