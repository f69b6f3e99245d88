"""A postal address typed with several spaces (or tabs) between its words is redacted whole, as it is with one:
the house number's letter, the UK postcode, the town's "am Main" and the lower-case street's postcode included."""

from __future__ import annotations

import pytest

from assistant.labelled_pii import address_spans
from assistant.privacy import Redactor

redactor = Redactor()

ADDRESSES = [
    "221B Baker Street, London NW1 6XE",
    "Hauptstraße 12 b, 10115 Berlin",
    "Kaiserstraße 12, 60311 Frankfurt am Main",
    "1600 Amphitheatre Parkway, Mountain View, CA 94043",
    "12 rue de la Paix, 75002 Paris",
    "Unter den Linden 77, 10117 Berlin",
]


@pytest.mark.parametrize("space", ["  ", "   ", " \t", "\t\t"])
@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_with_several_spaces_between_its_words_is_redacted_whole(address: str, space: str) -> None:
    typed = address.replace(" ", space)
    assert redactor.redact(f"Please send it to {typed}. Thanks") == "Please send it to [ADDRESS]. Thanks"


def test_a_lower_case_address_with_double_spaces_keeps_its_postcode() -> None:
    text = "i live at 8 oak road,  leeds  ls1  2ab"
    assert redactor.redact(text) == "i live at [ADDRESS]"


def test_the_spans_are_offsets_in_the_text_as_typed() -> None:
    text = "Ship to:  Hauptstraße  5,   10115  Berlin  please"
    assert [text[start:end] for start, end in address_spans(text)] == ["Hauptstraße  5,   10115  Berlin"]


@pytest.mark.parametrize(
    "text",
    [
        "I ordered 5  items  on main  street",
        "Do you ship to  Berlin  or  10115?",
        "It costs 12  EUR,  delivered in 3  days",
    ],
)
def test_what_is_not_an_address_stays_with_several_spaces(text: str) -> None:
    assert address_spans(text) == []
