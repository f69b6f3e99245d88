"""A "yes" to the offer of a person that ends the answer to an upset message hands the conversation over.

An upset message that is answered ends with "If you'd rather talk to a person, just say so." (``upset_offer``), but a
bare "yes", "yes please" or "ok" next was read as small talk, as the tracker counts only a failed answer's offer: the
customer who said yes to a person got no person. After a calm answer a "yes" is still no request for one.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dialog.replies import Replies

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York: within the support hours
UPSET = "HOW MUCH DOES EXPRESS SHIPPING COST?"


@pytest.fixture
def manager(assistant):
    manager = assistant.manager
    manager.clock = lambda: MONDAY
    return manager


@pytest.mark.parametrize("yes", ["yes", "yes please", "Yes.", "please do"])
def test_yes_after_the_upset_offer_hands_over(manager, yes) -> None:
    answered = manager.handle(None, UPSET)

    taken = manager.handle(answered.session_id, yes)

    assert answered.action == "answer" and answered.text.endswith(Replies().upset_offer)
    assert taken.action == "handoff" and taken.handoff and taken.text.startswith(Replies().handoff)


def test_yes_after_a_check_in_still_takes_the_offer(manager) -> None:
    answered = manager.handle(None, UPSET)
    manager.handle(answered.session_id, "hmm")

    taken = manager.handle(answered.session_id, "yes")

    assert taken.action == "handoff" and taken.handoff


def test_no_or_tell_me_more_after_the_upset_offer_is_no_handoff(manager) -> None:
    answered = manager.handle(None, UPSET)
    more = manager.handle(answered.session_id, "tell me more")
    declined = manager.handle(manager.handle(None, UPSET).session_id, "no thanks")

    # the last answer's articles again ("That's all our help centre says about it": the answer said all of it)
    assert more.action == "answer" and not more.handoff and more.query == UPSET
    assert declined.action == "small_talk" and not declined.handoff


def test_yes_after_a_calm_answer_is_no_request_for_a_person(manager) -> None:
    answered = manager.handle(None, "How much does express shipping cost?")

    reply = manager.handle(answered.session_id, "yes")

    assert Replies().upset_offer not in answered.text
    assert not reply.handoff and reply.action != "handoff"


@pytest.mark.parametrize("ack", ["ok", "sure", "Okay!"])
def test_ok_after_the_upset_offer_acknowledges_the_answer(manager, ack) -> None:
    """The offer asks nothing ("If you'd rather talk to a person, just say so."): "ok" is the answer taken, not a request
    for a person (it queued a handoff and a staff notice; cold review)."""
    answered = manager.handle(None, UPSET)

    reply = manager.handle(answered.session_id, ack)

    assert not reply.handoff and reply.action != "handoff"
