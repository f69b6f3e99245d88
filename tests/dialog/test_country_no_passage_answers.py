"""Whether the passages found say anything of the country a question names ("can I order from Mexico?"): only a passage
that names it or lists the places served does. ``retrieval.places.named_in`` also counts a sentence that speaks of the
other countries ("International Standard: 7-14 business days") or limits something to the ones it names ("Northwind
Plus is available ... in the United States only") as answering for any country: right for ranking a passage on the
question's subject, wrong here, where it would let the intent's topic answer "can I order from Mexico?" with the
international prices as if Mexico were served."""

from __future__ import annotations

import pytest

from dialog.actions import _names_an_unknown_place
from retrieval.documents import Chunk, Passage
from retrieval.places import named_in
from retrieval.sentences import split_sentences


def passage(heading: str, text: str) -> Passage:
    return Passage(Chunk(Chunk.make_id("shipping/international", heading, text), "shipping/international", heading, heading, text, "x.md"), 0.42)


PRICES = passage("International shipping", "International Standard: 7-14 business days, $14.95.")
PLUS = passage("Northwind Plus", "Northwind Plus is available to customers with a delivery address in the United States only.")
SERVED = passage("International shipping", "We ship to Canada, the United Kingdom, all European Union countries and Australia.")
MEXICO = passage("Returns from abroad", "Returns from Mexico are collected by DHL.")


@pytest.mark.parametrize("found", [PRICES, PLUS], ids=["speaks of others", "limits"])
def test_a_passage_that_only_speaks_of_other_countries_or_limits_to_some_says_nothing_of_mexico(found: Passage) -> None:
    # named_in reads it as answering for any country; for "can I order from Mexico?" it does not say whether Mexico is served
    assert named_in(found.chunk.heading, split_sentences(found.chunk.text))[1]

    assert _names_an_unknown_place("can I order from Mexico?", [found])


def test_a_list_of_the_places_served_or_a_passage_naming_the_country_answers_for_it() -> None:
    assert not _names_an_unknown_place("can I order from Mexico?", [PRICES, SERVED])
    assert not _names_an_unknown_place("can I order from Mexico?", [PLUS, MEXICO])
    assert not _names_an_unknown_place("how much is international shipping?", [PRICES])  # no country named
