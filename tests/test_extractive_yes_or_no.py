"""A yes/no question answered from a passage that opens with "Yes, ..." or "No, ..." keeps that opening sentence, first:
the sentences after it only qualify it, and shown alone they can reverse it ("Cargo bikes and tandems are not allowed
on trains." for "can I take the bike on the train?"). The passages are a bike shop's help centre (probe F, fault F5)."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer, asks_yes_or_no

TRAIN = "Yes, with a bicycle day ticket from NS (7.50 euros), outside rush hours. Cargo bikes and tandems are not allowed on trains."
KEY_BOX = "Yes, there is a key drop box at the rental desk door. The bike must be locked to the rack in front of the shop."
TERMS = (
    "Rental bikes are picked up and returned at the rental desk at Oudegracht 212. A full-day rental runs from opening to closing time. "
    "Do not take rental bikes on ferries to other countries."
)
HEADINGS = ["Can I take the rental e-bike on the train?", "Can I return the rental bike outside opening hours?", "Rental terms and conditions > Pick-up and return"]


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


@pytest.mark.slow  # the packaged MiniLM, as the demo answers
@pytest.mark.parametrize(
    ("question", "passages", "headings", "opening"),
    [
        ("can I take the bike on the train?", [TRAIN, TERMS], [HEADINGS[0], HEADINGS[2]], "Yes, with a bicycle day ticket"),
        ("Can I return the bike after you close?", [KEY_BOX, TERMS], [HEADINGS[1], HEADINGS[2]], "Yes, there is a key drop box"),
        # the FAQ entry second in the search: its passage still leads
        ("Can I return the bike after you close?", [TERMS, KEY_BOX], [HEADINGS[2], HEADINGS[1]], "Yes, there is a key drop box"),
    ],
)
def test_a_yes_or_no_question_keeps_the_answers_yes(
    minilm: ExtractiveAnswerer, question: str, passages: list[str], headings: list[str], opening: str
) -> None:
    answer = minilm.answer(question, passages, headings=headings)
    assert answer.startswith(opening), answer


@pytest.mark.slow
def test_a_question_that_asks_no_yes_or_no_is_not_given_one(minilm: ExtractiveAnswerer) -> None:
    answer = minilm.answer("where do I lock the bike when I bring it back?", [KEY_BOX], headings=[HEADINGS[1]])
    assert "The bike must be locked to the rack in front of the shop." in answer
    assert "Yes," not in answer


def test_which_questions_a_yes_or_no_answers() -> None:
    assert asks_yes_or_no("can I take the bike on the train?")
    assert asks_yes_or_no("I'm in Utrecht next week. Is there a key drop box?")
    assert asks_yes_or_no("Kann ich das Rad im Zug mitnehmen?")
    assert not asks_yes_or_no("How much does an e-bike cost per day?")
    assert not asks_yes_or_no("where do I lock the bike?")


ACCOUNT = (
    "No. You can place an order with **Checkout as guest**. Guests can follow an order and start a return from the **Track an "
    "order** page using the order number and the email address used at checkout. An account adds saved addresses, a saved "
    "wallet, your full order history and access to Northwind Plus."
)


@pytest.mark.slow
def test_the_yes_or_no_of_an_entry_asking_something_else_is_not_given(minilm: ExtractiveAnswerer) -> None:
    # "No." answers "Do I need an account?"; to "Can I save my addresses without an account?" it reads as a wrong no
    heading = ["Create an account > Do I need an account?"]
    assert "No." not in minilm.answer("Can I save my addresses without an account?", [ACCOUNT], headings=heading)
    assert minilm.answer("Do I need an account to order?", [ACCOUNT], headings=heading).startswith("No.")
