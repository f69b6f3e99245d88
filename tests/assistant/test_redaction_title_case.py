"""Text written in Title Case after "I'm", "name:" or a sign-off is not a name: a name ends before the first
ordinary word ("With", "Order", "Having", …), and nothing is redacted where the first word is one; the name
words before it are ("Name: [NAME] Order Status")."""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor

redactor = Redactor()


@pytest.mark.parametrize(
    "text",
    [
        "Hi, I'm Having Trouble With Login. Can you help?",
        "I'm Having Trouble Logging In.",
        "I'm Still Waiting For My Refund!",
        "Thanks,\nSupport Team",
        "Name: Order Status",
        "Ich bin Mit Der Lieferung Unzufrieden.",
    ],
)
def test_title_case_text_is_not_a_name(text: str) -> None:
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name: John Smith Order Status", "Name: [NAME] Order Status"),
        ("My name is Jane Doe And I Need Help", "My name is [NAME] And I Need Help"),
        ("I'm Jane Doe From Paris.", "I'm [NAME] From Paris."),
        ("Mein Name ist Peter Müller Mit Bestellung 4711", "Mein Name ist [NAME] Mit Bestellung 4711"),
        ("account holder: MAX MUSTERMANN ORDER STATUS", "account holder: [NAME] ORDER STATUS"),
        ("Thanks,\nMaría del Carmen With Love", "Thanks,\n[NAME] With Love"),
    ],
)
def test_a_name_ends_before_an_ordinary_word(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # surnames and name parts that are also words the first-word check knows ("I'm French", "ich bin sauer")
        ("My name is Tom French", "My name is [NAME]"),
        ("Mein Name ist Peter Sauer", "Mein Name ist [NAME]"),
        ("My name is Maria Da Silva", "My name is [NAME]"),
        ("Name: Nguyen Van An", "Name: [NAME]"),
        ("I'm Wei He, I ordered on Monday", "I'm [NAME], I ordered on Monday"),
        ("My name is Per Olsen", "My name is [NAME]"),
        ("My name is Hung Do", "My name is [NAME]"),
        ("My name is Ahmed Bin Khalid", "My name is [NAME]"),
        ("My name is John Fleming", "My name is [NAME]"),
        ("I'm Wang Xiaoming.", "I'm [NAME]."),
    ],
)
def test_names_with_words_that_look_ordinary_are_redacted_whole(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected
