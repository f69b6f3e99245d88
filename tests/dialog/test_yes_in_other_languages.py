"""One table of "yes" in the other languages: the keyword rules read it as a yes (affirm), and it takes the offer of a
person in the reply to a message in another language (``is_yes_in_another_language``). Before, two tables each knew
words the other did not: "ouais", "de acuerdo", "¡sí!" did not take that offer, "jawohl, danke", "prima" and
"ja takk skal du ha" were no yes to the rules."""

from __future__ import annotations

import pytest

from dialog.nlu.rules import RuleBasedIntents, is_yes_in_another_language

YES = [
    # Spanish
    "sí", "Sí, por favor", "¡sí!", "si", "claro", "claro que sí", "vale", "de acuerdo", "por supuesto", "sí, gracias",
    # French
    "oui", "oui, merci", "Ouais", "d'accord", "d’accord", "bien sûr", "volontiers", "oui, s'il vous plaît",
    # Italian
    "sì", "sì, grazie", "certo", "certamente", "va bene", "d'accordo", "sì, per favore",
    # Portuguese
    "sim", "sim, obrigado", "com certeza", "pode ser",
    # Dutch
    "ja graag", "Ja, graag!", "ja, dank je wel", "zeker", "natuurlijk", "ja, alsjeblieft", "ja bedankt",
    # German and Norwegian
    "ja", "jawohl", "jawohl, danke", "gerne", "ja danke", "prima", "ja takk", "ja gjerne", "ja, takk skal du ha",
]
NO_YES = ["takk", "merci", "graag gedaan, maar nee", "si je veux", "sí, pero ¿cuánto cuesta?", "claro que no", "non", "oui ou non ?"]


@pytest.mark.parametrize("text", YES)
def test_a_yes_in_another_language_is_a_yes_everywhere(text: str) -> None:
    assert is_yes_in_another_language(text)
    assert RuleBasedIntents().understand(text).intent == "affirm"


@pytest.mark.parametrize("text", NO_YES)
def test_no_yes(text: str) -> None:
    assert not is_yes_in_another_language(text)
    assert RuleBasedIntents().understand(text).intent != "affirm"


def test_an_english_yes_is_no_yes_in_another_language() -> None:
    assert not is_yes_in_another_language("yes please")
