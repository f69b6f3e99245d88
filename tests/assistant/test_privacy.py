"""PII redaction: what is found and what is left alone, settings, and the store wrapper (the model still
sees the original text, the logs do not)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from assistant.config import load_settings
from assistant.lm.base import ScriptedGenerator
from assistant.privacy import BUILTIN_KINDS, RedactingStore, Redactor, iban_valid, luhn_valid, redactor_from_settings
from assistant.store import SqlStore, make_engine
from assistant.store.tables import EventRow, SessionRow, TurnRow
from dialog.actions import AnswerFromKnowledgeBase
from dialog.events import (
    ActionExecuted,
    BotAnswer,
    ClarificationAsked,
    FeedbackGiven,
    IntentPredicted,
    RetrievalDone,
    SlotSet,
    UserMessage,
)
from dialog.manager import DialogManager
from dialog.nlu.entities import EntityExtractor
from dialog.store import InMemoryStore, TurnRecord
from conftest import HASH_MIN_SCORE

redactor = Redactor()


# --- each kind in the sentences customers write --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, please send the invoice to jane.doe+shop@mail.example.co.uk, thanks!", "Hi, please send the invoice to [EMAIL], thanks!"),
        ("My login JOHN.SMITH@EXAMPLE.COM stopped working", "My login [EMAIL] stopped working"),
        ("Contact: <o'brien@web.de>", "Contact: <[EMAIL]>"),
        ("Email me at müller@straße.de.", "Email me at [EMAIL]."),
    ],
)
def test_emails_are_redacted(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958", "+447911123456", "+44 (0)20 7946 0958", "0044 7911 123456", "020 7946 0958", "07911 123456",
        "(020) 7946 0958", "(415) 555-2671", "415-555-2671", "415.555.2671", "1-800-555-0199", "+1 (415) 555-2671",
        "4155552671", "555-0123", "030 12345678", "030/12345678", "0151 / 234 567 89", "+49 (0)30 12345678",
        "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0612345678", "+31 6 12345678",
    ],
)
def test_phone_formats_are_redacted(phone: str) -> None:
    assert redactor.redact(f"Please call me on {phone} after 5pm.") == "Please call me on [PHONE] after 5pm."
    assert redactor.redact(f"{phone} is my new number") == "[PHONE] is my new number"


def test_a_number_that_only_could_be_a_phone_needs_a_phone_word() -> None:
    assert redactor.redact("My mobile is 7946 0958") == "My mobile is [PHONE]"
    assert redactor.redact("Room 7946 0958 is booked") == "Room 7946 0958 is booked"


def test_brackets_around_a_phone_number_stay() -> None:
    assert redactor.redact("Maria (07911 123456) - parcel damaged") == "Maria ([PHONE]) - parcel damaged"


@pytest.mark.parametrize(
    "card", ["4111 1111 1111 1111", "4111111111111111", "5500-0000-0000-0004", "3782 822463 10005", "6011 0009 9013 9424", "2223000048400011"]
)
def test_card_numbers_that_pass_luhn_are_redacted(card: str) -> None:
    assert redactor.redact(f"I was charged twice on my card {card}.") == "I was charged twice on my card [CARD]."


def test_card_number_followed_by_expiry_and_cvc() -> None:
    text = "card 4111 1111 1111 1111 08/27 cvc 123"
    assert redactor.redact(text) == "card [CARD] 08/27 cvc [SECRET]"


@pytest.mark.parametrize(
    "iban", ["DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB29 NWBK 6016 1331 9268 19", "FR14 2004 1010 0505 0001 3M02 606", "nl91abna0417164300"]
)
def test_ibans_that_pass_mod_97_are_redacted(iban: str) -> None:
    assert redactor.redact(f"Please refund to my IBAN {iban} thanks") == "Please refund to my IBAN [IBAN] thanks"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my password is Hunter2!secret", "my password is [SECRET]"),
        ("mein Passwort ist Sommer2024! bitte zurücksetzen", "mein Passwort ist [SECRET] bitte zurücksetzen"),
        ("Passwort: geheim, Kennwort = 'abc!'", "Passwort: [SECRET], Kennwort = '[SECRET]'"),
        ("my password is HunterTwo.", "my password is [SECRET]."),
        ("my pw: abc123XYZ", "my pw: [SECRET]"),
        ("PIN 4821 and verification code 493021", "PIN [SECRET] and verification code [SECRET]"),
        ("Karte 4111 1111 1111 1111, Prüfnummer 737", "Karte [CARD], Prüfnummer [SECRET]"),
        ("I was born on 12/03/1985", "I was born on [BIRTH_DATE]"),
        ("Geburtsdatum: 12.03.1985, geb. 1. März 1985", "Geburtsdatum: [BIRTH_DATE], geb. [BIRTH_DATE]"),
        ("DOB 1985-03-12; my birthday is March 12, 1985", "DOB [BIRTH_DATE]; my birthday is [BIRTH_DATE]"),
        ("ich bin geboren am 3.4.90", "ich bin geboren am [BIRTH_DATE]"),
    ],
)
def test_secrets_and_dates_of_birth_are_found_by_their_label(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I forgot my password, how do I reset it?",
        "my password is not working",
        "Mein Passwort ist falsch",
        "The password reset link expired",
        "the gift card PIN is scratched off",
        "password is case-sensitive?",
        "Is the verification code sent by email?",
        "I got a tan jacket",
        "I was born in Germany in 1985",
        "my birthday is next week",
        "Delivered on 12.03.2026, order NW-20481736",
    ],
)
def test_questions_about_passwords_and_birthdays_are_kept(text: str) -> None:
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, I'm Jane Doe. Where is my order NW-20481736?", "Hi, I'm [NAME]. Where is my order NW-20481736?"),
        ("My name is Li Wang, li.wang@gmail.com", "My name is [NAME], [EMAIL]"),
        ("Hallo, hier ist Max Mustermann, meine Bestellnummer ist NW-20481740", "Hallo, hier ist [NAME], meine Bestellnummer ist NW-20481740"),
        ("Ich heiße Anna Schmidt und wohne in Köln", "Ich heiße [NAME] und wohne in Köln"),
        ("Bitte auf DE89370400440532013000, Kontoinhaber Jürgen Müller", "Bitte auf [IBAN], Kontoinhaber [NAME]"),
        ("I'm Jean-Luc van der Berg from Paris", "I'm [NAME] from Paris"),
        ("Fatima Okafor here (+44 7911 123456)", "[NAME] here ([PHONE])"),
        ("Siobhan O'Neill here, about my order", "[NAME] here, about my order"),  # an apostrophe, not a contraction
        ("Jane's here, my order is late", "[NAME] here, my order is late"),  # a name's own "'s" (Jane is), no pronoun's
        ("Where is it? Thanks, Jane", "Where is it? Thanks, [NAME]"),
        ("Die Lampe ist kaputt.\nViele Grüße\nMax Mustermann", "Die Lampe ist kaputt.\nViele Grüße\n[NAME]"),
        ("Best regards, Dr. Anna Müller", "Best regards, Dr. [NAME]"),
        ("HI, THIS IS JANE DOE. MY ORDER IS LATE", "HI, THIS IS [NAME]. MY ORDER IS LATE"),  # shouted, still a name
    ],
)
def test_names_are_found_where_they_are_introduced(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm not happy with the Aero Kettle",
        "I'm Happy with it, thanks",
        "I'm looking for the Lumen Desk Lamp",
        "I'm in Berlin next week",
        "I am German.",
        "This is Aero Kettle broken",
        "Thanks, Northwind Plus is great",
        "Ich bin Kunde seit 2019",
        "Where is my order? Thanks!",
        "Jane Doe",  # a bare name: not looked for
        # a contraction starting the sentence before "here": the assistant's own "I'm here." was stored as "[NAME] here."
        "I'm here. Take your time.",
        "Hi, I'm here about my refund",
        "It's here now, thanks",
        "We'll be here",
        "Everything's here now",
        # an upset customer's words, capitalised or shouted, were stored as a name ("This is [NAME]")
        "THIS IS UNACCEPTABLE",
        "This is Ridiculous",
        "HELLO THIS IS AWFUL",
        "WIFI IS BROKEN AGAIN THIS IS RIDICULOUS",
        "I'm Furious, nobody answers",
        "It's Urgent!",
        "Das ist Unverschämt!",
    ],
)
def test_capitalised_words_that_are_no_introduced_name_are_kept(text: str) -> None:
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my address is Hauptstraße 5, 10115 Berlin", "my address is [ADDRESS]"),
        ("I live at 221B Baker Street, London NW1 6XE", "I live at [ADDRESS]"),
        ("Send it to 1600 Amphitheatre Parkway, Mountain View, CA 94043 please", "Send it to [ADDRESS] please"),
        ("Ich wohne in der Hauptstr. 5, 80331 München", "Ich wohne in der [ADDRESS]"),
        ("Neue Anschrift: Berliner Straße 12a, 60311 Frankfurt am Main", "Neue Anschrift: [ADDRESS]"),
        ("Bitte an Karl-Marx-Allee 34 liefern", "Bitte an [ADDRESS] liefern"),
        ("Wir wohnen Unter den Linden 77, 10117 Berlin", "Wir wohnen [ADDRESS]"),
        ("I moved to 12 High St, Oxford OX1 4AA, order NW-20481736", "I moved to [ADDRESS], order NW-20481736"),
        ("1600 Pennsylvania Ave NW, Washington, DC 20500", "[ADDRESS]"),
    ],
)
def test_postal_addresses_are_redacted(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "do you ship to Berlin?",
        "I ordered 5 items on Main page",
        "Liefert ihr auch nach 10115 Berlin?",
        "I bought 2 Trail Runner shoes for €89.99 on order NW-20481736",
        "During 5 days nobody answered",
        "Ist der Weg 5 km lang?",
        "Order NW-20481744: 3 Espresso Cups 12 cl, 2 x Oak Side Table, total $149.00",
        "Is the store on Oxford Street open on Sundays?",
        "i ordered 3 items on main street market",
    ],
)
def test_towns_products_and_numbers_that_are_no_address_are_kept(text: str) -> None:
    assert redactor.redact(text) == text


def test_several_findings_in_one_message() -> None:
    text = "I'm Li (li.wang@gmail.com, +44 7911 123456), refund {amount} to GB29NWBK60161331926819 not 4111111111111111."
    assert redactor.redact(text) == "I'm Li ([EMAIL], [PHONE]), refund {amount} to [IBAN] not [CARD]."
    kinds = [finding.kind for finding in redactor.find(text)]
    assert kinds == ["email", "phone", "iban", "card"]


# --- what is left alone ----------------------------------------------------------------------------------


def test_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("DE89370400440532013000") and not iban_valid("DE88370400440532013000")
    assert not iban_valid("DE8937040044053201300")  # one character short for Germany
    assert not iban_valid("XX89370400440532013000")  # no such country


@pytest.mark.parametrize(
    "text",
    [
        "My card 4111 1111 1111 1112 was declined",  # fails Luhn
        "Refund to DE88 3704 0044 0532 0130 00 please",  # fails mod 97
        "Refund to GB29 NWBK 6016 1331 9268 1 please",  # too short for a British IBAN
        "IMEI: 356938035643809 after the update",  # passes Luhn, but is labelled as an IMEI
    ],
)
def test_numbers_failing_their_checks_are_kept(text: str) -> None:
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Where is order NW-123456? It should have arrived on 2026-11-22.",
        "Order number 12345678 was charged $12.50 instead of €1.299,00 on 22.11.2026.",
        "My order 0123456789 hasn't shipped",
        "Order #123456789, invoice INV-2026-004512, delivered 11/22/2026 at 14:30",
        "Deliver between 9.00-17.30 to SW1A 1AA or ZIP 94103-1234",
        "Tracking number 9400 1118 9922 3397 4567 82, parcel 1Z999AA10123456784",
        "I ordered 3 x 250 g and 2 items for 1 250 000 €",
        "Router 192.168.100.200 on firmware v10.2.3",
        "Return label for 070-7696136-9751484 please",
        "I bought 12 of them, 48 in total, size 42",
        "Sort code 12-34-56, ticket 1234567",
    ],
)
def test_order_numbers_dates_prices_and_short_numbers_are_kept(text: str) -> None:
    assert redactor.find(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("電話は０９０－１２３４－５６７８です", "電話は[PHONE]です"),  # full-width, as Japanese input methods type it
        ("電話 ０９０１２３４５６７８", "電話 [PHONE]"),
        ("tel: ＋８１ ９０ １２３４ ５６７８", "tel: [PHONE]"),
        ("رقمي ٠٧٩١١١٢٣٤٥٦", "رقمي [PHONE]"),  # Arabic-Indic digits
        ("メール ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "メール [EMAIL]"),
        ("カード ４１１１　１１１１　１１１１　１１１１ です", "カード [CARD] です"),  # ideographic spaces
        ("２０２６－１１－２２ に注文 order １２３４５６７８", "２０２６－１１－２２ に注文 order １２３４５６７８"),
        # scripts without spaces between words: the number touches the words around it
        ("電話は090-1234-5678です", "電話は[PHONE]です"),
        ("メールはtanaka@example.jpです", "メールは[EMAIL]です"),
        ("010-1234-5678로 전화 주세요", "[PHONE]로 전화 주세요"),
        ("卡号4111111111111111谢谢", "卡号[CARD]谢谢"),
        ("โทร๐๘๑๒๓๔๕๖๗๘ครับ", "โทร[PHONE]ครับ"),  # Thai digits in Thai text
        ("IBANはDE89370400440532013000です", "IBANは[IBAN]です"),
        ("Hi Maria, order AB12345678", "Hi Maria, order AB12345678"),  # glued to Latin letters: a code
    ],
)
def test_full_width_forms_other_digits_and_unspaced_scripts(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


def test_overlaps_keep_the_longest_finding() -> None:
    text = "write to 4155552671@txt.example.com"
    assert redactor.redact(text) == "write to [EMAIL]"
    findings = redactor.find("IBAN DE89 3704 0044 0532 0130 00")  # its digits are not also a phone number
    assert [(f.kind, f.start) for f in findings] == [("iban", 5)]


# --- configuration ---------------------------------------------------------------------------------------


def test_only_the_chosen_kinds_are_redacted() -> None:
    only_email = Redactor(kinds=["email"])
    assert only_email.redact("a@b.org or 020 7946 0958") == "[EMAIL] or 020 7946 0958"


def test_custom_patterns_get_their_own_placeholder() -> None:
    custom = Redactor(kinds=["email"], patterns={"order_id": r"NW-\d{6}", "passport": r"(?i)\bpassport\s+[A-Z0-9]{9}\b"})
    text = "Order NW-123456, passport X12345678, mail a@b.org"
    assert custom.redact(text) == "Order [ORDER_ID], [PASSPORT], mail [EMAIL]"


def test_custom_patterns_that_match_nothing_are_ignored() -> None:
    assert Redactor(kinds=[], patterns={"empty": r"x*"}).redact("abc") == "abc"


def test_an_invalid_pattern_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"redaction pattern 'order_id' is not a valid regular expression.*NW-\[0-9"):
        Redactor(patterns={"order_id": "NW-[0-9"})
    with pytest.raises(ValueError, match="'phone' is a built-in kind"):
        Redactor(patterns={"phone": r"\d+"})
    with pytest.raises(ValueError, match="use letters, digits and _"):
        Redactor(patterns={"order id": r"\d+"})
    with pytest.raises(ValueError, match=r"unknown redaction kind\(s\) 'ssn'"):
        Redactor(kinds=["email", "ssn"])


def test_settings_default_to_redacting_every_kind() -> None:
    settings = load_settings()

    assert settings.redact_pii is True
    assert settings.redact_kinds == list(BUILTIN_KINDS)
    assert settings.redact_patterns == {}
    redactor_ = redactor_from_settings(settings)
    assert redactor_ is not None and redactor_.kinds == BUILTIN_KINDS


def test_settings_from_environment_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "assistant.toml").write_text('redact_kinds = ["email", "iban"]\n\n[redact_patterns]\norder_id = "NW-\\\\d{6}"\n')
    settings = load_settings()
    assert settings.redact_kinds == ["email", "iban"]
    assert redactor_from_settings(settings).redact("NW-123456 at a@b.org") == "[ORDER_ID] at [EMAIL]"

    monkeypatch.setenv("ASSISTANT_REDACT_KINDS", "email, Phone")
    assert load_settings().redact_kinds == ["email", "phone"]
    monkeypatch.setenv("ASSISTANT_REDACT_KINDS", '["card"]')
    monkeypatch.setenv("ASSISTANT_REDACT_PATTERNS", '{"ticket": "T-\\\\d+"}')
    settings = load_settings()
    assert settings.redact_kinds == ["card"] and settings.redact_patterns["ticket"] == r"T-\d+"


def test_settings_reject_unknown_kinds_and_bad_patterns() -> None:
    with pytest.raises(ValidationError, match=r"unknown redaction kind\(s\) 'names'"):
        load_settings(redact_kinds=["email", "names"])
    with pytest.raises(ValidationError, match="redaction pattern 'ticket' is not a valid regular expression"):
        load_settings(redact_patterns={"ticket": "T-(\\d+"})


def test_redaction_can_be_switched_off() -> None:
    assert redactor_from_settings(load_settings(redact_pii=False)) is None
    assert redactor_from_settings(load_settings(redact_kinds=[])) is None
    assert redactor_from_settings(load_settings(redact_kinds=[], redact_patterns={"t": "T-1"})) is not None


# --- the store wrapper -----------------------------------------------------------------------------------

USER = "I'm jane.doe@example.com, call me on 07911 123456"
ANSWER = "We will call 07911 123456 today. [1]"


def turn_events() -> list:
    return [
        UserMessage(text=USER),
        IntentPredicted(intent="question", confidence=0.9),
        RetrievalDone(query=USER, passages=({"chunk_id": "c1", "doc_id": "d1", "score": 0.8},)),
        BotAnswer(text=ANSWER, citations=({"n": 1, "doc_id": "d1"},)),
        FeedbackGiven(turn_no=1, rating=-1, comment="don't ring 07911 123456 again"),
    ]


def turn_record(session_id: str) -> TurnRecord:
    return TurnRecord(
        session_id=session_id, user_text=USER, intent="question", intent_confidence=0.9, action="answer",
        reason="retrieved", answer=ANSWER, query=USER, retrieved=[{"chunk_id": "c1", "doc_id": "d1", "score": 0.8}], turn_no=1,
    )


REDACTED_USER = "I'm [EMAIL], call me on [PHONE]"


def test_redacting_store_redacts_events_and_turns_in_memory() -> None:
    inner = InMemoryStore()
    store = RedactingStore(inner, redactor)
    session_id = store.create_session("web")
    events = turn_events()

    store.append(session_id, events, turn_record(session_id))

    stored = store.load_events(session_id)
    assert [e.type_name for e in stored] == ["session_started", "user", "intent", "retrieval", "bot", "feedback"]
    assert stored[1].text == REDACTED_USER and stored[3].query == REDACTED_USER
    assert stored[4].text == "We will call [PHONE] today. [1]" and stored[4].citations == events[3].citations
    assert stored[5].comment == "don't ring [PHONE] again" and stored[5].rating == -1
    assert stored[1].timestamp == events[0].timestamp
    [turn] = store.turns  # attributes of the wrapped store pass through
    assert (turn.user_text, turn.query, turn.answer) == (REDACTED_USER, REDACTED_USER, "We will call [PHONE] today. [1]")
    assert turn.retrieved == [{"chunk_id": "c1", "doc_id": "d1", "score": 0.8}] and turn.turn_no == 1
    assert events[0].text == USER  # the caller's events are untouched


def test_slots_clarifications_and_action_arguments_are_redacted() -> None:
    store = RedactingStore(InMemoryStore(), redactor)
    session_id = store.create_session("web")
    store.append(session_id, [
        SlotSet(name="email", value="jane.doe@example.com"),
        SlotSet(name="order_number", value="NW-20481736"),
        ClarificationAsked(query="call 07911 123456 about returns", options=("Returns", "Refunds")),
        ActionExecuted(name="order_status", arguments={"email": "jane.doe@example.com", "attempt": 2}, result={"status": "shipped"}),
    ])

    slot_email, slot_order, clarification, action = store.load_events(session_id)[1:]
    assert slot_email.value == "[EMAIL]" and slot_order.value == "NW-20481736"
    assert clarification.query == "call [PHONE] about returns" and clarification.options == ("Returns", "Refunds")
    assert action.arguments == {"email": "[EMAIL]", "attempt": 2} and action.result == {"status": "shipped"}


def test_email_and_phone_slots_are_redacted_whatever_their_value_looks_like() -> None:
    # the entity extractor takes the account number inside an IBAN for a phone number; the message's IBAN is
    # redacted, and the slot's bare digits (no phone format, no phone word) must not stay behind
    message = "I want a refund to IBAN GB82 WEST 1234 5698 7654 32 please"
    phone = EntityExtractor().extract(message)["phone"]
    store = RedactingStore(InMemoryStore(), redactor)
    session_id = store.create_session("web")
    store.append(session_id, [
        UserMessage(text=message),
        SlotSet(name="phone", value=phone),
        SlotSet(name="phone", value=None),  # cleared
        ActionExecuted(name="lookup", arguments={}, result={"contacts": ["jane.doe@example.com", 3]}),
    ])

    user, slot, cleared, action = store.load_events(session_id)[1:]
    assert user.text == "I want a refund to IBAN [IBAN] please"
    assert slot.value == "[PHONE]" and cleared.value is None
    assert action.result == {"contacts": ["[EMAIL]", 3]}
    assert RedactingStore(InMemoryStore(), Redactor(kinds=["email"])).redact_event(SlotSet(name="phone", value="0")).value == "0"


@pytest.mark.parametrize(
    ("message", "stored"),
    [("date of birth: 04/07/1990, deliver any day", "[BIRTH_DATE]"), ("please deliver on 04/07/2026", None)],
)
def test_a_date_slot_filled_from_a_date_of_birth_is_redacted_and_other_dates_are_kept(message: str, stored: str | None) -> None:
    date = EntityExtractor().extract(message)["date"]  # normalised: "1990-04-07", which no detector finds again
    store = RedactingStore(InMemoryStore(), redactor)
    session_id = store.create_session("web")

    store.append(session_id, [UserMessage(text=message), SlotSet(name="date", value=date)])

    assert store.load_events(session_id)[-1].value == (stored or date)


def test_redacting_store_redacts_what_sqlite_saves(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    store = RedactingStore(SqlStore(engine), redactor)
    session_id = store.create_session("web", session_id="replayed-session")

    store.append(session_id, turn_events(), turn_record(session_id))

    assert session_id == "replayed-session" and store.has_session(session_id) and store.engine is engine
    assert store.load_events(session_id)[1].text == REDACTED_USER
    [row] = store.turns(session_id)
    assert (row.user_text, row.query, row.answer) == (REDACTED_USER, REDACTED_USER, "We will call [PHONE] today. [1]")
    with engine.connect() as connection:  # nothing of the original is anywhere in the rows
        rows = [str(r.data) for r in connection.execute(select(EventRow))]
        rows += [str(tuple(r)) for r in connection.execute(select(TurnRow))]
        rows += [str(tuple(r)) for r in connection.execute(select(SessionRow))]
    assert not any("07911" in row or "jane.doe" in row for row in rows)
    engine.dispose()


def test_an_address_is_not_stored_in_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    store = RedactingStore(SqlStore(engine), Redactor())
    session_id = store.create_session("web")
    events = [UserMessage(text="Please change my address to Hauptstraße 5, 10115 Berlin for order NW-20481736")]

    store.append(session_id, events)

    assert store.load_events(session_id)[-1].text == "Please change my address to [ADDRESS] for order NW-20481736"
    with engine.connect() as connection:
        rows = [str(r.data) for r in connection.execute(select(EventRow))] + [str(tuple(r)) for r in connection.execute(select(SessionRow))]
    assert rows and not any("Hauptstraße" in row or "10115" in row for row in rows)
    engine.dispose()


def test_the_model_and_the_caller_see_the_original_text(assistant) -> None:
    generator = ScriptedGenerator(reply="Reset links expire after 30 minutes; we wrote to jane.doe@example.com. [1]")
    answer = AnswerFromKnowledgeBase(assistant.retriever, generator, top_k=3, min_score=HASH_MIN_SCORE, max_new_tokens=160)
    manager = DialogManager(RedactingStore(assistant.store, redactor), answer)
    question = "How long is a password reset link valid? Mail me at jane.doe@example.com"

    result = manager.handle(None, question)

    assert generator.calls and generator.calls[0][-1]["content"].endswith(question)
    assert result.text == "Reset links expire after 30 minutes; we wrote to jane.doe@example.com. [1]"
    events = assistant.store.load_events(result.session_id)
    user = next(e for e in events if isinstance(e, UserMessage))
    bot = next(e for e in events if isinstance(e, BotAnswer))
    assert user.text == "How long is a password reset link valid? Mail me at [EMAIL]"
    assert bot.text == "Reset links expire after 30 minutes; we wrote to [EMAIL]. [1]"
    [turn] = assistant.store.turns(result.session_id)
    assert "jane.doe" not in turn.user_text + turn.answer + (turn.query or "")
