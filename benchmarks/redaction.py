"""Measure PII redaction (assistant/privacy.py) on a generated, labelled set of support messages, or on
a hand-labelled one.

    python benchmarks/redaction.py --n 5000 --seed 0
    python benchmarks/redaction.py --labelled benchmarks/data/redaction_labelled.jsonl --json benchmarks/results/redaction_labelled.json

The hand-labelled set (101 messages in English and German, 33 without personal data) also labels what no
detector looks for (national ID numbers), so its table shows what stays in the logs.

Messages are built from support-style templates filled with e-mail addresses, phone numbers (E.164
and national UK/US/DE/FR styles), card numbers (Visa, Mastercard, Amex, Discover, JCB, Diners; valid
Luhn digits; a card's security code after its label counts as a ``secret``) and IBANs (17 countries; valid
check digits), mixed with order numbers, dates, amounts,
times, tracking codes and postcodes; a share of the messages holds no personal data at all.

- recall (per kind): planted spans fully covered by one finding of that kind
- precision (per kind): findings that overlap a planted span of that kind
- false-positive rate: PII-free messages in which anything was found

Prints a table and writes JSON (summary and the misses) to benchmarks/results/redaction.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.privacy import BUILTIN_KINDS, Finding, Redactor, luhn_valid  # noqa: E402

FIRST = ["john", "maria", "li", "anna", "mohammed", "sophie", "lukas", "emma", "oliver", "chloe", "jean-luc", "zoe", "raj", "fatima", "pierre", "hannah"]
LAST = ["smith", "garcia", "wang", "mueller", "dubois", "okafor", "rossi", "nguyen", "obrien", "schmidt", "martin", "kowalski", "patel", "lefevre"]
PROVIDERS = ["gmail.com", "yahoo.co.uk", "outlook.com", "web.de", "gmx.net", "orange.fr", "icloud.com", "hotmail.fr", "proton.me", "aol.com", "btinternet.com", "t-online.de"]
COMPANIES = ["acme-corp.com", "mail.example.org", "eu.support.contoso.com", "student.uni-heidelberg.de", "smith-family.co.uk", "startup.io", "dept.cs.univ-lyon1.fr", "brewery.com.au", "hq.northwind.net"]


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


# --- personal data ----------------------------------------------------------------------------------


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([
        f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}", f"{first}{rng.randint(1, 99)}",
        f"{first}.{last}+{rng.choice(['shop', 'orders', 'news', 'nw2026'])}", f"{last}.{first}{rng.randint(1960, 2005)}",
        f"{first}-{last}", f"{first}", f"{first[0]}.{last}{rng.randint(1, 9)}",
    ])
    domain = rng.choice(PROVIDERS) if rng.random() < 0.6 else rng.choice(COMPANIES)
    address = f"{local}@{domain}"
    style = rng.random()
    if style < 0.12:
        address = ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
    elif style < 0.17:
        address = address.upper()
    return address


def _us_number(rng: random.Random) -> tuple[str, str, str]:
    return str(rng.randint(2, 9)) + digits(rng, 2), str(rng.randint(2, 9)) + digits(rng, 2), digits(rng, 4)


def phone(rng: random.Random) -> str:
    country = rng.choices(["uk", "us", "de", "fr", "other"], weights=[3, 3, 2, 2, 1])[0]
    if country == "uk":
        if rng.random() < 0.5:
            area, rest = "7" + digits(rng, 3), digits(rng, 6)
            national = [f"0{area} {rest}", f"0{area} {rest[:3]} {rest[3:]}", f"0{area}{rest}", f"0{area}-{rest}"]
        else:
            area, rest = rng.choice([("20", digits(rng, 8)), ("161", digits(rng, 7)), ("1632", digits(rng, 6)), ("131", digits(rng, 7))])
            split = 4 if area == "20" else 3
            national = [f"0{area} {rest[:split]} {rest[split:]}", f"(0{area}) {rest[:split]} {rest[split:]}", f"0{area} {rest}"]
        international = [f"+44 {area} {rest}", f"+44{area}{rest}", f"+44 (0){area} {rest}", f"0044 {area} {rest}"]
    elif country == "us":
        a, b, c = _us_number(rng)
        national = [f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a} {b} {c}", f"{a}{b}{c}", f"1-{a}-{b}-{c}", f"1 ({a}) {b} {c}", f"{b}-{c}", f"{b} {c}"]
        international = [f"+1 {a} {b} {c}", f"+1-{a}-{b}-{c}", f"+1 ({a}) {b}-{c}", f"+1{a}{b}{c}"]
    elif country == "de":
        area, rest = rng.choice([("30", digits(rng, 8)), ("89", digits(rng, 7)), ("221", digits(rng, 7)), ("15" + digits(rng, 1), digits(rng, 8)), ("17" + digits(rng, 1), digits(rng, 7))])
        national = [f"0{area} {rest}", f"0{area}/{rest}", f"0{area} / {rest}", f"0{area}-{rest}", f"(0{area}) {rest[:4]} {rest[4:]}", f"0{area} {rest[:3]} {rest[3:]}", f"0{area}{rest}"]
        international = [f"+49 {area} {rest}", f"+49 (0){area} {rest}", f"+49{area}{rest}", f"0049 {area} {rest}"]
    elif country == "fr":
        number = str(rng.choice([1, 2, 3, 4, 5, 6, 7, 9])) + digits(rng, 8)
        pairs = [number[1:3], number[3:5], number[5:7], number[7:9]]
        national = [f"0{number[0]} " + " ".join(pairs), f"0{number[0]}." + ".".join(pairs), f"0{number[0]}-" + "-".join(pairs), f"0{number}"]
        international = [f"+33 {number[0]} " + " ".join(pairs), f"+33 (0){number[0]} " + " ".join(pairs), f"+33{number}", f"0033 {number[0]} " + " ".join(pairs)]
    else:
        national = []
        international = [f"+31 6 {digits(rng, 8)}", f"+34 6{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 3)}", f"+39 3{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 4)}",
                         f"+61 4{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 3)}", f"+353 8{rng.randint(3, 9)} {digits(rng, 3)} {digits(rng, 4)}", f"+41 7{rng.randint(5, 9)} {digits(rng, 3)} {digits(rng, 2)} {digits(rng, 2)}"]
    if national and rng.random() < 0.65:
        return rng.choice(national)
    return rng.choice(international)


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + digits(rng, length - len(prefix) - 1)
    return next(body + d for d in string.digits if luhn_valid(body + d))


def card(rng: random.Random) -> str:
    network = rng.choices(["visa", "mastercard", "amex", "discover", "jcb", "diners"], weights=[40, 30, 12, 8, 5, 5])[0]
    if network == "visa":
        number = _luhn_complete("4", rng.choices([16, 13, 19], weights=[94, 3, 3])[0], rng)
    elif network == "mastercard":
        number = _luhn_complete(rng.choice([str(rng.randint(51, 55)), str(rng.randint(2221, 2720))]), 16, rng)
    elif network == "amex":
        number = _luhn_complete(rng.choice(["34", "37"]), 15, rng)
    elif network == "discover":
        number = _luhn_complete(rng.choice(["6011", "65", str(rng.randint(644, 649))]), 16, rng)
    elif network == "jcb":
        number = _luhn_complete(str(rng.randint(3528, 3589)), 16, rng)
    else:
        number = _luhn_complete(rng.choice(["36", "38"]), 14, rng)
    if len(number) in (14, 15):  # Amex 4-6-5, Diners 4-6-4
        groups = [number[:4], number[4:10], number[10:]]
    else:
        groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    separator = rng.choices([" ", "", "-"], weights=[50, 35, 15])[0]
    return separator.join(groups)


# BBAN layouts: n digits, a upper-case letters, c letters or digits.
IBAN_FORMATS = {
    "DE": "18n", "GB": "4a14n", "FR": "10n11c2n", "NL": "4a10n", "ES": "20n", "IT": "1a10n12c", "BE": "12n", "CH": "5n12c",
    "AT": "16n", "PL": "24n", "IE": "4a14n", "PT": "21n", "LU": "3n13c", "SE": "20n", "DK": "14n", "NO": "11n", "FI": "14n",
}


def _bban(layout: str, rng: random.Random) -> str:
    out = []
    for count, kind in re.findall(r"(\d+)([nac])", layout):
        alphabet = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}[kind]
        out += [rng.choice(alphabet) for _ in range(int(count))]
    return "".join(out)


def iban(rng: random.Random) -> str:
    country = rng.choice(list(IBAN_FORMATS))
    bban = _bban(IBAN_FORMATS[country], rng)
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    compact = f"{country}{98 - number % 97:02d}{bban}"
    style = rng.random()
    spaced = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    if style < 0.55:
        return spaced
    if style < 0.96:
        return compact
    return rng.choice([spaced, compact]).lower()


MAKERS = {"email": email, "phone": phone, "card": card, "iban": iban}

# --- things that are not personal data --------------------------------------------------------------


def noise(rng: random.Random, kind: str) -> str:
    if kind == "order":
        return rng.choice([f"NW-{digits(rng, 6)}", f"#{digits(rng, 6)}", f"{rng.randint(10**7, 10**8 - 1)}", f"A{digits(rng, 9)}", f"INV-2026-{digits(rng, 6)}", f"{digits(rng, 3)}-{digits(rng, 7)}-{digits(rng, 7)}"])
    if kind == "date":
        d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.choice([2025, 2026, 2027])
        return rng.choice([f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{m}/{d}/{y}", f"{d:02d}/{m:02d}/{y}", f"{d} Nov {y}", f"{d}.{m}.", f"{m:02d}/{y % 100}"])
    if kind == "amount":
        return rng.choice([f"${rng.randint(1, 999)}.{rng.randint(0, 99):02d}", f"€{rng.randint(1, 9)}.{rng.randint(100, 999)},{rng.randint(0, 99):02d}", f"£{rng.randint(1, 9)},{rng.randint(100, 999)}.00",
                           f"{rng.randint(1, 99)},{rng.randint(0, 99):02d} €", f"USD {rng.randint(1000, 99999):,}", f"{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)} €"])
    if kind == "time":
        return rng.choice([f"{rng.randint(7, 20)}:{rng.choice(['00', '15', '30', '45'])}", f"{rng.randint(7, 11)}am", f"{rng.randint(8, 12)}.00-{rng.randint(13, 18)}.30", f"{rng.randint(1, 12)} pm"])
    if kind == "tracking":
        return rng.choice([f"1Z{_bban('3c', rng)}{digits(rng, 2)}{digits(rng, 11)}", " ".join(["9400", digits(rng, 4), digits(rng, 4), digits(rng, 4), digits(rng, 4), digits(rng, 2)]),
                           f"JD{digits(rng, 18)}", digits(rng, 10), f"{_bban('2a', rng)}{digits(rng, 9)}GB", digits(rng, 12)])
    if kind == "postcode":
        return rng.choice([f"SW{rng.randint(1, 20)}A {rng.randint(1, 9)}AA", f"{rng.randint(10000, 99999)}", f"{rng.randint(10000, 99999)}-{digits(rng, 4)}", f"{rng.randint(1000, 9999)} AB", f"M{rng.randint(1, 60)} {rng.randint(1, 9)}QR"])
    if kind == "sku":
        return rng.choice([f"SKU-{digits(rng, 5)}", f"{_bban('3a', rng)}-{digits(rng, 4)}", f"EAN {rng.choice(['40', '50', '87', '30'])}{digits(rng, 11)}", f"IMEI 35{digits(rng, 13)}", f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"])
    if kind == "qty":
        return rng.choice([f"{rng.randint(2, 12)} x {rng.randint(100, 999)} g", f"{rng.randint(1, 5)} items", f"{rng.randint(1, 3)} kg", f"size {rng.randint(36, 46)}"])
    raise ValueError(kind)


PII_TEMPLATES = {
    "email": [
        "Hi, my email is {email}, can you resend the invoice?", "Please send the receipt to {email}.", "I changed my address to {email} but still get mails at the old one",
        "{name} here ({email}) - order {order} never arrived", "Contact: {email}", "can u reply to {email} instead pls", "My login {email} doesn't work since {date}.",
        "Email me at <{email}> about the refund of {amount}.", "Update account email from {email} to {email}", "I'm {name}, {email}, tel. {phone}",
    ],
    "phone": [
        "Call me on {phone} please.", "Tel.:{phone}", "tel:{phone}", "You can reach me at {phone} after {time}.", "My mobile: {phone}", "Tel.: {phone}", "{name} - {phone}",
        "Please ring {phone} to arrange the delivery of order {order}.", "If the courier can't find the house, {phone}", "I'm on {phone} all day",
        "The driver should text {phone} when outside", "My number is {phone}, order {order}", "phone {phone} / postcode {postcode}",
        "Whatsapp {phone}", "Contact details: {email}, {phone}", "{phone} is my new number", "Please update my phone number to {phone} (old one no longer works).",
        "Delivery to {postcode}, {phone}, leave at the door", "Call back on {phone} or {phone} thx", "Hi, {name} ({phone}) - the package was damaged",
    ],
    "card": [
        "I was charged twice on my card {card}.", "Card number: {card}", "Please refund to {card} (expiry {expiry})", "my visa {card} was declined for {amount}",
        "{card} exp {expiry} cvc {cvc}", "Payment with {card} failed on {date}", "I paid with card {card}, order {order}", "card {card} {expiry}",
        "Can you check the charge of {amount} on {card}?", "The card ending... actually the full number is {card}", "Used {card} for order {order} on {date}",
    ],
    "iban": [
        "Please refund to my IBAN {iban}.", "IBAN: {iban}", "Bank details: {iban}, BIC DEUTDEFF", "My account {iban} was debited {amount} twice",
        "Send the {amount} back to {iban} please", "new bank account {iban} for the direct debit", "{name}, {iban}", "refund to iban {iban} thanks",
        "IBAN {iban} (account holder {name})", "The direct debit from {iban} on {date} was wrong",
    ],
}
CLEAN_TEMPLATES = [
    "Where is my order {order}? It was supposed to arrive on {date}.", "Order number {order} - I was charged {amount} instead of {amount}.",
    "My parcel with tracking number {tracking} has been stuck since {date}.", "Can I return {qty} of {sku}? Order #{order}",
    "Delivery to {postcode} between {time} and {time} please", "Invoice {order} shows {amount}, but the total was {amount}",
    "I ordered {qty} on {date} at {time}, order {order}", "Tracking: {tracking}", "The app crashes on {sku}, since {date}", "is {postcode} in your delivery area?",
    "Do you ship {qty} to {postcode}? It costs {amount}?", "my order ref is {order}, placed {date}", "Refund of {amount} for order {order} not received after {qty}",
    "Shipment {tracking} says delivered at {time} on {date} but nothing here", "Return label for {order} please, postcode {postcode}", "Price was {amount} on {date}, now {amount}?",
    "{sku} arrived broken, ordered {date}", "Orders {order} and {order} were both late", "Call centre said ticket {order} was escalated on {date}",
    "I called your hotline twice about parcel {tracking}", "Any update on {tracking}?", "I paid {amount} on {date} and again on {date}",
    "{qty} arrived, {qty} missing", "Package from {postcode} to {postcode}", "Is {sku} back in stock?", "Tel. support told me to wait until {date}, order {order}", "Hi! Order {order} — tracking {tracking} — still nothing", "Can I pay {amount} in {qty}?", "Opening hours on {date}? Is {time} ok?",
]
NAMES = ["John Smith", "Maria", "Dr. Anna Mueller", "Jean-Luc Dubois", "Li Wang", "Fatima Okafor"]


def fill(template: str, rng: random.Random) -> tuple[str, list[Finding]]:
    """Fill a template; returns the text and the planted personal-data spans."""
    text, spans = "", []
    for piece in re.split(r"(\{\w+\})", template):
        slot = piece[1:-1] if piece.startswith("{") else None
        if slot in MAKERS:
            value = MAKERS[slot](rng)
            spans.append(Finding(slot, len(text), len(text) + len(value)))
        elif slot == "name":  # planted without a title: "Dr. [NAME]"
            value = rng.choice(NAMES)
            title = len(value) - len(value.removeprefix("Dr. "))
            spans.append(Finding("name", len(text) + title, len(text) + len(value)))
        elif slot == "expiry":
            value = f"{rng.randint(1, 12):02d}/{rng.randint(25, 31)}"
        elif slot == "cvc":  # a card's security code is a secret (assistant/privacy.py finds it by its label)
            value = digits(rng, rng.choice([3, 3, 4]))
            spans.append(Finding("secret", len(text), len(text) + len(value)))
        elif slot is not None:
            value = noise(rng, slot)
        else:
            value = piece
        text += value
    return text, spans


def generate(n: int, seed: int, clean_share: float = 0.2) -> list[tuple[str, list[Finding]]]:
    rng = random.Random(seed)
    messages = []
    for _ in range(n):
        if rng.random() < clean_share:
            messages.append(fill(rng.choice(CLEAN_TEMPLATES), rng))
        else:
            messages.append(fill(rng.choice(PII_TEMPLATES[rng.choice(list(PII_TEMPLATES))]), rng))
    return messages


# --- scoring ----------------------------------------------------------------------------------------


def evaluate(redactor: Redactor, messages: list[tuple[str, list[Finding]]]) -> dict:
    planted, covered, found, correct = Counter(), Counter(), Counter(), Counter()
    clean = clean_flagged = 0
    misses, false_positives = [], []
    started = time.perf_counter()
    for text, spans in messages:
        findings = redactor.find(text)
        for span in spans:
            planted[span.kind] += 1
            if any(f.kind == span.kind and f.start <= span.start and f.end >= span.end for f in findings):
                covered[span.kind] += 1
            elif len(misses) < 200:
                misses.append({"kind": span.kind, "value": text[span.start : span.end], "text": text, "found": [text[f.start : f.end] for f in findings]})
        for finding in findings:
            found[finding.kind] += 1
            if any(s.kind == finding.kind and finding.start < s.end and s.start < finding.end for s in spans):
                correct[finding.kind] += 1
            elif len(false_positives) < 200:
                false_positives.append({"kind": finding.kind, "value": text[finding.start : finding.end], "text": text})
        if not spans:
            clean += 1
            clean_flagged += bool(findings)
    seconds = time.perf_counter() - started
    kinds = {
        kind: {
            "planted": planted[kind], "recall": covered[kind] / planted[kind] if planted[kind] else None,
            "found": found[kind], "precision": correct[kind] / found[kind] if found[kind] else None,
        }
        for kind in [*BUILTIN_KINDS, *sorted(set(planted) - set(BUILTIN_KINDS))]  # then kinds nothing looks for
    }
    return {
        "kinds": kinds,
        "clean_messages": clean,
        "false_positive_rate": clean_flagged / clean if clean else None,
        "ms_per_message": seconds * 1000 / len(messages),
        "misses": misses,
        "false_positives": false_positives,
    }


def table(result: dict) -> str:
    rows = ["| kind | planted | recall | found | precision |", "|---|---:|---:|---:|---:|"]
    for kind, row in result["kinds"].items():
        recall = f"{row['recall']:.2%}" if row["recall"] is not None else "-"
        precision = f"{row['precision']:.2%}" if row["precision"] is not None else "-"
        rows.append(f"| {kind} | {row['planted']} | {recall} | {row['found']} | {precision} |")
    rows.append(f"\nPII-free messages with any redaction: {result['false_positive_rate']:.2%} of {result['clean_messages']}")
    rows.append(f"{result['ms_per_message']:.3f} ms per message")
    return "\n".join(rows)


def load_labelled(path: Path) -> list[tuple[str, list[Finding]]]:
    """A hand-labelled set: one JSON object a line, ``{"text": …, "pii": [{"kind": …, "value": …}]}``; each
    value is located in the text (its first occurrence after the previous value of the line)."""
    messages = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item, spans, position = json.loads(line), [], 0
        for pii in item["pii"]:
            start = item["text"].find(pii["value"], position)
            if start < 0:
                raise ValueError(f"{path}:{number}: {pii['value']!r} is not in the text")
            spans.append(Finding(pii["kind"], start, start + len(pii["value"])))
            position = start + len(pii["value"])
        messages.append((item["text"], spans))
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="messages to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "redaction.json")
    parser.add_argument("--show", type=int, default=0, help="print this many misses and false positives")
    parser.add_argument("--labelled", type=Path, help="measure a hand-labelled JSONL set instead, e.g. benchmarks/data/redaction_labelled.jsonl")
    args = parser.parse_args()

    messages = load_labelled(args.labelled) if args.labelled else generate(args.n, args.seed)
    result = evaluate(Redactor(), messages)
    print(table(result))
    for item in result["misses"][: args.show] + result["false_positives"][: args.show]:
        print(json.dumps(item, ensure_ascii=False))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    source = {"labelled": str(args.labelled), "n": len(messages)} if args.labelled else {"n": args.n, "seed": args.seed}
    args.json.write_text(json.dumps({**source, **result}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
