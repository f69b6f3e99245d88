"""Postal addresses of the forms the first address detector left as typed: French streets (number, street word,
name), addresses typed in lower case, and a town after a street with no postcode (assistant.labelled_pii)."""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor

redactor = Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my new address: 12 rue de la Paix, 75002 Paris", "my new address: [ADDRESS]"),
        ("Livrez au 3 avenue des Champs-Élysées, 75008 Paris svp", "Livrez au [ADDRESS] svp"),
        ("mon adresse : 15, avenue Victor Hugo, 69002 Lyon", "mon adresse : [ADDRESS]"),
        ("new address 4 bis rue Lepic, 75018 Paris", "new address [ADDRESS]"),
        ("14 Rue de Rivoli, Paris", "[ADDRESS]"),
        ("10 chemin des vignes, 13100 aix", "[ADDRESS]"),
        ("i live at 8 oak road, leeds ls1 2ab", "i live at [ADDRESS]"),
        ("please ship it to 10 downing street, london sw1a 2aa", "please ship it to [ADDRESS]"),
        ("send it to 5 maple lane, springfield, il 62704", "send it to [ADDRESS]"),
        ("my address is 77 elm avenue", "my address is [ADDRESS]"),
        ("ship it to 42 Wallaby Way, Sydney please", "ship it to [ADDRESS] please"),
        ("deliver to 3 Garden Row, Bristol, thanks", "deliver to [ADDRESS], thanks"),
        ("Meine Adresse: Lindenstraße 3, Hamburg", "Meine Adresse: [ADDRESS]"),
        ("I live at 12 Elm Street, I moved in May", "I live at [ADDRESS], I moved in May"),  # "I" is no town
    ],
)
def test_french_lower_case_and_town_only_addresses_are_redacted(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I need 2 place settings for the table",
        "Order 3 Avenue Tote Bags please",
        "i ordered 3 items on main street market",
        "we have 2 road bikes, can I return one?",
        "it's a 3 way adapter",
        "I bought 2 route maps and 1 rue guide",
        "the 4 cours de cuisine vouchers arrived",
        "I moved to 3 new rooms on the second floor",
        "deliver to 2 people, my sister and me",
        "I paid 12 euros for 3 street lamps",
        "Is the store on Oxford Street open on Sundays?",
    ],
)
def test_lower_case_words_and_products_that_are_no_address_are_kept(text: str) -> None:
    assert redactor.redact(text) == text


def test_hyphenated_names_split_into_words_one_way() -> None:
    assert redactor.redact("10 chemin de saint-jean-de-luz, 64500 ciboure") == "[ADDRESS]"
    # every "a-" could end a word or not: searched as all the ways to split it, this took minutes (O(n^4))
    text = "12 rue " + "a-" * 400 + " is what I typed"
    assert redactor.redact(text) == text
