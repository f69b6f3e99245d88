"""Rules keywords that a shop question only mentions, and the order requests the demo reads from the message:
"where is NW-…?", a malformed order number, the shop's own addresses in a pasted e-mail, a request to cancel."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from dialog.actions import run_business_action
from dialog.business import demo_actions
from dialog.business_rules import BusinessRules, Topic, load_rules, parse_rules
from dialog.nlu.combine import Understander
from dialog.nlu.entities import EntityExtractor

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(REPO_ROOT / "demo" / "rules.yaml")

PASTED_THREAD = """From: Jane Doe <jane.doe@example.com>
To: support@northwindgoods.example
Subject: RE: Your Northwind Goods order NW-20481736 has shipped

I still haven't received this. Could you please check what is going on?

-----Original Message-----
From: Northwind Goods <no-reply@northwindgoods.example>
Your order NW-20481736 (Aero Kettle) is on its way with UPS.
"""


@pytest.mark.parametrize(
    "text",
    [
        "I want to buy a gift card for my lawyer, how do they work?",
        "my attorney wants to know how long refunds take",
        "my doctor told me to get a tower fan, how much is express shipping?",
        "the kettle handle broke and I nearly injured myself, I want to return it",
        "I got an allergic reaction from the sheets. Can I return them?",
    ],
)
def test_a_never_answer_keyword_only_mentioned_in_a_shop_question_is_not_the_topic(text: str) -> None:
    assert RULES.never_answer_topic(text) is None


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("can I sue you?", "legal advice"),
        ("can I sue you over my late refund?", "legal advice"),
        ("my lawyer says I should sue you", "legal advice"),
        ("do I need legal advice to return a gift?", "legal advice"),
        ("what medicine should I take?", "medical or safety advice"),
        ("I injured myself with the kettle, what should I do?", "medical or safety advice"),
        ("I got an allergic reaction from the sheets, what should I do?", "medical or safety advice"),
    ],
)
def test_a_request_for_legal_or_medical_advice_still_gets_the_topics_reply(text: str, topic: str) -> None:
    found = RULES.never_answer_topic(text)
    assert found is not None and found.name == topic


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("will bad weather delay my delivery?", None),
        ("does the weather affect shipping times?", None),
        ("is this a joke? my refund still hasn't arrived after 3 weeks", None),
        ("what's the weather like today", "weather"),
        ("tell me a joke", "joke"),
        ("is this a joke?", "joke"),
    ],
)
def test_an_out_of_scope_keyword_in_a_message_about_the_shop_is_a_mention(text: str, keyword: str | None) -> None:
    assert RULES.out_of_scope(text) == keyword


def test_without_shop_subjects_every_keyword_decides_as_before() -> None:
    rules = BusinessRules(never_answer=(Topic("legal advice", ("lawyer",), "No."),), out_of_scope_keywords=("weather",))

    assert rules.never_answer_topic("a gift card for my lawyer, how do they work?") is not None
    assert rules.out_of_scope("will bad weather delay my delivery?") == "weather"


def test_the_rules_file_reads_shop_subjects_and_the_shops_own_addresses() -> None:
    rules = parse_rules({"shop_subjects": ["delivery"], "shop_email": ["acme.example", "help@acme-support.example"]})

    assert rules.names_shop_subject("when is my Delivery?") and not rules.names_shop_subject("hello")
    assert rules.is_shop_email("Orders@ACME.example") and rules.is_shop_email("help@acme-support.example")
    assert not rules.is_shop_email("jane@example.com") and not rules.is_shop_email("other@acme-support.example")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where is NW-20481736?", "order_status"),
        ("where's NW 2048 1736", "order_status"),
        ("has NW-20481736 shipped yet?", "order_status"),
        ("status of order NW-20481736", "order_status"),
        ("please cancel my order NW-20481737", "cancel_request"),
        ("can you cancel NW-20481737 for me?", "cancel_request"),
        ("NW-20481738 arrived broken, how do I return it?", None),
        ("where is NW-20481736 and NW-20481737?", None),
        ("how do I cancel my order?", None),
    ],
)
def test_what_a_message_asks_of_the_one_order_it_names(text: str, intent: str | None) -> None:
    assert EntityExtractor().request_intent(text) == intent


def test_where_is_an_order_number_is_an_order_status_request_without_an_intent_model() -> None:
    understanding = Understander().understand("where is NW-20481736?")

    assert (understanding.intent, understanding.entities["order_number"]) == ("order_status", "NW-20481736")


def test_a_seven_digit_order_number_is_said_to_be_malformed_before_the_email_is_asked() -> None:
    action = demo_actions().get("order_status")
    assert action is not None

    missing = action.missing({"order_number": "NW-2048173"})

    assert [p.name for p in missing] == ["order_number", "email"]
    assert action.prompt(missing[0]).startswith("NW-2048173 can't be one of our order numbers: they start with NW- and have 8 digits.")
    assert [p.name for p in action.missing({"order_number": "NW-20481736"})] == ["email"]


def test_a_shop_with_its_own_order_numbers_has_no_northwind_check() -> None:
    action = demo_actions(northwind_numbers=False).get("order_status")
    assert action is not None

    assert [p.name for p in action.missing({"order_number": "AB-1001"})] == ["email"]
    assert demo_actions(northwind_numbers=False).get("cancel_order") is None  # its text is the demo shop's way


def test_the_shops_own_addresses_in_a_pasted_email_are_not_the_customers() -> None:
    extractor = EntityExtractor(shop_email=RULES.is_shop_email)

    assert extractor.extract_all(PASTED_THREAD)["email"] == ["jane.doe@example.com"]


def test_the_question_which_of_several_values_names_what_it_asks_for() -> None:
    action = demo_actions().get("order_status")
    assert action is not None

    text = next(run_business_action(action, {"order_number": "NW-20481736"}, several={"email": ("a@example.com", "b@example.com")}))

    assert text.startswith("You gave more than one e-mail address (a@example.com, b@example.com). Which e-mail address")


def test_conversations(assistant: Assistant) -> None:
    """Through the demo rules and actions (keyword rules, no intent model)."""
    manager = assistant.manager

    weather = manager.handle(None, "will bad weather delay my delivery?")
    gift = manager.handle(None, "I want to buy a gift card for my lawyer, how do they work?")
    where = manager.handle(None, "where is NW-20481736?")
    short = manager.handle(None, "where is order NW-2048173")
    pasted = manager.handle(None, PASTED_THREAD)
    cancel = manager.handle(None, "please cancel my order NW-20481737")

    assert not weather.handoff and "weather" not in weather.reason
    assert gift.action != "decline" and "legal advice" not in gift.text
    assert (where.action, where.requested_slot, where.slots.get("order_number")) == ("business", "email", "NW-20481736")
    assert (short.action, short.requested_slot) == ("business", "order_number") and "8 digits" in short.text
    assert pasted.slots.get("email") == "jane.doe@example.com" and "more than one" not in pasted.text
    assert cancel.action == "business" and "I can't cancel orders myself, so NW-20481737 is not cancelled" in cancel.text


@pytest.mark.parametrize(
    "text",
    [
        "I was injured by the lamp I ordered, what should I do?",
        "my son injured himself with the kettle I ordered, what do I do?",
        "I got an allergic reaction from the Harbor Linen Sheets, what should I do?",
        "my daughter got poisoning from something in the package, help",
    ],
)
def test_a_safety_question_that_also_names_an_order_still_gets_the_safety_reply(text: str) -> None:
    """The clause that asks asks about the harm, not the order or product it names: the safety reply, as before
    shop subjects were read."""
    found = RULES.never_answer_topic(text)
    assert found is not None and found.name == "medical or safety advice"
