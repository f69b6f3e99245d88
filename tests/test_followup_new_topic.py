"""Follow-ups that say more than their form: a variation naming a new topic, "a new one", a message tied to the
last answer. The demo conversations (demo/conversations/followup-a-new-topic-searched-on-its-own-words.yaml,
followup-read-with-the-last-answer.yaml, followup-a-new-one-after-a-reset-link.yaml) run them with the real models."""

from __future__ import annotations

import pytest

from dialog.manager import DialogManager, _section
from dialog.nlu.base import Understanding
from dialog.rewrite import new_topic_words, rewrite, variation_words


@pytest.mark.parametrize(
    ("text", "previous", "leads", "topic"),
    [
        ("and can I get a new one?", "How long is a password reset link valid?", "can I get a new one", "password reset link"),
        ("can I get another one?", "How long is a password reset link valid?", "can I get another one", "password reset link"),
        ("can I order a different one?", "how do I return a kettle?", "can I order a different one", "kettle"),
    ],
)
def test_another_one_of_the_last_topic_is_a_question_of_its_own(text: str, previous: str, leads: str, topic: str) -> None:
    # before: "How long is a password reset link valid: can I get a new one?", answered with the 30 minutes again
    rewritten = rewrite(text, previous)
    assert rewritten.startswith(leads) and topic in rewritten


def test_one_as_a_number_is_no_reference() -> None:
    assert rewrite("is one of them klarna?", "what payment methods do you take?").startswith("what payment methods")
    assert variation_words("what about express?", "How much does standard shipping cost?") == "express?"


def test_the_words_a_variation_adds() -> None:
    assert variation_words("and customs fees?", "how much is shipping") == "customs fees?"
    assert variation_words("also stop sending me marketing emails", "please delete all my data") == "stop sending me marketing emails"
    assert variation_words("and how long until I get my money back?", "how do I return something?") is None  # its own question
    assert new_topic_words("and customs fees?", "how much is shipping", "Shipping within the United States costs $4.95") == {"custom"}
    # named by the last answer: nothing new
    assert new_topic_words("and apple pay?", "what payment methods do you take?", "We take cards, PayPal and Apple Pay.") == set()


HOURS = "what are your phone hours Our phone line and live chat are open: Saturday: 9 am to 5 pm ET, Sunday: closed"


@pytest.mark.parametrize(
    ("text", "tied"),
    [
        ("checked spam already", True),
        ("I don't have my phone anymore", True),
        ("is anyone there on sunday", True),  # a yes/no question the model reads weakly, naming what was said
        ("Can I pay with PayPal?", False),  # a yes/no question naming nothing of it
        ("how do I reset my password?", False),
        ("I still have not received anything from you after waiting for two weeks now", False),  # too long to be tied
    ],
)
def test_a_message_tied_to_the_last_answer(text: str, tied: bool) -> None:
    weak = Understanding("question", 0.2, (("question", 0.2),), source="classifier")
    assert DialogManager._tied_to_the_answer(weak, text, HOURS) is tied


def test_a_confident_yes_no_question_is_not_tied_by_its_form() -> None:
    sure = Understanding("shipping", 0.96, (("shipping", 0.96),), source="classifier")
    assert not DialogManager._tied_to_the_answer(sure, "do you deliver on sunday?", HOURS)


def test_a_section_is_an_article_s_folder() -> None:
    assert _section("accounts/reset-password") == "accounts" and _section("faq#do-you-deliver-on-sundays") == "faq#do-you-deliver-on-sundays"
