"""A nationality or a city names its country where it says where a customer or an address is.

"I am Canadian, can you ship to me?" (no personal data: searched whole) named no country, so the place ranking did not
read it; "i'm in toronto, how long does delivery take?" neither, and got the US delivery speeds. The nationalities
(moved here from the dialog manager, which searched "i'm german" as "Germany") and a small table of the capitals and
largest cities of the countries ``places`` knows now name their country; a nationality only after "I'm"/"we're" or
before a customer, an address, an order, not a language, a currency or a brand, which the demo help centre names
("Phone support is available in English and Spanish", "Canadian dollars (CAD)", "American Express").
"""

from __future__ import annotations

import pytest

from retrieval.places import CITIES, NATIONALITIES, places, without_places

EU = "eu"


@pytest.mark.parametrize(("text", "named"), [
    ("I am Canadian, can you ship to me?", {"canada"}),
    ("i'm german. how much is shipping?", {"germany", EU}),
    ("we're a French company, do you invoice?", {"france", EU}),
    ("I'm an American customer", {"us"}),
    ("do you ship to Swiss addresses?", {"switzerland"}),
    ("how much do British customers pay for shipping?", {"uk"}),
    ("i'm in toronto, how long does delivery take?", {"canada"}),
    ("I live in Sao Paulo", {"brazil"}),
    ("can you deliver to Munich?", {"germany", EU}),
    ("shipping to Amsterdam", {"netherlands", EU}),
    ("I'm in Tokyo", {"japan"}),
    ("delivery to New York", {"us"}),  # a state already
])
def test_a_nationality_or_a_city_names_its_country(text: str, named: set[str]) -> None:
    assert places(text) == named


@pytest.mark.parametrize("text", [
    "Phone support is available in English and Spanish.",  # languages (demo contact/phone-support)
    "do you speak german?",
    "Canadian dollars (CAD)",  # a currency (demo billing/currencies)
    "Visa, Mastercard, American Express and Discover credit or debit cards",  # a brand (demo billing/payment-methods)
    "Do you sell Swiss army knives?",
    "I'm Tom",
])
def test_a_language_a_currency_or_a_brand_names_no_country(text: str) -> None:
    assert places(text) == frozenset()


def test_a_nationality_of_what_is_not_asked_about_is_left_out() -> None:
    assert places("do you ship outside the US, besides German customers?") == frozenset()


def test_each_nationality_and_city_stands_for_a_country_places_knows() -> None:
    assert all(places(country) for country in NATIONALITIES.values())
    assert {city: places(city) for city in CITIES} == {city: places(country) for city, country in CITIES.items()}


def test_without_places_leaves_out_nationalities_and_cities() -> None:
    assert without_places("i'm in toronto, how long does delivery take?") == "i'm in a country, how long does delivery take?"
    assert without_places("I am Canadian, can you ship to me?") == "I am a country, can you ship to me?"
    assert without_places("do German customers pay duties?") == "do a country's customers pay duties?"
    assert without_places("Phone support is available in English and Spanish.") == "Phone support is available in English and Spanish."
