"""Spanish and Portuguese names joined by "del", "de la", "de los", "y", "dos", "das" and "e" are redacted
whole where they are introduced; "y" and "e" only join two capitalised words, so the words after a name stay."""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor

redactor = Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My name is María del Carmen Ruiz", "My name is [NAME]"),
        ("My name is María de la Cruz, order 12345", "My name is [NAME], order 12345"),
        ("account holder: Ana García y López", "account holder: [NAME]"),
        ("I'm José del Río y Pérez, I wrote yesterday", "I'm [NAME], I wrote yesterday"),
        ("Name: María de los Ángeles Ruiz", "Name: [NAME]"),
        ("My name is João dos Santos", "My name is [NAME]"),
        ("Kontoinhaber Maria das Dores Silva", "Kontoinhaber [NAME]"),
        ("My name is Pedro Alves e Silva", "My name is [NAME]"),
        ("Thanks,\nMaría del Carmen", "Thanks,\n[NAME]"),
    ],
)
def test_spanish_and_portuguese_name_links_are_part_of_the_name(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is Ana and I need help", "my name is [NAME] and I need help"),
        ("my name is Ana y necesito ayuda", "my name is [NAME] y necesito ayuda"),
        ("my name is Ana e preciso de ajuda", "my name is [NAME] e preciso de ajuda"),
        ("my name is Ana y 2 pedidos", "my name is [NAME] y 2 pedidos"),
        ("my name is Ana del pedido", "my name is [NAME] del pedido"),
        ("I'm Ana y I need help", "I'm Ana y I need help"),  # not a name that ends there
    ],
)
def test_the_words_after_a_name_stay(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected
