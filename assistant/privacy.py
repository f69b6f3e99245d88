"""PII redaction for conversation logs: e-mail addresses, phone numbers, payment card numbers
(Luhn-checked), IBANs (mod-97-checked), secrets and dates of birth after their label, names where they are
introduced, and the operator's own patterns become placeholders such as ``[EMAIL]`` before anything is stored.

``RedactingStore`` wraps a ConversationStore and redacts what it saves; the dialog manager's caller
keeps the original text, so the language model sees what the customer actually wrote. Measured by
``benchmarks/redaction.py``; see docs/privacy.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from assistant.labelled_pii import Squeezed, address_spans, birth_date_spans, name_spans, secret_spans
from dialog.events import (
    ActionExecuted,
    BotAnswer,
    ClarificationAsked,
    Event,
    FeedbackGiven,
    HandoffRequested,
    RetrievalDone,
    SlotSet,
    UserMessage,
)
from dialog.store import ConversationStore, StoreWrapper, TurnRecord

if TYPE_CHECKING:
    from assistant.config import Settings

BUILTIN_KINDS = ("email", "phone", "card", "iban", "secret", "birth_date", "name", "address")
# Overlapping findings: the longest wins; on equal length, the more specific kind (lower rank).
_RANK = {"email": 0, "iban": 1, "card": 2, "birth_date": 2, "secret": 3, "phone": 4, "name": 5, "address": 5}
_CUSTOM_RANK = 3
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int

    @property
    def placeholder(self) -> str:
        return f"[{self.kind.upper()}]"


# --- checksums -------------------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check that every payment card number passes."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


# Lengths of the countries in the SWIFT IBAN registry.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def iban_valid(iban: str) -> bool:
    """ISO 13616: a registry country, its length, and the mod-97 check (the number read as base 36)."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit() or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


# --- detectors: each returns the findings of one kind -------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.%+-])[\w%+][\w.%+'-]*@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?![\w-])")
# Digit groups joined by spaces or dashes, or all by dots ("5500.0000.0000.0004"; one kind, so the date in
# "22.11.2026 4111 …" stays apart), not glued to a word, a decimal, a date or a time.
_DIGIT_GROUPS = re.compile(r"(?<![\w@+-])(?<!\d[.,:/])(?:\d+(?:(?: +|-)\d+)*|\d+(?:\.\d+)+)(?![\w@]|[.,:/-]\d)")
# A country code and check digits, then letters/digits in groups joined by dots, by dashes or by spaces.
_IBAN_RUN = re.compile(
    r"(?<![\w-])[A-Za-z]{2}\d{2}[A-Za-z0-9]*"
    r"(?:(?:\.[A-Za-z0-9]+){1,16}|(?:-[A-Za-z0-9]+){1,16}|(?: +[A-Za-z0-9]+){0,16})"
)
# Digits with the separators people put in phone numbers: spaces . - / and (area code) or +44 (0)20.
_PHONE_RUN = re.compile(
    r"(?<![\w@#+$£€¥-])(?<!\d[.,:/])(?:\+|\(\+?)?\d+(?:(?:\)(?: +|[.\-/])?\(?|(?: +|[.\-])\(?| */ *|\()\d+)*\)?"
    r"(?![\w@]|[.,:/-]\d)"
)
_GROUP = re.compile(r"[A-Za-z0-9]+")

# Labels of other long numbers: "order no. 12345678", "IMEI: 356938035643809" (which passes Luhn).
_ID_WORDS = (
    r"order|invoice|inv|ref|reference|tracking|track|parcel|package|shipment|consignment|ticket|customer|"
    r"client|member|membership|loyalty|sku|ean|upc|gtin|isbn|imei|serial|article|item|product|barcode|"
    r"transaction|booking|reservation|confirmation|receipt|awb|waybill|container"
)
_NOT_PHONE_WORDS = (
    _ID_WORDS + r"|case|account|acct|id|part|model|batch|lot|zip|postcode|postal|pin|code|voucher|coupon|"
    r"policy|claim|rma|return|iban|bic|swift|sort|vat|tax|registration|licen[cs]e|plate|version|flight|room|po"
)


def _label_before(words: str) -> re.Pattern[str]:
    """A label right before a number: "order 1…", "Order no. 1…", "tracking number: 1…", "ref is 1…"."""
    return re.compile(
        rf"\b(?:{words})s?\b(?:\s*(?:number|num|no\.?|nr\.?|id|code|#))?\s*(?::|#|=|is|was|are)?\s*$", re.IGNORECASE
    )


_NOT_CARD_LABEL = _label_before(_ID_WORDS)
_NOT_PHONE_LABEL = _label_before(_NOT_PHONE_WORDS)
_CURRENCY_BEFORE = re.compile(r"(?:[$£€¥]|\b(?:eur|usd|gbp|chf|sek|nok|dkk|pln))\s*$", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(
    r"\s*(?:[$£€¥%]|(?:eur|usd|gbp|chf|sek|nok|dkk|pln|euros?|dollars?|pounds?|cents?|items?|pcs|pieces|"
    r"units|times|km|kg|g|ml|l|miles|points|days|hours|minutes)\b)",
    re.IGNORECASE,
)
_PHONE_WORDS = re.compile(
    r"\b(?:phone|tel|telephone|mobile|mob|cell|cellphone|call|ring|text|sms|whatsapp|signal|fax|landline|"
    r"dial|contact|reach|hotline|(?:my|your|new|old|contact|the|this|that|same|other)\s+number)\b",
    re.IGNORECASE,
)
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}(?:[-./]| +)\d{1,2}(?:[-./]| +)\d{2,4}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_TIME_RANGE = re.compile(r"\d{1,2}[.:]\d{2} *- *\d{1,2}[.:]\d{2}")


def find_emails(text: str) -> list[Finding]:
    return [Finding("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]


def _labelled(text: str, start: int, label: re.Pattern[str]) -> bool:
    """Whether the number at ``start`` is labelled as an order number, a price, and the like."""
    before = text[max(0, start - 40) : start]
    return bool(label.search(before) or _CURRENCY_BEFORE.search(before))


def _prefix_ends(run: str, limit: int) -> list[int]:
    """End offsets (within ``run``) of its first 1, 2, … groups of letters/digits, longest first, as long
    as the groups hold at most ``limit`` characters (which also bounds the work on a long run)."""
    ends, count = [], 0
    for group in _GROUP.finditer(run):
        count += len(group.group())
        if count > limit:
            break
        ends.append(group.end())
    return ends[::-1]


def _card_grouping(part: str) -> bool:
    """Written as cards are printed: one run, groups of four (the last may be shorter), or Amex 4-6-5."""
    sizes = [len(group) for group in _GROUP.findall(part)]
    if len(sizes) == 1:
        return True
    if sizes[:2] == [4, 6] and len(sizes) == 3 and sizes[2] in (4, 5):
        return True
    return all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4


def find_cards(text: str) -> list[Finding]:
    """13–19 digits starting with 2–6 (the card networks), grouped like a card, passing Luhn."""
    findings, position = [], 0
    while match := _DIGIT_GROUPS.search(text, position):
        position = match.end()
        for end in _prefix_ends(match.group(), 19):  # "4111 1111 1111 1111 123": the card, not the CVC
            part = match.group()[:end]
            digits = re.sub(r"\D", "", part)
            if 13 <= len(digits) <= 19 and digits[0] in "23456" and _card_grouping(part) and luhn_valid(digits):
                if not _labelled(text, match.start(), _NOT_CARD_LABEL):
                    findings.append(Finding("card", match.start(), match.start() + end))
                    position = match.start() + end
                break
    return findings


def find_ibans(text: str) -> list[Finding]:
    """Country code, check digits and account, with or without spaces, passing the mod-97 check."""
    findings, position = [], 0
    while match := _IBAN_RUN.search(text, position):
        position = match.start() + 1  # a run may swallow the words after it, and the next IBAN
        for end in _prefix_ends(match.group(), 34):
            compact = re.sub(r"[ .-]", "", match.group()[:end])
            if len(compact) <= 34 and iban_valid(compact):
                findings.append(Finding("iban", match.start(), match.start() + end))
                position = match.start() + end
                break
    return findings


def _is_nanp(digits: str, part: str) -> bool:
    """A North American number: [1] NXX NXX XXXX unbroken or grouped 3-3-4, or a local NXX-XXXX."""
    sizes = [len(g) for g in _GROUP.findall(part)]
    if sizes == [3, 4]:
        return digits[0] in "23456789" and part.strip("()")[3] in "-."
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    grouped = sizes in ([10], [11], [3, 3, 4], [1, 3, 3, 4])
    return len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789" and grouped


def _phone_strength(part: str) -> str | None:
    """'strong' when the number is written like a phone number, 'weak' when it only could be one."""
    digits = re.sub(r"\D", "", part)
    bare = part.strip("()+")
    if len(digits) < 7 or _DATE.fullmatch(bare) or _IPV4.fullmatch(bare) or _TIME_RANGE.fullmatch(bare):
        return None
    if part.lstrip("(").startswith("+"):
        return "strong" if 8 <= len(digits) <= 15 else None
    if digits.startswith("00") and digits[2] != "0":
        return "strong" if 9 <= len(digits) - 2 <= 15 else None
    if digits[0] == "0" and digits[1] != "0" and 9 <= len(digits) <= 12:
        return "strong"  # a national number with its trunk prefix: UK, DE, FR, …
    if _is_nanp(digits, part):
        return "strong"
    return "weak" if len(digits) <= 15 else None


def _phone_context(text: str, start: int, end: int) -> bool:
    """A phone word (call, phone, mobile, my number, …) shortly before or after ``text[start:end]``."""
    return bool(_PHONE_WORDS.search(text[max(0, start - 40) : start]) or _PHONE_WORDS.search(text[end : end + 25]))


def _phone_in(text: str, start: int, run: str) -> Finding | None:
    """The phone number that ``run`` (at ``start``) begins with, if any: the whole run, or for numbers
    written like phone numbers, its longest such prefix of whole digit groups."""
    for end in _prefix_ends(run, 17):  # up to 15 digits after a 00 prefix
        part, whole = run[:end], end == len(run.rstrip(")"))
        if not whole and not run[end].isspace():  # "070-7696136-9751484" is one code, not a phone and more
            continue
        strength = _phone_strength(part)
        if strength == "strong" or (strength == "weak" and whole and _phone_context(text, start, start + end)):
            if _labelled(text, start, _NOT_PHONE_LABEL) or _AMOUNT_AFTER.match(text, start + len(run)):
                return None
            skip = 1 if part.startswith("(") and part.count("(") > part.count(")") else 0  # "(07911 123456)"
            return Finding("phone", start + skip, start + end)
    return None


def find_phones(text: str) -> list[Finding]:
    """Phone numbers: written like one (+44 …, 020 …, (415) 555-0100), or any 7–15 digits after a phone
    word; never a number labelled as something else (order no., price, …), a date, a time or an IP."""
    findings, position = [], 0
    while match := _PHONE_RUN.search(text, position):
        finding = _phone_in(text, match.start(), match.group())
        if finding is not None:
            findings.append(finding)
        position = finding.end if finding is not None else match.end()
    return findings


# Scripts written without spaces between words (or with particles glued to a number): Thai, CJK
# punctuation, kana, ideographs, Hangul syllables, half-width kana. A number touching them is not "glued to a
# word" as it would be in "AB12345678".
_UNSPACED = ((0x0E00, 0x0E7F), (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF61, 0xFF9F))


# Hyphens meant for numbers: hyphen, non-breaking hyphen, figure dash (made for phone numbers), en dash (what word
# processors make of a typed hyphen, "4111–1111–…").
_NUMBER_HYPHENS = (0x2010, 0x2011, 0x2012, 0x2013)
# Characters that take no room: zero-width space, non-joiner and joiner, word joiner, byte-order mark, soft hyphen.
# Apps put them in numbers and addresses they show ("4111\u200b1111…") so that nothing turns them into links; the
# detectors read the text without them, as it looks.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]+")


class _AsciiForms(dict[int, int]):
    """A ``str.translate`` table: each full-width form (what Japanese and Chinese input methods type:
    ``０９０－１２３４－５６７８``, ``ｊａｎｅ＠…``) and every other script's digit (``٠٩٠``) becomes its one
    ASCII character; a character of a script written without spaces (``電話は090…です``), a tab and every
    other space (no-break; narrow no-break, as iOS types between a French phone number's pairs; figure)
    becomes a space, and a non-breaking hyphen, figure dash or en dash a hyphen; so the detectors, written for ASCII
    and spaced words, find them. One character for one: the findings' offsets hold in the original text.
    Characters above U+3000 are added as they are met, only those that change."""

    def __init__(self) -> None:
        super().__init__()
        # the alphabets of most messages, looked up once: Latin, Greek, Cyrillic, Hebrew, Arabic, Indic, …
        self.update({code: self.ascii_form(code) for code in range(0x3000)})

    def __missing__(self, code: int) -> int:
        ascii_code = self.ascii_form(code)
        if ascii_code != code:  # beyond the alphabets above, only what changes is kept: the table stays small
            self[code] = ascii_code
        return ascii_code

    @staticmethod
    def ascii_form(code: int) -> int:
        char = chr(code)
        if 0xFF01 <= code <= 0xFF5E:
            ascii_code = code - 0xFEE0
        elif code > 0x7F and char.isdecimal():  # before the scripts: Thai has its own digits
            ascii_code = ord(str(unicodedata.decimal(char)))
        elif any(low <= code <= high for low, high in _UNSPACED) or char == "\t" or unicodedata.category(char) == "Zs":
            ascii_code = ord(" ")
        elif code in _NUMBER_HYPHENS:
            ascii_code = ord("-")
        else:
            ascii_code = code
        return ascii_code


_ASCII_FORMS = _AsciiForms()


def _labelled_kind(kind: str, spans: Callable[[str], list[tuple[int, int]]]) -> Callable[[str], list[Finding]]:
    return lambda text: [Finding(kind, start, end) for start, end in spans(text)]


DETECTORS = {
    "email": find_emails, "phone": find_phones, "card": find_cards, "iban": find_ibans,
    "secret": _labelled_kind("secret", secret_spans),
    "birth_date": _labelled_kind("birth_date", birth_date_spans),
    "name": _labelled_kind("name", name_spans),
    "address": _labelled_kind("address", address_spans),
}


# --- the redactor -----------------------------------------------------------------------------------


def check_kinds(kinds: Iterable[str]) -> list[str]:
    """The kinds, lower-cased; ValueError for one that is not built in."""
    checked = [kind.strip().lower() for kind in kinds]
    unknown = [kind for kind in checked if kind not in BUILTIN_KINDS]
    if unknown:
        raise ValueError(f"unknown redaction kind(s) {', '.join(map(repr, unknown))}; choose from {', '.join(BUILTIN_KINDS)}")
    return checked


def compile_patterns(patterns: Mapping[str, str]) -> dict[str, re.Pattern[str]]:
    """Compile the operator's ``name -> regex`` patterns; ValueError naming the one that is wrong."""
    compiled = {}
    for name, pattern in patterns.items():
        if not _NAME.fullmatch(name):
            raise ValueError(f"redaction pattern name {name!r}: use letters, digits and _ (it becomes [{name.upper()}])")
        if name.lower() in BUILTIN_KINDS:
            raise ValueError(f"redaction pattern name {name!r} is a built-in kind; choose another name")
        try:
            compiled[name] = re.compile(pattern)
        except re.error as error:
            raise ValueError(f"redaction pattern {name!r} is not a valid regular expression ({pattern!r}): {error}") from None
    return compiled


class Redactor:
    """Finds personal data of the chosen kinds and of custom patterns, and replaces it with placeholders."""

    def __init__(self, kinds: Iterable[str] = BUILTIN_KINDS, patterns: Mapping[str, str] | None = None) -> None:
        self.kinds = tuple(check_kinds(kinds))
        self.patterns = compile_patterns(patterns or {})

    def find(self, text: str) -> list[Finding]:
        """Non-overlapping findings in text order; where candidates overlap, the longest wins. The built-in
        kinds are looked for with full-width forms, other scripts' digits and other spaces read as ASCII, and
        zero-width characters left out (a finding spans those inside it); custom patterns match the text as it is."""
        ascii_text = text if text.isascii() and "\t" not in text else text.translate(_ASCII_FORMS)
        visible = Squeezed(ascii_text, _INVISIBLE, keep=0)
        candidates = [
            Finding(f.kind, *visible.span(f.start, f.end)) for kind in self.kinds for f in DETECTORS[kind](visible.text)
        ]
        for name, pattern in self.patterns.items():
            candidates += [Finding(name, m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]
        chosen: list[Finding] = []
        for finding in sorted(candidates, key=lambda f: (f.start - f.end, _RANK.get(f.kind, _CUSTOM_RANK), f.start)):
            if all(finding.end <= c.start or finding.start >= c.end for c in chosen):
                chosen.append(finding)
        return sorted(chosen, key=lambda f: f.start)

    def redact(self, text: str) -> str:
        """``text`` with each finding replaced by its placeholder, e.g. ``[EMAIL]``."""
        pieces, position = [], 0
        for finding in self.find(text):
            pieces += [text[position : finding.start], finding.placeholder]
            position = finding.end
        return "".join(pieces) + text[position:]


def redactor_from_settings(settings: Settings) -> Redactor | None:
    """The redactor the settings ask for; None when redaction is off or has nothing to look for."""
    if not settings.redact_pii or not (settings.redact_kinds or settings.redact_patterns):
        return None
    return Redactor(settings.redact_kinds, settings.redact_patterns)


# --- the store wrapper ------------------------------------------------------------------------------

# Free-text fields that may carry what the customer typed.
# Staff replies (AgentMessage) are not redacted: the customer reads the stored copy, and a reply may have to
# give a contact address or phone number.
EVENT_TEXT_FIELDS: dict[type[Event], tuple[str, ...]] = {
    UserMessage: ("text",),
    BotAnswer: ("text",),
    RetrievalDone: ("query",),
    FeedbackGiven: ("comment",),
    HandoffRequested: ("reason",),
    SlotSet: ("value",),  # a slot the customer filled (an e-mail address, a phone number)
    ClarificationAsked: ("query",),
    ActionExecuted: ("arguments", "result"),
}
TURN_TEXT_FIELDS = ("user_text", "answer", "query", "reason", "error")
# A slot that holds personal data when the turn's message had a finding of this kind: the entity extractor
# reads "date of birth: 04/07/1990" as the date slot "1990-04-07", which no detector recognises again.
SLOT_FILLED_FROM = {"date": "birth_date"}


def _redact_value(value: Any, redactor: Redactor) -> Any:
    """A string redacted; the strings in a dict, list or tuple redacted; anything else as it is."""
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, dict):
        return {key: _redact_value(item, redactor) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(item, redactor) for item in value)
    return value


def _redact_fields(record: Any, names: Iterable[str], redactor: Redactor) -> Any:
    changes = {name: _redact_value(getattr(record, name), redactor) for name in names}
    changes = {name: value for name, value in changes.items() if value != getattr(record, name)}
    return replace(record, **changes) if changes else record


class RedactingStore(StoreWrapper):
    """A ConversationStore that redacts events and turn records before the wrapped store saves them.

    Only ``append`` is changed; everything else (``create_session``, ``load_events``, ``turns``,
    ``engine``, …) is the wrapped store's.
    """

    def __init__(self, store: ConversationStore, redactor: Redactor) -> None:
        super().__init__(store)
        self.redactor = redactor

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        found = {f.kind for event in events if isinstance(event, UserMessage) for f in self.redactor.find(event.text)}
        events = [self.redact_event(event, found) for event in events]
        turn = _redact_fields(turn, TURN_TEXT_FIELDS, self.redactor) if turn is not None else None
        self.wrapped.append(session_id, events, turn, expected_events)

    def redact_event(self, event: Event, found: Iterable[str] = ()) -> Event:
        """A copy of ``event`` with personal data replaced; ``found``: the kinds found in the same turn's message."""
        if isinstance(event, SlotSet) and event.value not in (None, ""):
            # The entity extractor's e-mail or phone slot holds personal data whatever it looks like: its value
            # is normalised ("+4930123456") or may be a piece of something else the redactor found (digits
            # from an IBAN), so the redactor cannot be asked to recognise it again. Likewise a date slot filled
            # from a message with a date of birth.
            kind = event.name if event.name in self.redactor.kinds else SLOT_FILLED_FROM.get(event.name)
            if kind is not None and (kind == event.name or kind in found):
                return replace(event, value=f"[{kind.upper()}]")
        return _redact_fields(event, EVENT_TEXT_FIELDS.get(type(event), ()), self.redactor)


__all__ = [
    "BUILTIN_KINDS", "Finding", "RedactingStore", "Redactor", "compile_patterns", "check_kinds",
    "iban_valid", "luhn_valid", "redactor_from_settings",
]
