"""Entity and slot extraction for support work: order numbers, emails, phone numbers, dates, amounts and
product names (from a configurable list). Pure functions over the text; no model.

Each entity kind becomes a slot of the same name with a normalised value:

- ``order_number``: ``NW-20481736`` (also from ``nw20481736``, "NW 2048 1736" or "order number 20481736"); a shop with
  other order numbers gives their pattern (setting ``order_number_pattern``), and a match is upper-cased
- ``email``: lower-cased address
- ``phone``: digits with a leading ``+`` kept, e.g. ``+18005550199``
- ``date``: ISO ``YYYY-MM-DD`` (ISO dates, ``M/D/YYYY``, "12 March", "March 12th, 2024", today/yesterday/tomorrow)
- ``amount``: ``12.50 USD`` (``$``, ``€``, ``£`` or a currency word or code)
- ``product``: the product's name as written in the list
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta

SLOT_NAMES = ("order_number", "email", "phone", "date", "amount", "product")

ORDER_PREFIX = "NW-"
# the digits may come in groups, as customers read them out: "NW 2048 1736", "NW-2048-1736", "order number 2048 1736"
_ORDER = re.compile(
    r"\bNW-?\s?(\d{6,10}|\d{2,5}(?:[ -]\d{2,5}){1,2})\b|\border\s*(?:number|no\.?|#|id)?\s*(?:is|:)?\s*#?(\d{8}|\d{4}[ -]\d{4})\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w-])(\+?\d[\d\s().-]{7,18}\d)(?![\w-])")
_CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP", "dollar": "USD",
               "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP", "pounds": "GBP"}
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?P<sym>[$€£])\s?(?P<n1>{_NUMBER})|(?P<n2>{_NUMBER})\s?(?P<word>usd|eur|gbp|dollars?|euros?|pounds?)\b",
    re.IGNORECASE,
)
_MONTHS = {m: n for n, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"),
    start=1,
)}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_DATES = (
    re.compile(r"\b(?P<year>\d{4})-(?P<num_month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<num_month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4}|\d{2})\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?:,?\s+(?P<year>\d{{4}}))?", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+(?P<year>\d{{4}}))?", re.IGNORECASE),
)
_RELATIVE = {"today": 0, "yesterday": -1, "tomorrow": 1}
_RELATIVE_RE = re.compile(r"\b(today|yesterday|tomorrow)\b", re.IGNORECASE)


def order_numbers(text: str) -> list[str]:
    """Order numbers in the text, normalised to ``NW-`` and the digits (6 to 10 of them)."""
    found = (re.sub(r"\D", "", m.group(1) or m.group(2)) for m in _ORDER.finditer(text))
    return [ORDER_PREFIX + digits for digits in found if 6 <= len(digits) <= 10]


def emails(text: str) -> list[str]:
    return [m.group(0).lower() for m in _EMAIL.finditer(text)]


def phones(text: str) -> list[str]:
    """Phone numbers: 9 to 15 digits, not part of an order number, a date or an amount."""
    found = []
    for match in _PHONE.finditer(text):
        raw = match.group(1)
        digits = re.sub(r"\D", "", raw)
        if not 9 <= len(digits) <= 15 or re.fullmatch(r"\d{1,4}[/-]\d{1,2}[/-]\d{1,4}", raw.strip()):
            continue
        if text[max(0, match.start() - 3) : match.start()].upper().endswith(("NW-", "NW")):
            continue
        found.append(("+" if raw.startswith("+") else "") + digits)
    return found


def amounts(text: str) -> list[str]:
    """Money amounts as ``12.50 USD``."""
    found = []
    for m in _AMOUNT.finditer(text):
        number = (m.group("n1") or m.group("n2")).replace(",", "")
        currency = _CURRENCIES[(m.group("sym") or m.group("word")).lower()]
        found.append(f"{float(number):.2f} {currency}")
    return found


def _month_number(name: str) -> int:
    name = name.lower()
    return next(n for month, n in _MONTHS.items() if month.startswith(name[:3]))


def dates(text: str, today: date | None = None) -> list[str]:
    """Dates as ISO strings; a date without a year is taken in ``today``'s year."""
    today = today or date.today()
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if any(m.start() < end and m.end() > start for start, end in taken):
                continue
            groups = m.groupdict()
            month = int(groups["num_month"]) if groups.get("num_month") else _month_number(groups["month"])
            year = int(groups["year"]) if groups.get("year") else today.year
            year = year + 2000 if year < 100 else year
            try:
                found.append((m.start(), date(year, month, int(groups["day"])).isoformat()))
            except ValueError:  # 31 February and the like: not a date
                continue
            taken.append((m.start(), m.end()))
    for m in _RELATIVE_RE.finditer(text):
        found.append((m.start(), (today + timedelta(days=_RELATIVE[m.group(1).lower()])).isoformat()))
    return [value for _, value in sorted(found)]


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_RE = re.compile(rf"\b(?:(next|this|coming)\s+)?({'|'.join(_WEEKDAYS)})\b", re.IGNORECASE)


