"""The built-in order lookup's reply when no order has that number for that e-mail address (an unknown number, or an
address that is not the order's: the same reply, so the replies do not tell which orders exist) asks for the number
again, as its decision reason says; the question is a key of its own (``send_again``), so a shop that words its own
``order_status.not_found`` ("No encuentro ningún pedido TS-10232.") still has the customer asked again."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from dialog.business import demo_actions
from dialog.replies import intent_keys, load_replies
from dialog.store import InMemoryStore

REPO_ROOT = Path(__file__).resolve().parents[2]
ORDERS = "order_number,status,items,email\nTS-10232,Enviado,Zapatillas,ana@ejemplo.es\n"


def shop(assistant: Assistant, tmp_path: Path, replies: str | None = None) -> Assistant:
    """The fixture's assistant with a shop's own orders file (numbers TS- and 5 digits) and replies file."""
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    update: dict[str, object] = {"orders_file": orders, "order_number_pattern": r"TS-\d{5}"}
    if replies is not None:
        (tmp_path / "replies.yaml").write_text(replies, encoding="utf-8")
        update["replies_file"] = tmp_path / "replies.yaml"
    return Assistant(assistant.settings.model_copy(update=update))


def test_a_wrong_address_and_an_unknown_number_get_the_same_reply_which_asks_for_the_number_again(assistant: Assistant, tmp_path: Path) -> None:
    manager = shop(assistant, tmp_path).build_manager(InMemoryStore())

    wrong_address = manager.handle(None, "Where is my order TS-10232? I'm pepe@ejemplo.es")
    unknown = manager.handle(None, "Where is my order TS-99999? I'm ana@ejemplo.es")

    assert wrong_address.text == (
        "I couldn't find an order TS-10232 for that e-mail address. The order number and the address it was placed "
        "with are in your order confirmation email. Please send the order number again."
    )
    assert unknown.text == wrong_address.text.replace("TS-10232", "TS-99999")  # nothing tells that TS-10232 exists
    assert wrong_address.requested_slot == "order_number" and "failed; asks for the order_number again" in wrong_address.reason


def test_a_shops_own_not_found_is_followed_by_the_question_for_the_number(assistant: Assistant, tmp_path: Path) -> None:
    # "No encuentro ningún pedido TS-10232." alone, while the reason said the number was asked for again
    replies = 'order_status.not_found: "No encuentro ningún pedido {order_number} con ese correo."\n'
    manager = shop(assistant, tmp_path, replies + 'send_again: "¿Me envía de nuevo el número de pedido?"\n').build_manager(InMemoryStore())

    turn = manager.handle(None, "Where is my order TS-10232? I'm pepe@ejemplo.es")

    assert turn.text == "No encuentro ningún pedido TS-10232 con ese correo. ¿Me envía de nuevo el número de pedido?"
    assert turn.requested_slot == "order_number" and "asks for the order_number again" in turn.reason
    then = manager.handle(turn.session_id, "ana@ejemplo.es")  # both were forgotten: the number is what is asked
    assert then.requested_slot == "order_number"


@pytest.mark.parametrize(("northwind", "said"), [(True, "NW-20481799"), (False, "TS-10232")])
def test_the_german_reply_asks_once(northwind: bool, said: str) -> None:
    demo, actions = demo_actions(), demo_actions(northwind_numbers=northwind)
    german = load_replies(REPO_ROOT / "demo" / "replies.de.yaml", intent_keys(demo.intents()) | demo.reply_keys())
    action = actions.get("order_status")
    assert action is not None

    text = action.reply(action({"order_number": said, "email": "nobody@example.com"}), german)

    assert text.startswith(f"Ich habe keine Bestellung {said} zu dieser E-Mail-Adresse gefunden.") and text.count("noch einmal") == 1
