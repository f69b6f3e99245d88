"""``already_asks`` reads whether a result's text asks for the value again already, so that ``send_again`` does not ask
twice. It read any "again" as asking: "Sorry, please try again later." and "No order was placed again." dropped the
request for the number that the customer still needed. A text asks already when it ends with a question mark (in any
language: "?", "？", "؟") or asks in English to send, enter, type or give the value again."""

from __future__ import annotations

import pytest

from dialog.business import already_asks


@pytest.mark.parametrize("text", [
    "Could you check the number?",
    "No encuentro el pedido TS-10232. ¿Me lo envía de nuevo?",
    "注文が見つかりません。もう一度送っていただけますか？",
    "No order TS-10232. Could you send it again? »",
    "No order TS-10232. Please send it again.",
    "We have no order TS-10232 for that address. Please check it and send the order number again.",
    "Please enter the number again.",
    "Could you type your order number again, without spaces.",
    "Please give us the reference again.",
])
def test_a_text_that_asks_already(text: str) -> None:
    assert already_asks(text)


@pytest.mark.parametrize("text", [
    "Sorry, please try again later.",
    "We found no order TS-10232. No order was placed again after the first one was cancelled.",
    "Something went wrong again.",
    "We have no order TS-10232 for that address.",
    "No encuentro ningún pedido TS-10232.",
])
def test_a_text_that_does_not_ask_for_the_value(text: str) -> None:
    assert not already_asks(text)
