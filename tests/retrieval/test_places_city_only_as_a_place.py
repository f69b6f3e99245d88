"""A city names its country only where the text says it is a place, not as a product's name.

"how much is shipping for wellington boots" named New Zealand, "the Berlin sofa" Germany: the passages about the
customer's own country were ranked after the rest, and the dialog took the question for one about a place the help
centre does not name. "I live in Paris, Texas" named France and the US."""

from __future__ import annotations

import pytest

from retrieval.places import places, without_places

EU = "eu"


@pytest.mark.parametrize("text", [
    "how much is shipping for wellington boots",
    "the Berlin sofa is scratched",
    "is the Paris dress in stock",
    "our Boston fern arrived dead",
    "I bought the Porto tawny",
    "do you sell Sydney opera house puzzles?",
])
def test_a_city_as_a_products_name_names_no_country(text: str) -> None:
    assert places(text) == frozenset()
    assert without_places(text) == text


@pytest.mark.parametrize(("text", "named"), [
    ("I live in Paris, Texas", {"us"}),
    ("ship to Paris, France", {"france", EU}),
])
def test_a_town_of_another_place_names_that_place(text: str, named: set[str]) -> None:
    assert places(text) == named


@pytest.mark.parametrize(("text", "named"), [
    ("I live in Vancouver", {"canada"}),
    ("I'm in Toronto", {"canada"}),
    ("I'm Tom from Paris", {"france", EU}),
    ("how long does delivery to Wellington take?", {"new_zealand"}),
    ("we're based in munich", {"germany", EU}),
    ("do you have a shop near Boston?", {"us"}),
    ("Toronto", {"canada"}),  # the city alone (a customer's "I live in ..." place)
    ("Los Angeles.", {"us"}),
])
def test_a_city_after_a_place_word_or_alone_names_its_country(text: str, named: set[str]) -> None:
    assert places(text) == named


def test_without_places_leaves_a_products_city_and_replaces_a_place() -> None:
    assert without_places("the Berlin sofa, can you ship it to Berlin?") == "the Berlin sofa, can you ship it to a country?"