def without_dates(text: str) -> str:
    """The message without the dates written in words ("Dec 30", "the 3rd of March", "tomorrow", "Monday"), which
    ``rules.without_values`` leaves: "sorry, I meant Dec 30" names no topic of its own."""
    for pattern in (*_DATES, _RELATIVE_RE, _WEEKDAY_RE):
        text = pattern.sub(" ", text)
    return text


def coming_weekday(text: str, today: date | None = None) -> str | None:
    """The day a reply to a question for a day ahead names by its weekday, as an ISO string: "Monday",
    "on Monday", "this Friday" is the next such day from ``today`` on (today itself included), "next Monday"
    the next one after today; None without a weekday, or with two ("Monday or Tuesday": which?). Only for
    a question about a day to come (a booking's), where the week's days mean the days ahead."""
    today = today or date.today()
    found = _WEEKDAY_RE.findall(text)
    if len({day.lower() for _, day in found}) != 1:
        return None
    word, day = found[0]
    ahead = (_WEEKDAYS.index(day.lower()) - today.weekday()) % 7
    if ahead == 0 and word.lower() == "next":
        ahead = 7
    return (today + timedelta(days=ahead)).isoformat()


def order_pattern(pattern: str) -> re.Pattern[str]:
    """A shop's own order-number pattern (a regular expression such as ``AB-\\d{4}``), matched as a whole
    word, any case; ValueError when it is not a valid expression or matches an empty text."""
    try:
        compiled = re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"order_number_pattern {pattern!r} is not a valid regular expression ({error.msg})") from None
    if compiled.fullmatch(""):
        raise ValueError(f"order_number_pattern {pattern!r} matches an empty text")
    return compiled


# "where is NW-20481736?", "status of order NW-…", "has NW-… shipped yet?": a question about the one order it names
# (ORDER stands for the order number); "NW-… arrived broken, how do I return it?" is not one
_ASKS_ABOUT_ORDER = re.compile(
    r"^\W*(?:(?:hi|hello|hey|and|so|ok|okay|please|sorry)\W+)*"
    r"(?:(?:where(?:'?s|\s+is)|wheres|status(?:\s+of)?|what(?:'?s|\s+is)\s+the\s+status\s+of|track|check(?:\s+on)?|"
    r"any\s+(?:news|update)\s+(?:on|about))\s+(?:(?:my|the|our)\s+)?(?:order\s+)?(?:(?:number|no\.?)\s+)?#?ORDER"
    r"|has\s+(?:my\s+)?(?:order\s+)?ORDER\s+(?:been\s+)?(?:shipped|dispatched|sent)(?:\s+yet)?)"
    r"(?:\s+(?:now|yet|please))?[\s?.!]*$",
    re.IGNORECASE,
)

