"""A request to cancel an order written with "I'd like" (or "id like", "I’d like") is read as one."""

from __future__ import annotations

import pytest

from dialog.nlu.entities import EntityExtractor


@pytest.mark.parametrize(
    "text",
    ["I'd like to cancel order NW-20481737", "I’d like to cancel my order NW-20481737", "id like to cancel NW-20481737",
     "i'd like you to cancel order NW-20481737 please"],
)
def test_id_like_to_cancel_an_order_is_a_cancel_request(text: str) -> None:
    # on a real server "I'd like to cancel order NW-20481737" got the how-to steps, "id like to cancel NW-…" the
    # membership's: the pattern's own "'d like" stood after "i" and a space, which "I'd" never has
    assert EntityExtractor().request_intent(text) == "cancel_request"


@pytest.mark.parametrize("text", ["I'd like to know how to cancel an order", "I'd like to cancel NW-20481737 and NW-20481738"])
def test_other_messages_are_no_cancel_request(text: str) -> None:
    assert EntityExtractor().request_intent(text) is None
