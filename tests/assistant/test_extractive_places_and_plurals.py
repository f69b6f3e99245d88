"""Passage choice and key sentences found by a probe (helper I): a question naming a country is answered by what
it asks about there, not by any sentence that names the country ("can I get my order delivered in Canada?" got the
demo's phone number for the US and Canada); a short plural ("cars", "dogs") is the question's word ("car", "dog");
"how early ..." asks how long before. Read with the demo's MiniLM, as the help centre is answered."""

from __future__ import annotations

import pytest

from assistant.lm import extractive
from assistant.lm.extractive import ExtractiveAnswerer, answer_types, content_words

PHONE = (
    "- **US and Canada (toll-free)**: 1-800-555-0142\n- **From other countries**: +1-212-555-0187 (your normal "
    "international call rates apply)\n- **Northwind Plus priority line**: 1-800-555-0199, for members only\n\n"
    "The phone lines are open during our support hours, Monday to Saturday."
)
WHERE_WE_SHIP = (
    "Besides the United States, we ship to Canada, the United Kingdom, all 27 European Union countries and Australia. "
    "The delivery country list at checkout shows every country we deliver to. International parcels are carried by DHL."
)
BY_PHONE = (
    "No. Orders can only be placed on our website. Our phone agents can help with questions about an order, but they "
    "cannot take orders or card payments over the phone."
)
CHECK_IN = (
    "Check-in for cars closes **45 minutes** before departure; foot passengers must check in at least **30 minutes** "
    "before departure. The terminal opens 2 hours before departure.\n\n"
    "Bring photo ID for everyone over 16. You can show your ticket on your phone; there is no need to print it."
)
PETS_STAY = (
    "Pets can stay in your car on the car deck during crossings of up to 4 hours, or in a pet cabin (book in advance). "
    "Pets are not allowed in restaurants or ordinary cabins. Guide dogs and assistance dogs may go everywhere on board "
    "and travel free."
)
VEHICLES = (
    "The car deck takes vehicles up to **4.2 metres** high and **18 metres** long. Cars higher than **1.9 metres** (for "
    "example with a roof box or a camper van) are charged as a high vehicle: a supplement of 400 NOK."
)


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


def test_a_short_plural_is_the_word() -> None:
    assert {"car", "dog", "pet", "fee"} <= content_words("Cars, dogs, pets and fees")
    assert content_words("the bus, Northwind Plus, gas and visa") == {"bus", "northwind", "plus", "gas", "visa"}


def test_how_early_asks_how_long_before() -> None:
    assert answer_types("How early do I have to be at the terminal?") == ["duration"]
    assert answer_types("how far in advance must I book?") == ["duration"]


def test_the_place_is_left_out_of_what_the_question_is_about() -> None:
    assert "canada" not in extractive.without_places("can I get my order delivered in Canada?").lower()
    assert "delivered" in extractive.without_places("can I get my order delivered in Canada?")
    assert extractive.without_places("how much is shipping?") == "how much is shipping?"


@pytest.mark.slow
@pytest.mark.parametrize("question", ["can I get my order delivered in Canada?", "can you send my order to Canada?"])
def test_a_country_asked_about_is_answered_by_where_we_ship_not_the_phone_numbers(minilm: ExtractiveAnswerer, question: str) -> None:
    headings = ["Can I place an order by phone?", "Phone support > Numbers to call", "International shipping > Where we ship"]
    answer = minilm.answer(question, [BY_PHONE, PHONE, WHERE_WE_SHIP], headings=headings)
    assert "we ship to Canada" in answer
    assert "1-800-555-0142" not in answer


@pytest.mark.slow
def test_how_early_with_a_car_gets_the_car_check_in(minilm: ExtractiveAnswerer) -> None:
    headings = ["Check-in and boarding", "Travelling with pets > Where pets can stay", "Vehicles: height and length limits"]
    answer = minilm.answer("How early do I have to be at the terminal with my car?", [CHECK_IN, PETS_STAY, VEHICLES], headings=headings, on_topic={1})
    assert "Check-in for cars closes **45 minutes** before departure" in answer


PETS = "Dogs, cats and other small pets are welcome on board. A pet ticket costs 150 NOK per crossing."
PET_PASSPORT = "On the international route to Hirtshals, dogs and cats need an EU pet passport with a valid rabies vaccination."


@pytest.mark.slow
def test_a_subsections_answer_comes_after_what_the_section_above_says(minilm: ExtractiveAnswerer) -> None:
    """"Can I bring my dog?" got "Where pets can stay" (not in restaurants, guide dogs everywhere) without the
    article's own "Dogs, cats and other small pets are welcome on board.", which those sentences only qualify."""
    passages = ["You may eat your own food in the lounge areas, but not in the restaurants.", PETS_STAY, PETS, PET_PASSPORT]
    headings = ["Can I bring my own food?", "Travelling with pets > Where pets can stay", "Travelling with pets", "Travelling with pets > Pet passport"]
    answer = minilm.answer("Can I bring my dog? (hund)", passages, headings=headings, on_topic={2, 3, 4})
    assert answer.startswith("Dogs, cats and other small pets are welcome on board. [3]"), answer

