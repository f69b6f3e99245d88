"""The answer types of other languages leave English (and Spanish that means something else) alone, found by the
review: "Do you ship to Costa Rica?" asked a price (Italian "costa"), "En cuanto a los envíos…" ("as for") asked a
duration, and "We reply within 24h." gave a time of day (a lone "24h")."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ANSWER_TYPES, answer_types


@pytest.mark.parametrize(
    ("question", "not_asked"),
    [
        ("Do you ship to Costa Rica?", "price"),
        ("What does shipping to Costa Rica involve?", "price"),
        ("En cuanto a los envíos, ¿hacéis a Canarias?", "duration"),
    ],
)
def test_no_answer_type_is_read_into_these(question: str, not_asked: str) -> None:
    assert not_asked not in answer_types(question)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Quanto costa la spedizione?", "price"),
        ("Quanto costano le spese?", "price"),
        ("Il costo della spedizione?", "price"),
        ("¿En cuánto tiempo llega?", "duration"),
        ("¿En cuánto llega a Canarias?", "duration"),
    ],
)
def test_the_other_languages_are_still_read(question: str, asked: str) -> None:
    assert asked in answer_types(question)


@pytest.mark.parametrize("sentence", ["We reply within 24h.", "Our chat is open 24h a day.", "Los pedidos llegan en 48 h."])
def test_a_lone_number_of_hours_is_no_time_of_day(sentence: str) -> None:
    assert not ANSWER_TYPES["time"][1].search(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["Abrimos de 9 a 18 h.", "Ouvert 9h-18h.", "Nous ouvrons à 9h.", "Sábados de 10h a 14h.", "Abrimos a las 9.", "Ouvert dès 8 h 30."],
)
def test_hours_of_the_day_are_still_times(sentence: str) -> None:
    assert ANSWER_TYPES["time"][1].search(sentence)
