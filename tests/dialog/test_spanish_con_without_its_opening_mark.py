""""con PayPal?" written without the opening "¿" after a Spanish question is a follow-up, as "¿con PayPal?" and "¿y con
PayPal?" are, whether or not the question said "con" itself ("¿Aceptáis tarjeta?"). After an English question "con" is
no preposition ("con ed bill?"), nor is "com" or "met"."""

from __future__ import annotations

import pytest

from dialog.rewrite import is_follow_up, rewrite


@pytest.mark.parametrize(("text", "previous"), [
    ("con PayPal?", "¿Aceptáis tarjeta?"),
    ("con PayPal?", "¿Cuánto cuesta el envío a Canarias?"),
    ("Con Bizum?", "¡Hola! ¿Se puede pagar en la tienda?"),
    ("con PayPal?", "¿Puedo pagar con tarjeta?"),
    ("con tarjeta?", "Cuánto tarda el envío a Portugal?"),
    ("com Pix?", "Quanto custa o envio para o Brasil?"),
])
def test_con_after_a_spanish_question_is_a_follow_up(text: str, previous: str) -> None:
    assert is_follow_up(text, previous), rewrite(text, previous)


@pytest.mark.parametrize(("text", "previous"), [
    ("con ed bill?", "which utility bills can I pay here?"),
    ("con ed bill?", "Which bills can I pay here?"),
    ("con artist warning?", "is this email from you a scam?"),
    ("met the deadline?", "when is the project due?"),
    ("com domain included?", "what does the web hosting plan include?"),
])
def test_con_after_an_english_question_is_no_follow_up(text: str, previous: str) -> None:
    assert not is_follow_up(text, previous), rewrite(text, previous)
