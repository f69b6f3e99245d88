""""I already checked my spam folder" after an answer that did not speak of the spam folder.

Searched alone, the message found the passage that tells the customer to check the spam folder (the demo's order
confirmation), and the customer who had just said they had was told to do it. Now, right after an answer, it is read
on that answer's part of the help centre when a passage there speaks of what was done ("How long does a reset link
work?" -> the reset e-mail's article, without its spam advice); about nothing the conversation was about, what is
wrong is not known: the customer is told sorry and offered a person (``dismay``), and a "yes" takes the offer. After
an answer that did speak of it, it is read with that answer as before (followup-already-checked-spam.yaml).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from assistant.app import Assistant
from dialog.manager import DialogManager, only_what_was_done
from dialog.replies import Replies
from dialog.store import InMemoryStore
from retrieval.ingest import ingest
from tests.conftest import write_files

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York: within the support hours
SPAM = "I already checked my spam folder"

KB = {
    "accounts/reset-password.md": """# Reset your password

## The reset email is not there

If you cannot see the reset email, look in your spam folder. If you already checked your spam folder and the reset
email is not there, request a new reset link: every new link cancels the one before it.

## How long the link works

Password reset links expire after 30 minutes and work only once.
""",
    "orders/order-confirmation.md": """# Your order confirmation

## Confirmation email

If no confirmation email arrives, check your spam folder and then look under Orders in your account.
""",
    "shipping/shipping-costs.md": """# Shipping costs

## Express shipping

Express shipping costs $12.50 and arrives in 1-2 business days.
""",
}


@pytest.fixture
def manager(settings, tmp_path: Path) -> DialogManager:
    app = Assistant(settings)
    ingest([write_files(tmp_path / "spam-kb", KB)], app.embedder, settings.index_dir)
    return DialogManager(InMemoryStore(), app.manager.answer_action, rules=app.manager.rules, clock=lambda: MONDAY)


def test_what_was_done_is_all_the_message_says() -> None:
    assert only_what_was_done(SPAM) == {"spam", "folder"}
    assert only_what_was_done("i looked in spam, nothing there") == {"spam"}
    assert only_what_was_done("I already checked my spam folder, still no reset email") == set()  # names the reset e-mail
    assert only_what_was_done("I checked, where is my reset link?") == set()
    assert only_what_was_done("How long does a reset link work?") == set()


def test_after_an_answer_on_the_same_topic_it_is_read_with_that_topic(manager) -> None:
    first = manager.handle(None, "How long does a password reset link work?")

    reply = manager.handle(first.session_id, SPAM)

    assert first.action == "answer" and [s["doc_id"] for s in first.cited_sources] == ["accounts/reset-password"]
    assert reply.action == "answer" and not reply.abstained
    assert {s["doc_id"] for s in reply.sources} == {"accounts/reset-password"}  # not the order confirmation's spam hint
    assert "look in your spam folder" not in reply.text


def test_after_an_answer_on_another_topic_the_customer_is_offered_a_person(manager) -> None:
    first = manager.handle(None, "How much does express shipping cost?")

    reply = manager.handle(first.session_id, SPAM)
    taken = manager.handle(first.session_id, "yes")

    assert first.action == "answer" and "$12.50" in first.text
    assert reply.action == "small_talk" and reply.text == Replies().dismay and not reply.sources
    assert taken.action == "handoff" and taken.handoff


def test_said_first_it_is_no_advice_to_look_again(manager) -> None:
    reply = manager.handle(None, SPAM)

    assert reply.action == "small_talk" and reply.text == Replies().dismay


@pytest.mark.parametrize("after", [None, "How much does express shipping cost?"])
def test_what_the_customer_tried_to_do_is_searched(manager, after) -> None:
    """"I tried to apply my promo code" says what failed, not what was checked: the help centre's advice for it, as before
    (it got the sorry-and-a-person reply; cold review)."""
    session = manager.handle(None, after).session_id if after else None

    reply = manager.handle(session, "I tried to apply my promo code")

    assert reply.action == "answer" and reply.text != Replies().dismay  # searched (the test embedder finds too little)
    assert reply.query == "I tried to apply my promo code"
