"""Card, phone and IBAN numbers whose groups are joined by a zero-width space (which some apps put in numbers
copied from them) or by an en dash are redacted; the placeholder replaces the number with the invisible
characters inside it, and what is around it stays as typed."""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor
from api_helpers import api_over_database, say
from test_privacy_stored import stored_text

redactor = Redactor()
ZWSP, EN_DASH, WORD_JOINER, BOM = "\u200b", "\u2013", "\u2060", "\ufeff"


@pytest.mark.parametrize(
    ("groups", "placeholder"),
    [
        (["4111", "1111", "1111", "1111"], "[CARD]"),
        (["3782", "822463", "10005"], "[CARD]"),
        (["DE89", "3704", "0044", "0532", "0130", "00"], "[IBAN]"),
        (["06", "12", "34", "56", "78"], "[PHONE]"),
        (["+44", "20", "7946", "0958"], "[PHONE]"),
        (["415", "555", "2671"], "[PHONE]"),
    ],
)
@pytest.mark.parametrize("separator", [ZWSP, WORD_JOINER, BOM, f" {ZWSP}", f"{ZWSP} ", f"-{ZWSP}", EN_DASH])
def test_groups_joined_by_invisible_characters_or_en_dashes_are_redacted(
    groups: list[str], placeholder: str, separator: str
) -> None:
    number = separator.join(groups)
    assert redactor.redact(f"It is {number} thanks") == f"It is {placeholder} thanks"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"card{ZWSP} 4111{ZWSP}1111{ZWSP}1111{ZWSP}1111{ZWSP}, ok", f"card{ZWSP} [CARD]{ZWSP}, ok"),
        (f"call 0{ZWSP}20{ZWSP}7946 0958 {ZWSP}pls", f"call [PHONE] {ZWSP}pls"),
        (f"mail ja{ZWSP}ne@example.com or 4111{EN_DASH}1111{EN_DASH}1111{EN_DASH}1111", "mail [EMAIL] or [CARD]"),
        (f"Karte\u00a04111{ZWSP}\u00a01111\u00a01111\u00a01111\u00a0bitte", "Karte\u00a0[CARD]\u00a0bitte"),
    ],
)
def test_the_placeholder_covers_the_invisible_characters_inside_the_number(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"Open 9.00{EN_DASH}17.30, pages 12{EN_DASH}15, years 1990{EN_DASH}2024",
        f"Delivered 06.12.2026{EN_DASH}08.12.2026",
        f"Build 2026{ZWSP}1106{ZWSP}1234{ZWSP}5679 of the app",  # fails Luhn
        f"Order 4111{EN_DASH}1111{EN_DASH}1111{EN_DASH}1111 arrived",  # labelled as an order
        f"It costs 1{ZWSP}299 €",
    ],
)
def test_ranges_and_labelled_numbers_with_en_dashes_or_zero_width_spaces_are_kept(text: str) -> None:
    assert redactor.find(text) == []


def test_a_card_with_zero_width_spaces_is_not_stored(tmp_path, kb_dir) -> None:  # type: ignore[no-untyped-def]
    http, assistant = api_over_database(f"sqlite:///{tmp_path / 'db' / 'assistant.db'}", kb_dir)
    try:
        session = http.post("/api/sessions").json()["session_id"]
        say(http, session, f"My card 4111{ZWSP}1111{ZWSP}1111{ZWSP}1111 was charged twice")
        rows = stored_text(assistant)
    finally:
        assistant.close()
    assert "My card [CARD] was charged twice" in rows and "1111" not in rows
