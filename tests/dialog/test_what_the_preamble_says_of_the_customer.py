"""What a message's preamble says of the customer besides their name and contact details stays in the search.

"i'm german, tom@example.com. do you ship to me?" was searched "do you ship to me?": the nationality the question
depends on went with the preamble ("i'm german" read as a name, like "I'm Canadian"; "we're overseas", "i'm
diabetic" the same), and on the demo "do you ship to me?" alone is declined. A nationality, a place, who the customer
is or a condition is kept in brackets after the question, as a rewrite keeps a place (a nationality as its country,
which the search's place ranking reads); names, e-mail addresses, phone
and card numbers stay out of the search, and the stored conversation stays redacted.
"""

from __future__ import annotations

import pytest

from dialog.events import RetrievalDone, UserMessage
from dialog.manager import said_of_themselves, without_introduction


@pytest.mark.parametrize(("message", "asked"), [
    ("i'm german, tom@example.com. do you ship to me?", "do you ship to me (Germany)?"),
    ("I'm Canadian, tom@example.com. Do you ship to me?", "Do you ship to me (Canada)?"),
    ("we're overseas, my email is tom@example.com. do you ship to us?", "do you ship to us (overseas)?"),
    ("hi, i'm diabetic, order NW-20481736. which snacks have no sugar?", "which snacks have no sugar (diabetic)?"),
    ("Hi, I'm a student, my email is ana@example.com. Do you have a discount?", "Do you have a discount (student)?"),
    ("hi, i'm tom, i'm french, tom@example.com. how much is shipping?", "how much is shipping (France)?"),
    ("Hi, I'm Tom Baker from Canada, tom@example.com. How long does delivery take?", "How long does delivery take (Canada)?"),
    ("i live in australia and my phone is +61 2 9374 4000. can i return by post?", "can i return by post (australia)?"),
    ("My name is Jo Lee, I'm in the UK, card ending in 4242. My card was declined.", "My card was declined (the UK)."),
])
def test_what_the_preamble_says_of_the_customer_is_kept(message: str, asked: str) -> None:
    assert without_introduction(message) == asked


@pytest.mark.parametrize(("clause", "said"), [
    ("I'm Tom", None),  # a name
    ("i'm tom", None),
    ("I'm Christian", None),  # a name, though "christian" ends like a nationality
    ("i'm tired", None),  # a state the question does not depend on: the message is searched whole, as before
    ("my email is tom@example.com", None),
    ("I'm Tom from accounts", None),  # not a place
    ("i'm in a hurry", None),  # "in" a country only
    ("I'm a Northwind Plus member", "Northwind Plus member"),
    ("i'm a canadian student", "canadian student, Canada"),
    ("we are based in Germany", "Germany"),
    ("I'm from Quebec", "Quebec"),  # "from" and "live in" say where, a country or not
    ("I live in Toronto", "Canada"),  # a city of retrieval.places.CITIES as its country
    ("I'm in Istanbul", None),  # "I'm in ..." with a country (or a city of one it knows) only
    ("the parcel from Canada", None),
])
def test_what_a_clause_says_of_the_customer(clause: str, said: str | None) -> None:
    assert said_of_themselves(clause) == said


@pytest.mark.parametrize("message", [
    "I am Canadian, can you ship to me?",  # no personal data to leave out: searched as written
    "i'm canadian. do you ship to me?",
    "hi, i'm tired, my order is NW-20481736. can i change the address?",
])
def test_a_message_without_personal_data_or_with_a_state_is_kept(message: str) -> None:
    assert without_introduction(message) == message


def test_the_nationality_is_searched_and_the_log_stays_redacted(assistant) -> None:
    message = "hi, i'm tom, i'm canadian, my email is tom@example.com. how much does express shipping cost?"

    result = assistant.manager.handle(None, message)

    assert result.query == "how much does express shipping cost (Canada)?"  # it was "how much does express shipping cost?"
    assert "$12.50" in result.text
    events = assistant.manager.store.load_events(result.session_id)
    stored = " ".join(str(event) for event in events) + " ".join(str(turn) for turn in assistant.manager.store.turns(result.session_id))
    assert "tom@example.com" not in stored
    assert any(isinstance(e, UserMessage) and "[EMAIL]" in e.text for e in events)
    assert [e.query for e in events if isinstance(e, RetrievalDone)] == ["how much does express shipping cost (Canada)?"]
