"""The refusal of a message too long in the customer's language: "Your message is 4,512 characters long ..." was in the
team's language whatever the message's, though a message that long tells its language for sure. An empty message, or
one too short to tell, gets the team's own words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dialog.manager import InvalidMessage, validate_message
from dialog.replies import Replies, with_translations

DEMO = Path(__file__).resolve().parents[2] / "demo"
LONG = {
    "de": "Ich habe eine Frage zu meiner Bestellung, die noch nicht angekommen ist, und ich weiß nicht, wie lange ich warten soll. ",
    "fr": "J'ai une question sur ma commande qui n'est pas encore arrivée, et je ne sais pas combien de temps je dois attendre. ",
    "es": "Tengo una pregunta sobre mi pedido, que todavía no ha llegado, y no sé cuánto tiempo tengo que esperar para el envío. ",
    "en": "I have a question about my order, which has not arrived yet, and I do not know how long I should wait for it. ",
}


@pytest.fixture(scope="module")
def replies() -> Replies:
    """The built-in replies with the demo's replies files in German, French and Spanish beside them."""
    return with_translations(Replies(), DEMO)


def own_text(language: str) -> str:
    """The ``too_long`` text of the demo's replies file in ``language`` (the built-in one for English)."""
    if language == "en":
        return Replies().too_long
    return yaml.safe_load((DEMO / f"replies.{language}.yaml").read_text(encoding="utf-8"))["too_long"]


@pytest.mark.parametrize("language", ["de", "fr", "es", "en"])
def test_the_replies_for_a_long_message_are_in_its_language(replies: Replies, language: str) -> None:
    text = LONG[language] * 40

    assert replies.for_message(text).too_long == own_text(language)
    assert replies.for_message(text).say("too_long", length="4,840", limit="4,000").startswith(own_text(language).split("{")[0])


@pytest.mark.parametrize("text", ["", "ok", "Shopify?", "Hallo"])
def test_a_message_that_tells_no_language_gets_the_teams_replies(replies: Replies, text: str) -> None:
    assert replies.for_message(text) is replies


def test_the_french_and_spanish_files_word_the_refusal_of_a_message_too_long() -> None:
    assert own_text("fr") != Replies().too_long and own_text("es") != Replies().too_long
    assert "{length}" in own_text("fr") and "{limit}" in own_text("es")


@pytest.mark.parametrize("language", ["de", "fr"])
def test_validate_message_refuses_a_long_message_in_its_language(replies: Replies, language: str) -> None:
    with pytest.raises(InvalidMessage) as refused:
        validate_message(LONG[language] * 40, 4000, replies)

    assert str(refused.value).startswith(own_text(language).split("{")[0])
