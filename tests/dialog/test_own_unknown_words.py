"""A message about the customer's own thing, named by a word the help centre never uses, is searched without that word
when as written it finds nothing close enough: "my vase arrived broken" was declined on the demo (0.42 < 0.45) though
the damaged-items article answers it, the word "vase" pulling the message's own embedding away. The demo's case is the
conversation script answer-my-vase-arrived-broken; here the rule itself, and a bike shop's help centre
(tests/bike_shop) with the demo's MiniLM."""

from __future__ import annotations

import pytest

from assistant.app import Assistant
from dialog.actions import without_own_unknown_words
from tests.bike_shop_help_centre import bike_shop_assistant

INDEXED = {"order", "arrived", "broken", "bike", "stolen", "warranty"}


def indexed(word: str) -> bool:
    return word in INDEXED


def test_the_customers_own_thing_is_left_out_when_no_indexed_text_names_it() -> None:
    assert without_own_unknown_words("my vase arrived broken", indexed) == "my arrived broken"
    assert without_own_unknown_words("Our Lumo lamp arrived broken", indexed) == "Our arrived broken"  # two words at most
    assert without_own_unknown_words("my Batavus was stolen", indexed) == "my was stolen"  # a stop word ends the thing


def test_words_the_help_centre_uses_and_other_words_stay() -> None:
    assert without_own_unknown_words("my order arrived broken", indexed) == "my order arrived broken"
    assert without_own_unknown_words("my NW-20481736 arrived broken", indexed) == "my NW-20481736 arrived broken"
    assert without_own_unknown_words("the vase arrived broken", indexed) == "the vase arrived broken"  # not said to be theirs
    assert without_own_unknown_words("do you sell helmets?", indexed) == "do you sell helmets?"  # what is asked about


@pytest.fixture(scope="module")
def bike_shop(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return bike_shop_assistant(tmp_path_factory.mktemp("bike-shop"))


@pytest.mark.slow  # the packaged MiniLM
def test_a_bike_of_a_brand_the_help_centre_never_names_gets_the_repair_answer(bike_shop: Assistant) -> None:
    # was declined: 0.42 as written, 0.52 as "my needs a repair"
    reply = bike_shop.manager.handle(None, "my Gazelle needs a repair")

    assert not reply.abstained and "Book a repair" in reply.text, reply.text
    assert [s["doc_id"] for s in reply.cited_sources] == ["repairs/repair-service"]


@pytest.mark.slow
@pytest.mark.parametrize("message", ["my Gazelle makes a weird noise", "my helmet was stolen"])  # 0.11 and 0.40 without the word
def test_what_the_help_centre_does_not_answer_is_still_declined(bike_shop: Assistant, message: str) -> None:
    reply = bike_shop.manager.handle(None, message)

    assert reply.abstained and reply.text == bike_shop.manager.replies.not_found, reply.text