# "please cancel my order NW-20481737", "can you cancel NW-…?", "I want to cancel order NW-…": a request to cancel the
# one order it names ("how do I cancel an order?" asks how, and names none)
_CANCEL_REQUEST = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok|okay|so|and)\W+)*(?:please\s+)?"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|i(?:\s+(?:want|need|would\s+like)|\s*['’]?d\s+like)\s+(?:you\s+)?to\s+)?"
    r"cancel\s+(?:my\s+|the\s+|our\s+)?(?:order\s+)?(?:(?:number|no\.?)\s+)?#?ORDER(?:\s+(?:now|please|for\s+me))*[\s?.!]*$",
    re.IGNORECASE,
)

# intents the extractor's request patterns give (``EntityExtractor.request_intent``)
REQUEST_INTENTS = ("order_status", "cancel_request")


class EntityExtractor:
    """Finds the support entities in a message; ``products`` is the shop's own list of product names,
    ``order_numbers`` the pattern of its order numbers (None: Northwind's, ``NW-`` and 6-10 digits),
    ``shop_email`` says which e-mail addresses are the shop's own (never the customer's: a pasted e-mail's
    "To: support@…")."""

    def __init__(
        self, products: Iterable[str] = (), order_numbers: str | None = None, shop_email: Callable[[str], bool] | None = None
    ) -> None:
        self.products = tuple(p for p in products if p.strip())
        self._order = order_pattern(order_numbers) if order_numbers else None
        self._shop_email = shop_email
        self._product_patterns = [
            (name, re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"s?(?!\w)", re.IGNORECASE))
            for name in sorted(self.products, key=len, reverse=True)
        ]

    def products_in(self, text: str) -> list[str]:
        return [name for name, pattern in self._product_patterns if pattern.search(text)]

    def order_numbers(self, text: str) -> list[str]:
        """Order numbers in the text: the shop's pattern upper-cased, or Northwind's normalised."""
        if self._order is None:
            return order_numbers(text)
        return [m.group(0).upper() for m in self._order.finditer(text)]

    def request_intent(self, text: str) -> str | None:
        """What the message asks of the one order it names, in words no other request shares: ``order_status``
        ("where is NW-20481736?", "status of NW-…", "has NW-… shipped yet?"), ``cancel_request`` ("please cancel
        my order NW-…"); None for anything else."""
        numbers = self.order_numbers(_EMAIL.sub(" ", text))
        if len(set(numbers)) != 1:
            return None
        marked = (self._order or _ORDER).sub("ORDER", text, count=1)
        if _ASKS_ABOUT_ORDER.match(marked):
            return "order_status"
        return "cancel_request" if _CANCEL_REQUEST.match(marked) else None

    def bare_value(self, slot: str, text: str) -> str | None:
        """A value given on its own in reply to a question for ``slot``; with the shop's own order-number
        pattern the extractor already finds it anywhere, so only Northwind's bare digits are read here."""
        return bare_slot_value(slot, text) if self._order is None else None

    def extract(self, text: str, today: date | None = None) -> dict[str, str]:
        """The first value of each kind found, by slot name."""
        return {name: values[0] for name, values in self.extract_all(text, today).items()}

    def extract_all(self, text: str, today: date | None = None) -> dict[str, list[str]]:
        """Every value of each kind found (each once, in order), by slot name."""
        without_emails = _EMAIL.sub(" ", text)
        without_orders = (self._order or _ORDER).sub(" ", without_emails)
        found = {
            "order_number": self.order_numbers(without_emails),
            "email": [e for e in emails(text) if self._shop_email is None or not self._shop_email(e)],
            "phone": phones(_AMOUNT.sub(" ", without_orders)),
            "date": dates(without_orders, today),
            "amount": amounts(without_orders),
            "product": self.products_in(text),
        }
        return {name: list(dict.fromkeys(values)) for name, values in found.items() if values}


