"""A sentence that answers a question put just before it ("Picked the wrong item yourself? Then return it or exchange
it as usual.") is one unit with it, and answers that question only, as an FAQ entry answers its own (brief C, fault 2):
"How do I return a damaged item?" was answered with it, from *Received the wrong item?*, by the words "return" and
"item" of "Then return it ...", which, read alone, is how to return any item. Read with the demo's MiniLM."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer, answer_units, own_question
from retrieval.sentences import split_sentences

# the passages the demo's search gives for the question, in its order
PASSAGES = [
    ("Items that can't be returned > Damaged or wrong non-returnable items",
     "If a non-returnable item arrives damaged, faulty or is not what you ordered, report it within 7 days as explained "
     "in the article on damaged items. You will get a replacement or a refund as usual."),
    ("Damaged, faulty or wrong items > Non-returnable items",
     "Damaged, faulty or wrong items can always be reported, even if the product is normally on the non-returnable list."),
    ("Damaged, faulty or wrong items > Received the wrong item?",
     "If the parcel holds a different item from the one you ordered, report it in the same way and choose **Wrong item "
     "received**. You don't pay anything to put it right: we send the item you ordered or refund it in full. Picked the "
     "wrong item yourself? Then return it or exchange it as usual."),
    ("Damaged, faulty or wrong items > Found a problem later?",
     "If you notice a fault after the 7 days but within your return window, start a normal return with **Return items** "
     "and choose the reason **Faulty**. The return label is free for faulty items."),
    ("Damaged, faulty or wrong items > Replacement or refund",
     "You choose between a free replacement and a full refund. For damaged, faulty or wrong items we also refund the "
     "original shipping cost."),
]


def test_a_question_and_its_answer_are_one_sentence() -> None:
    text = PASSAGES[2][1]
    assert split_sentences(text)[-1] == "Picked the wrong item yourself? Then return it or exchange it as usual."
    assert [u.text for u in answer_units(text, 1)][-1] == "Picked the wrong item yourself? Then return it or exchange it as usual."
    assert split_sentences("Need it faster? Choose **Express** at checkout. It costs $12.95.")[0] == "Need it faster? Choose **Express** at checkout."


def test_own_question() -> None:
    assert own_question("Picked the wrong item yourself? Then return it or exchange it as usual.") == {"picked", "wrong", "item", "yourself"}
    assert own_question("Then return it or exchange it as usual.") == set()
    assert own_question("Can I cancel?") == set()  # a question with no answer after it


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


def test_a_damaged_item_is_not_answered_with_the_customers_own_wrong_pick(minilm: ExtractiveAnswerer) -> None:
    answer = minilm.answer("How do I return a damaged item?", [text for _, text in PASSAGES], headings=[h for h, _ in PASSAGES])

    assert "Picked the wrong item yourself" not in answer and "Then return it" not in answer
    assert "report it within 7 days" in answer


def test_the_question_a_sentence_answers_still_finds_it(minilm: ExtractiveAnswerer) -> None:
    answer = minilm.answer("I picked the wrong item myself, what do I do?", [text for _, text in PASSAGES], headings=[h for h, _ in PASSAGES])

    assert "Picked the wrong item yourself? Then return it or exchange it as usual." in answer


LOST = ("We treat a parcel as possibly lost if its tracking has not changed for 5 business days for orders within the United "
        "States, or 10 business days for international orders. Within the United States we ship with UPS and USPS.")
EXCHANGES = ("International customers can return items within the normal return window. Exchanges are not available for "
             "international orders; return the item and place a new order instead.")
EXCHANGE_HOW = "You can exchange an item for the same product in a different size or colour. Exchanges are free in the United States."


def test_a_sentence_on_international_orders_answers_for_a_country(minilm: ExtractiveAnswerer) -> None:
    """It was taken for a sentence about the United States only, which it names too, and lost the place bonus."""
    answer = minilm.answer("when is a parcel to Germany considered lost?", [LOST], headings=["Lost or missing parcels > When a parcel counts as lost"])
    assert "10 business days for international orders" in answer

    answer = minilm.answer("can I exchange an item if I live in Canada?", [EXCHANGE_HOW, EXCHANGES],
                           headings=["Exchanges > What you can exchange", "International shipping > Returns from outside the US"])
    assert "Exchanges are not available for international orders" in answer


PHONE = ("- **US and Canada (toll-free)**: 1-800-555-0142\n- **From other countries**: +1-212-555-0187 (your normal "
         "international call rates apply)\n- **Northwind Plus priority line**: 1-800-555-0199, for members only")
CONFIRMATION = ("You will receive an order confirmation email within 15 minutes of placing your order. It includes your order "
                "number, which always starts with **NW-** followed by 8 digits (for example NW-20481736).")


def test_the_number_from_other_countries_answers_for_the_uk(minilm: ExtractiveAnswerer) -> None:
    """"From other countries: +1-212-..." named no country and was read as its list's US and Canada: no answer for the UK,
    which got the order number's format instead."""
    answer = minilm.answer("what is the phone number from the UK?", [PHONE, CONFIRMATION],
                           headings=["Phone support > Numbers to call", "Placing an order > Your order confirmation"])
    assert "+1-212-555-0187" in answer and "NW-" not in answer
