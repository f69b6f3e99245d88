"""Spanish anger and "that didn't help" (a Spanish shop's customers): the keyword rules had English and German words
only, so "esto no sirve para nada" or "estoy harto" was searched as a question and "no me ha ayudado" got the next
article, where the English ones are handed to a person or answered with the apology and the offer of one."""

from __future__ import annotations

import pytest

from dialog.nlu.rules import RuleBasedIntents, sounds_upset


@pytest.mark.parametrize("text", [
    "esto no sirve para nada",
    "Es la peor tienda en la que he comprado",
    "el peor servicio que he visto",
    "estoy harto, la sombrilla llegó rota",
    "Estoy harta de esperar",
    "es una vergüenza",
    "¡qué vergüenza de atención!",
    "sois unos inútiles",
    "esto es inaceptable",
    "esto es una estafa",
    "quiero la hoja de reclamaciones",
    "es una pérdida de tiempo",
    "quiero poner una queja",
    "quiero presentar una queja formal",
    "estoy muy enfadado con el pedido",
])
def test_spanish_anger_is_a_complaint(text: str) -> None:
    assert sounds_upset(text)
    assert RuleBasedIntents().understand(text).intent == "complaint"


@pytest.mark.parametrize("text", [
    "no me ha ayudado",
    "no me sirve",
    "gracias, pero no me sirve de nada",
    "no me ha servido de nada",
    "eso no es lo que pregunté",
    "vale, pero eso no es lo que he preguntado",
    "la respuesta es incorrecta",
    "respuesta equivocada",
    "eso está mal",
    "sigue sin funcionar",
    "todavía nada",
    "no me has ayudado nada",
])
def test_spanish_that_did_not_help_is_not_helped(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent == "not_helped"


@pytest.mark.parametrize("text", [
    "¿sirve para exteriores?",
    "¿La funda sirve para la sombrilla de 3 metros?",
    "¿para qué sirve el lastre?",
    "¿cuál es el peor caso de plazo de entrega?",
    "¿cómo pongo una queja sobre un pedido? ¿dónde está el formulario de quejas?",
    "¿es una estafa este correo con un enlace de pago?",
    "me da vergüenza preguntar, pero ¿cómo se abre la sombrilla?",
    "me ha ayudado mucho, gracias",
    "¿es mejor la mesa de aluminio o la de madera?",
    "no me ha llegado el pedido",
    "no me sirve la talla, ¿puedo cambiarla?",
    "¿está mal montada si cojea?",
])
def test_ordinary_spanish_questions_are_no_complaint(text: str) -> None:
    understood = RuleBasedIntents().understand(text).intent
    assert understood not in {"complaint", "not_helped"}
    assert not sounds_upset(text)