# a number of an order number's length on its own in a reply ("20481736", "#20481736", "20481736 is my order
# number"), not part of a phone number, an amount, a date or another word
_BARE_ORDER = re.compile(r"(?<![\w/.+$€£-])#?(\d{6,10}|\d{4}[ -]\d{4})(?![\w/-]|[.,]\d)")


def bare_slot_value(slot: str, text: str) -> str | None:
    """A value given in reply to a question for ``slot`` that the extractor would not take without context:
    for the order number, the one number of 6-10 digits in the reply ("20481736", "it's 20481736", "20481736
    is my order number", "2048 1736"); a reply with two such numbers fills nothing (which one is meant?)."""
    if slot == "order_number":
        in_phones = [p.lstrip("+") for p in phones(text)]
        numbers = [re.sub(r"\D", "", n) for n in _BARE_ORDER.findall(text)]  # "20481736", "2048 1736"
        numbers = [n for n in numbers if not any(n in p and p != n for p in in_phones)]  # "+1 5551234567"
        return ORDER_PREFIX + numbers[0] if len(numbers) == 1 else None
    return None


# what a request names as the customer's own: "for my Trek", "my Giant bike", "our old Brompton"
_MY_THING = re.compile(r"\b(?:my|our)\s+(?=([^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,3}))", re.IGNORECASE)
# the words after which a named thing has ended: "my Giant bike on Friday", "my Trek for a service, please"
_THING_ENDS = re.compile(
    r"\s+(?:on|for|at|this|next|tomorrow|today|tonight|in|by|before|after|please|pls|and|or|to|from|with|because|as|asap|"
    r"soon|if|when|which|that|so|but|is|are|was|has|had|needs?|again|too|also|instead|my|our)\b.*$",
    re.IGNORECASE | re.DOTALL,
)


def _up_to_the_name(words: list[str], kind_words: set[str]) -> list[str]:
    """``words`` up to the last one written with a capital or of the kind's name: "Trek broke" -> "Trek", "Giant
    bike" and "old Brompton" as they are. Without either, all of them."""
    ends = [i for i, w in enumerate(words) if (w[0].isupper() and w != "I") or w.casefold() in kind_words]
    return words[: ends[-1] + 1] if ends else words


def _after_the_kind(words: list[str], kind_words: set[str]) -> list[str]:
    """``words`` without the words of the kind's name before the name itself: "booking FJ-123456" -> "FJ-123456" (a
    name written with a capital or a digit); "Giant bike" and "son's bike" as they are."""
    start = next((i for i, w in enumerate(words) if w.casefold() not in kind_words), len(words))
    rest = words[start:]
    return rest if start and any((w[0].isupper() and w != "I") or any(c.isdigit() for c in w) for w in rest) else words


def named_thing(text: str, kind: str) -> str | None:
    """The thing of ``kind`` (a business action's free-text parameter, ``bike_model``) a request names as the
    customer's own: "book a repair for my Trek" -> "Trek", "… for my Giant bike on Friday" -> "Giant bike". Taken
    only when it says what it is: a word of the kind's name with another word ("my son's bike"), or a name written
    with a capital ("my Trek"). "my bike" alone says nothing ("Which bike is it?" is still asked), nor does "my
    order"; None then, and for two such things ("my Trek or my Giant"). A word of the kind's name before the name is
    left out: "check my booking FJ-123456" -> "FJ-123456" (for ``booking_ref``)."""
    kind_words = {w for w in kind.casefold().split("_") if w} | {f"{w}s" for w in kind.casefold().split("_") if w}
    found = []
    for match in _MY_THING.finditer(text):
        thing = _THING_ENDS.sub("", match.group(1)).strip(" '’-")
        words = _after_the_kind(_up_to_the_name(thing.split(), kind_words), kind_words)
        thing = " ".join(words)
        own = [w for w in words if w.casefold().removesuffix("'s").removesuffix("’s") not in kind_words]
        named = any(w[0].isupper() and w != "I" for w in words)
        if own and (named or len(own) < len(words)):
            found.append(thing)
    return found[0] if len(found) == 1 else None
