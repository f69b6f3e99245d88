"""A "Yes"/"No" that names everything the customer asks about answers them, though they word the question otherwise
than the FAQ entry (brief D, after 049cbb8): "is there a free trial?" got "Every plan has a 30-day free trial." without
its "Yes" (0.52 to "Can I try Ledgerly for free?"). A question asking more than the sentence says ("are all your bikes
used?" of "No, we only sell second-hand bikes.") still loses the yes or no. Read with the demo's MiniLM."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer, says_all_asked

TRIAL = "Yes, every plan has a 30-day free trial. We do not ask for a card until the trial ends."
TRIAL_HEADING = ["Can I try Ledgerly for free?"]


def test_a_yes_names_all_asked_only_when_every_word_of_the_question_is_in_it() -> None:
    assert says_all_asked("is there a free trial?", "Yes, every plan has a 30-day free trial.")
    assert says_all_asked("do you offer a free trial?", "Yes, every plan has a 30-day free trial.")  # an asking verb
    assert not says_all_asked("is there a free trial for the annual plan?", "Yes, every plan has a 30-day free trial.")
    assert not says_all_asked("are all your bikes used?", "No, we only sell second-hand bikes.")
    assert not says_all_asked("do you only sell bikes?", "Yes, we sell bikes.")  # "only" changes what is asked
    assert not says_all_asked("is there no free trial?", "Yes, every plan has a 30-day free trial.")  # a negated question
    assert not says_all_asked("can I do that?", "Yes, you can.")  # no word to check


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


@pytest.mark.slow  # the packaged MiniLM, as the demo answers
@pytest.mark.parametrize("question", ["is there a free trial?", "do you offer a free trial?"])
def test_a_reworded_question_keeps_the_yes_that_names_all_it_asks(minilm: ExtractiveAnswerer, question: str) -> None:
    answer = minilm.answer(question, [TRIAL], headings=TRIAL_HEADING)

    assert answer.startswith("Yes, every plan has a 30-day free trial. [1]"), answer  # was "Every plan has ..."


@pytest.mark.slow
def test_a_question_asking_more_than_the_yes_says_still_loses_it(minilm: ExtractiveAnswerer) -> None:
    answer = minilm.answer("is there a free trial for the annual plan?", [TRIAL], headings=TRIAL_HEADING)

    assert not answer.startswith("Yes"), answer


def test_a_bare_no_is_not_judged_by_the_sentence_after_it() -> None:
    # "Do I need an account to order? No. You can place an order with Checkout as guest.": the no answers the entry's
    # question; the sentence after it repeats the customer's words, and "No." opened the answer to "can I order as a guest?"
    assert not says_all_asked("can I place an order as a guest?", "No. You can place an order with Checkout as guest.")
    assert says_all_asked("is there a free trial?", "Yes, every plan has a 30-day free trial.")
