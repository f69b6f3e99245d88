"""A help centre in English and Norwegian bokmål (probe G, a ferry operator): a Norwegian message was read as French,
then Dutch ("the message is in fr"), "Hei" got the English greeting, and "ja takk" to the offer of a person was
searched and declined."""

from __future__ import annotations

import pytest

from dialog.nlu.rules import RuleBasedIntents, is_yes_in_another_language
from dialog.policies import customer_language, message_language

HELP_CENTRE_WORDS = frozenset("can i bring my dog how much is a car ticket du kan ta med bagasje".split())


def indexed(word: str) -> bool:
    return word.lower() in HELP_CENTRE_WORDS


@pytest.mark.parametrize("text", ["Jeg vil snakke med et menneske", "Hva koster billetten?", "Hei, hvordan endrer jeg bestillingen?"])
def test_a_norwegian_message_to_a_norwegian_help_centre_is_in_its_language(text: str) -> None:
    assert message_language(text, frozenset({"en", "nb"}), indexed) is None
    assert customer_language(text, {"nb"}, "en") == "nb"


@pytest.mark.parametrize("text", ["Jeg vil snakke med et menneske", "Hvor mye koster det å ta med bil?", "Hva koster billetten?"])
def test_a_norwegian_message_to_an_english_help_centre_is_told_as_norwegian(text: str) -> None:
    assert message_language(text, frozenset({"en"}), indexed) == "nb"


@pytest.mark.parametrize("text", ["Hei", "hei!", "Tusen takk", "ja takk"])
def test_a_short_norwegian_message_keeps_the_norwegian_replies(text: str) -> None:
    assert customer_language(text, {"nb"}, "en") == "nb"


@pytest.mark.parametrize("text", ["Can I bring my dog?", "Hello", "how much is a car ticket"])
def test_an_english_message_stays_english(text: str) -> None:
    assert message_language(text, frozenset({"en", "nb"}), indexed) is None
    assert customer_language(text, {"nb"}, "en") == "en"


@pytest.mark.parametrize("text", ["ja takk", "Ja, takk!", "ja gjerne", "ja, takk skal du ha"])
def test_a_norwegian_yes_takes_the_offer(text: str) -> None:
    assert is_yes_in_another_language(text)


def test_thanks_alone_is_no_yes() -> None:
    assert not is_yes_in_another_language("takk")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # the decline in Norwegian offers a person ("Vil du snakke med kundeservice?"): "ja takk" was searched, a second
        # failed answer; "Jeg vil snakke med et menneske" was searched and answered from the luggage article
        ("ja takk", "affirm"),
        ("Ja, gjerne", "affirm"),
        ("nei takk", "deny"),
        ("Nei", "deny"),
        ("Jeg vil snakke med et menneske", "human"),
        ("Kan jeg snakke med kundeservice?", "human"),
        ("Hei", "greet"),
        ("God morgen!", "greet"),
        ("Tusen takk!", "thanks"),
        ("Hvor mye bagasje kan jeg ta med?", "question"),
    ],
)
def test_norwegian_rule_intents(text: str, intent: str) -> None:
    assert RuleBasedIntents().understand(text).intent == intent
