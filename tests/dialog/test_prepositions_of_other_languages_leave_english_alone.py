""""met", "con" and "com" (Dutch, Spanish/Italian and Portuguese "with") are English words or abbreviations too ("met
the deadline?", "Con Ed bill?", ".com domain"): they open a follow-up only after "¿"/"¡" or when the last question
used the same word ("met iDEAL?" after "Kan ik met een creditcard betalen?")."""

from __future__ import annotations

import pytest

from dialog.rewrite import is_follow_up, rewrite


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("met the deadline?", "when is the project due?"),
        ("con ed bill?", "which utility bills can I pay here?"),
        ("com domain included?", "what does the web hosting plan include?"),
    ],
)
def test_an_english_message_is_no_follow_up_in_another_language(text: str, previous: str) -> None:
    assert not is_follow_up(text, previous), rewrite(text, previous)


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("¿con PayPal?", "¿Hacéis envíos a Portugal?"),
        ("con PayPal?", "¿Puedo pagar con tarjeta?"),
        ("met iDEAL?", "Kan ik met een creditcard betalen?"),
        ("com Pix?", "Posso pagar com cartão?"),
        ("con la carta?", "Posso pagare con PayPal?"),
    ],
)
def test_with_in_its_own_language_still_opens_a_follow_up(text: str, previous: str) -> None:
    assert is_follow_up(text, previous)
