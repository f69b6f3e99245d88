"""Card, IBAN and phone numbers whose groups are separated by something other than one plain space or a
dash: the no-break spaces that phones and word processors type, a tab, two spaces, dots. Found in the
redactor and absent from what the API stores; numbers that only look alike (versions, prices, dates, IP
addresses) are kept."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.privacy import BUILTIN_KINDS, Redactor
from api_helpers import api_over_database, say
from postgres_schemas import sqlite_or_postgres
from test_privacy_stored import stored_text

database_url = sqlite_or_postgres("test_redaction_separators")
redactor = Redactor()

# no-break space, narrow no-break space (iOS and macOS in French), figure space, other Unicode spaces, a tab,
# two spaces
SPACES = ["\u00a0", "\u202f", "\u2007", "\u2009", "\u3000", "\t", "  ", " \t"]


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize(
    ("groups", "placeholder"),
    [
        (["4111", "1111", "1111", "1111"], "[CARD]"),
        (["3782", "822463", "10005"], "[CARD]"),
        (["DE89", "3704", "0044", "0532", "0130", "00"], "[IBAN]"),
        (["GB29", "NWBK", "6016", "1331", "9268", "19"], "[IBAN]"),
        (["06", "12", "34", "56", "78"], "[PHONE]"),
        (["+33", "6", "12", "34", "56", "78"], "[PHONE]"),
        (["+44", "20", "7946", "0958"], "[PHONE]"),
        (["020", "7946", "0958"], "[PHONE]"),
        (["(415)", "555-2671"], "[PHONE]"),
    ],
)
def test_groups_separated_by_other_spaces_are_redacted(groups: list[str], placeholder: str, space: str) -> None:
    number = space.join(groups)
    assert redactor.redact(f"It is {number} thanks") == f"It is {placeholder} thanks"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 5500.0000.0000.0004", "card [CARD]"),
        ("my card is 4111.1111.1111.1111, expiry 08.27", "my card is [CARD], expiry 08.27"),
        ("Refund to DE89.3704.0044.0532.0130.00 please", "Refund to [IBAN] please"),
        ("Refund to DE89-3704-0044-0532-0130-00 please", "Refund to [IBAN] please"),
        ("call me on 06.12.34.56.78", "call me on [PHONE]"),
        ("sent 06.12.2026, card 4111 1111 1111 1111", "sent 06.12.2026, card [CARD]"),  # a dotted date before a card
        ("on 22.11.2026 4111 1111 1111 1111 was charged", "on 22.11.2026 [CARD] was charged"),
        # hyphens meant for numbers: the non-breaking hyphen and the figure dash
        ("card 4111\u20111111\u20111111\u20111111", "card [CARD]"),
        ("call me on 415\u2012555\u20122671", "call me on [PHONE]"),
    ],
)
def test_dotted_and_hyphenated_numbers_are_redacted(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Updated to version 1.2.3.4 yesterday",
        "It costs 1.299.00 now, was 1.299,00",
        "Delivered on 06.12.2026, ordered 2026.11.22",
        "Router 192.168.100.200, call 10.0.0.1 the gateway",
        "Build 2026.1106.1234.5679 of the app",  # four-digit groups failing Luhn
        "Order 4111.1111.1111.1111 arrived",  # passes Luhn, but labelled as an order
        "Deliver between 9.00\u00a0-\u00a017.30 on 06\u202f12\u202f2026",
        "I paid 1\u202f250\u202f000\u00a0€ for 3\u00a0x\u00a0250\u00a0g",
        "Sort code 12\u00a034\u00a056, ticket 1234567",
        "Version 10.2.3.4567.8901.2345 of the firmware",
    ],
)
def test_versions_prices_dates_and_addresses_with_dots_or_other_spaces_are_kept(text: str) -> None:
    assert redactor.find(text) == []


def test_the_redacted_text_keeps_the_original_spaces_around_the_number() -> None:
    text = "Karte\u00a04111\u00a01111\u00a01111\u00a01111\u00a0bitte"
    assert redactor.redact(text) == "Karte\u00a0[CARD]\u00a0bitte"


def test_every_kind_is_described_in_the_settings() -> None:
    description = Settings.model_fields["redact_kinds"].description or ""
    assert [kind for kind in BUILTIN_KINDS if kind not in description] == []


@pytest.fixture
def client(database_url: str, kb_dir):  # type: ignore[no-untyped-def]
    client, assistant = api_over_database(database_url, kb_dir)
    yield client, assistant
    assistant.close()


def test_numbers_typed_with_other_spaces_are_stored_redacted(client) -> None:  # type: ignore[no-untyped-def]
    http, assistant = client
    session = http.post("/api/sessions").json()["session_id"]
    messages = (
        "Rappelez-moi au 06\u202f12\u202f34\u202f56\u202f78 svp",
        "My card 5500.0000.0000.0004 was charged twice",
        "Refund to DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000 please",
        "Card 4111\t1111\t1111\t1111, mobile +44  7911  123456",
    )
    for message in messages:
        say(http, session, message)
    rows = stored_text(assistant)
    redacted = (
        "Rappelez-moi au [PHONE] svp", "My card [CARD] was charged", "Refund to [IBAN] please", "Card [CARD], mobile [PHONE]"
    )
    assert [message for message in redacted if message not in rows] == []
    assert [digits for digits in ("5500", "0004", "3704", "0532", "4111", "7911", "123456") if digits in rows] == []
