"""A long message (over 300 characters) is searched by its question, as the intent model reads it.

``combine.question_part`` gave the intent model the question of a long polite message, but the search read the whole
message: the story drowned the question, and "Can I pay with PayPal?" at the end of one was declined. Now the
question is searched, and the whole message only when the question alone finds nothing.
"""

from __future__ import annotations

from dialog.manager import DialogManager
from dialog.store import InMemoryStore

STORY = (
    "Hello there, I hope you are having a lovely day. I have been a loyal customer of your shop for many years and I "
    "always recommend you to my friends and family, and my sister bought a lamp from you last month which she adores. "
    "I am planning to buy a birthday present for my cousin who lives abroad and I want everything to go smoothly. "
)


def test_a_long_polite_message_is_searched_by_its_question(assistant) -> None:
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action)

    result = manager.handle(None, f"{STORY}How much does express shipping cost?")

    assert len(STORY) > 300
    assert result.action == "answer" and not result.abstained and "$12.50" in result.text
    assert result.query == "How much does express shipping cost?"


def test_a_short_message_is_searched_as_it_stands(assistant) -> None:
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action)

    result = manager.handle(None, "I ordered a lamp last month, and now how much does express shipping cost?")

    assert result.query == "I ordered a lamp last month, and now how much does express shipping cost?"


def test_a_question_after_a_quoted_error_is_a_sentence_of_its_own() -> None:
    # a sentence ending in a closing quote ('... timed out after 30000 ms."') was not split from the next, so the question
    # of a pasted error log was the log's last fragment with the customer's question glued on
    from dialog.nlu.combine import question_part

    pasted = (
        'GlobalProtect keeps failing. Here is the error: "Gateway not responding. Connect to gateway failed, retry 3 of 3. '
        'SSL handshake failed, errno 10054 WSAECONNRESET. (T4284) Debug( 611): pre-login response timed out after '
        '30000 ms." I have an essay due tomorrow and need the library databases, what should I do?'
    ) + " " * 10
    assert question_part("Thanks for the help last time. " * 4 + pasted) == (
        "I have an essay due tomorrow and need the library databases, what should I do?"
    )
    assert question_part("The app said 'Done.' Is the order placed? " + "x" * 300 + ".") == "Is the order placed?"
