"""Personal data found by the words around it rather than by its shape: a password, PIN or card security
code after its label, a date of birth after a birth label, a person's name where it is introduced (English
and German). Each function returns the ``(start, end)`` spans of what it found; ``assistant.privacy`` turns
them into findings. See docs/privacy.md for what each one catches and leaves.
"""

from __future__ import annotations

import re


class Squeezed:
    """``text`` with each match of ``runs`` cut to its first ``keep`` characters (``.text``: runs of spaces read as
    one, invisible characters dropped), and ``span()`` to carry a span found in it back to ``text``."""

    def __init__(self, text: str, runs: re.Pattern[str], keep: int) -> None:
        pieces: list[str] = []
        origin: list[int] = []  # where each character of .text is in text
        position = 0
        for run in runs.finditer(text):
            pieces.append(text[position : run.start() + keep])
            origin += range(position, run.start() + keep)
            position = run.end()
        self.text = "".join(pieces) + text[position:] if pieces else text
        self.origin = [*origin, *range(position, len(text))] if pieces else None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """``(start, end)`` of ``.text`` (not empty) as offsets in the original text."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


# Secrets and dates of birth are found by their label: "my password is …", "CVC 123", "geboren am 12.03.1985".
_SECRET_LABEL = (
    r"(?:\b(?:pass\s?words?|passwort|passwd|pwd?|pass\s?code|kennwort|pin(?:\s?code|\s?number|-?nummer)?|"
    r"cvc2?|cvv2?|csc|cid|security\s+code|(?:card\s+)?verification\s+(?:code|value)|one[-\s]?time\s+(?:code|password)|"
    r"otp|2fa\s+code|sicherheitscode|(?:karten)?prüf(?:nummer|ziffer|zahl)|geheimzahl|bestätigungscode|einmal(?:code|passwort))"
    r"|\b(?-i:TAN))"
)
_SAID = r"(?:\s+(?:is|was|ist|lautet|war|wäre|would\s+be))"  # "password is X" (else a value must hold a digit)
_SECRET = re.compile(
    rf"{_SECRET_LABEL}(?P<said>{_SAID}?\s*[:=]|{_SAID})?\s*[\"'„“‚‘]?(?P<value>\d{{3}}[ -]\d{{3}}\b|[^\s.,;:?!()\"'“”‘’][^\s\"'“”‘’]{{2,63}})",
    re.IGNORECASE,
)
# what follows "my password is" when no password does: "… is not working", "… ist falsch"
_NOT_A_SECRET = frozenset(
    "not wrong incorrect invalid expired correct right too still being required needed changed reset case the a an "
    "my your and or now no nicht falsch ungültig abgelaufen korrekt richtig zu noch immer mein meine und oder "
    "jetzt kein keine".split()
)
_MONTH = (
    r"jan(?:uary|uar)?|feb(?:ruary|ruar)?|mar(?:ch)?|märz|apr(?:il)?|may|mai|june?|juni|july?|juli|aug(?:ust)?|"
    r"sep(?:t|tember)?|oct(?:ober)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?|dez(?:ember)?"
)
_DATE_WRITTEN = (
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b|"
    rf"\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:of\s+)?(?:{_MONTH})\.?,?\s+\d{{4}}|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
)
_BIRTH_DATE = re.compile(
    r"(?:\bborn(?:\s+(?:on|in))?|\bdate\s+of\s+birth|\bbirth\s*date|\bbirthday|\bd\.?o\.?b\b\.?|\bgeboren(?:\s+am)?|"
    r"\bgeb\.|\bgeburtsdatum|\bgeburtstag)(?:\s+(?:is|was|ist|war))?\s*[:=]?\s*(?:(?:on|am|the)\s+)?"
    rf"(?P<date>{_DATE_WRITTEN})"
    rf"|\bam\s+(?P<date_before>{_DATE_WRITTEN})\s+geboren\b",  # "ich bin am 3. April 1990 geboren"
    re.IGNORECASE,
)


_LIKE_A_SECRET = re.compile(r"\d|[^\w\s-]|.[A-Z]")  # a digit, a symbol, or a capital after the first letter


# A person's name after the words that introduce one; the name is one to four capitalised words, with the particles
# and links between them ("van der", "María del Carmen", "García y López", "dos Santos"); a link joins two capitalised words
# only, so "Ana y necesito …" is a name and the words after it. The name ends before an ordinary word (``name_spans``).
_PERSON = (
    r"(?:(?:Dr|Mr|Mrs|Ms|Miss|Herr|Frau|Prof)\.?\s+)?(?P<name>[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿA-ZÀ-ÖØ-Þ'’-]+"
    r"(?:[ \t]+(?:(?:van|von|de|del|der|den|da|das|dos|di|du|le|la|los|las|al|el|bin|ten|zu|y|e)[ \t]+)*[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿA-ZÀ-ÖØ-Þ'’-]+){0,3})"
)
# after these, whatever capitalised words follow are a name
_NAMED_BY = (
    r"\b(?:(?i:my\s+name\s+is|my\s+name's|name\s+is|(?:full\s+)?name\s*:|mein\s+name\s+ist|ich\s+hei(?:ß|ss)e|name\s+lautet)|"
    r"(?i:account\s+holder|card\s*holder|kontoinhaber(?:in)?|karteninhaber(?:in)?|recipient|empfänger(?:in)?)\s*:?)\s+"
)
# after these, only a name that ends there ("I'm Jane Doe, …", "this is Tom here"), not "I'm Happy with it"
_INTRODUCED_BY = r"\b(?i:i'm|i\s+am|this\s+is|it's|hier\s+ist|hier\s+spricht|ich\s+bin)\s+"
_NAME_ENDS = r"(?=\s*(?:[,.!;:)\n]|$)|\s+(?i:here|speaking|from|hier|aus|and|und)\b)"
_SIGN_OFF = (
    r"(?i:thanks|thank\s+you|cheers|regards|best\s+regards|kind\s+regards|best\s+wishes|best|sincerely|yours|"
    r"viele\s+grüße|liebe\s+grüße|beste\s+grüße|freundliche\s+grüße|mit\s+freundlichen\s+grüßen|grüße|gruß|mfg|lg|vg|danke)"
    r"\s*[,!.]?\s*"
)
_PERSON_NAMES = (
    re.compile(_NAMED_BY + _PERSON),
    re.compile(_INTRODUCED_BY + _PERSON + _NAME_ENDS),
    re.compile(r"(?:^|[\n.!?,]\s*)" + _SIGN_OFF + _PERSON + r"\s*[.!]?\s*$"),  # at the end of the message
    re.compile(r"^\s*(?:(?i:hi|hello|hallo|hey)\s*[,!]?\s*)?" + _PERSON + r"\s+(?i:here|hier)\b"),  # "Jane Doe here, …"
)
# capitalised words that follow "I'm" or "this is" without being a name
_NOT_A_NAME = frozenset(
    "I Im Sorry Not Very So Still Just Really Also Here There Back Happy Unhappy Sure Looking Trying Writing Calling "
    "Ok Okay Fine Good Great Done New Interested Waiting Nicht Sehr Auch Noch Hier Da Zufrieden Unzufrieden "
    "The A An Your My It This That Order Bestellung Kunde Kundin Customer Member Mitglied German English British American "
    "French Swiss Austrian Dutch Spanish Italian Deutscher Deutsche Österreicher Schweizer "
    # an upset customer's verdict, capitalised or shouted ("THIS IS UNACCEPTABLE", "This is Ridiculous", "It's Urgent!")
    "Unacceptable Ridiculous Awful Terrible Horrible Outrageous Absurd Insane Crazy Madness Nonsense Disgusting "
    "Pathetic Useless Annoying Frustrating Infuriating Shocking Appalling Unbelievable Unreal Unfair Impossible Bad "
    "Wrong Broken Urgent Important Serious Ridiculously Disappointing Disappointed Frustrated Angry Furious Upset "
    "Annoyed Tired Sick Fed Confused Stuck Lost Desperate Joke Rubbish Garbage Scandalous Shameful Silly Stupid "
    "Unverschämt Unmöglich Lächerlich Inakzeptabel Enttäuscht Sauer Wütend Verärgert".split()
)
# capitalised words of Title-Case text ("I'm Having Trouble With Login", "Name: John Smith Order Status"): function
# words, what a support message is about, and the common "-ing" words ("Fleming", "Xiaoming" end in -ing too); none is
# a name or a name's part ("Van", "De", "Bin", "Da", "Do", "He", "Per" are, so they are not here)
_ORDINARY = frozenset(
    "With Without In Into On At To For Of By About Regarding Re After Before Since Until From Via Than And Or But Nor "
    "If When Where Why How What Which Who Because As Me Mine Our Ours Us We You Yours They Their Them His Him She Her "
    "Its These Those Some Any All Every No Yes Is Are Was Were Be Been Am Have Has Had Does Did Get Got Need Needs Want "
    "Wants Would Could Should Cannot Please Thank Thanks Hi Hello Dear Help Problem Problems Issue Issues Trouble "
    "Question Questions Status Number Orders Account Login Log Password Payment Refund Return Delivery Shipping Tracking "
    "Invoice Update Request Complaint Enquiry Inquiry Cancellation Subscription Item Items Product Package Parcel Ticket "
    "Booking Reservation Reference Details Information Support Service Team "
    "Having Trying Getting Going Doing Being Coming Making Asking Logging Signing Checking Contacting Reaching "
    "Following Sending Returning Ordering Experiencing Facing Struggling Using Paying Buying Hoping Wondering Planning "
    "Reporting Requesting Receiving Needing Wanting Working Leaving Enquiring Inquiring Chasing Replying Missing "
    "Changing Cancelling Canceling Updating Talking Thinking Concerning Complaining Emailing Messaging "
    "Mit Und Oder Aber Für Bei Nach Über Wegen Ist Sind Habe Hat Haben Bitte Danke Ein Eine Einen Keine Mein Meine "
    "Meiner Lieferung Rechnung Frage Konto Passwort Anmeldung Rückerstattung".split()
)
# words of _NOT_A_NAME that are also names or a name's part ("Tom French", "Peter Sauer", "Maria Da Silva", "Nguyen
# Van An"): they end a name only as its first word
_ALSO_IN_NAMES = frozenset(
    "An Im So Da My Still Just Good Fine New Back English French German Schweizer Österreicher Kunde Sauer".split()
)
_STARTS_NO_NAME = _NOT_A_NAME | _ORDINARY
_ENDS_A_NAME = _ORDINARY | (_NOT_A_NAME - _ALSO_IN_NAMES)


# a pronoun's contraction ("I'm", "It's", "We'll") or a negation ("Don't"): capitalised at the start of a sentence,
# never a name; a name's own "'s" ("Jane's here, …": Jane is) and an apostrophe in a name ("O'Neill") are kept
_PRONOUN = r"i|you|we|they|he|she|it|this|that|there|here|what|who|where|how|let|(?:every|some|no|any)(?:thing|one|body)"
_CONTRACTION = re.compile(rf"^(?:(?:{_PRONOUN})['’](?:m|s|ll|d|re|ve)|\w+n['’]t)$", re.IGNORECASE)


def name_spans(text: str) -> list[tuple[int, int]]:
    """A person's name where one is introduced: "my name is Jane Doe", "ich heiße Max Mustermann", "I'm Li
    Wang, …", "account holder Max Mustermann", a sign-off ("Thanks, Jane"). Bare names are not found, nor
    Title-Case text ("I'm Having Trouble With Login"); a name ends before an ordinary word ("Name: John Smith Order
    Status": John Smith)."""
    findings = []
    for pattern in _PERSON_NAMES:
        for match in pattern.finditer(text):
            end = _name_end(match)
            if end is not None:
                findings.append((match.start("name"), end))
    return findings


def _name_end(match: re.Match[str]) -> int | None:
    """Where the name of ``match`` ends: after its last capitalised word before the first ordinary one, or None
    when its first word is ordinary ("I'm Happy with it", "I'm Having Trouble", "It's Urgent")."""
    end = None
    for word in re.finditer(r"\S+", match.group("name")):
        written = word.group().strip("'’-")
        if written[:1].islower():  # a link: "van der", "del", "y"
            continue
        ordinary = _STARTS_NO_NAME if end is None else _ENDS_A_NAME
        if written.capitalize() in ordinary or _CONTRACTION.search(written):  # "UNACCEPTABLE", "ORDER" too
            break
        end = match.start("name") + word.end()
    return end


def secret_spans(text: str) -> list[tuple[int, int]]:
    """What follows a password, PIN, card security code or one-time code label. After ":" or "=" any word
    ("Passwort: geheim"); after "is" only one that looks like a secret, with a digit, a symbol or an inner
    capital ("my password is Hunter2!", not "… is scratched off"); right after the label, one with a digit
    ("cvc 123", not "password reset")."""
    findings = []
    for match in _SECRET.finditer(text):
        value, said = match.group("value").rstrip(".,;:?)]"), (match.group("said") or "").strip()
        if value.lower() in _NOT_A_SECRET or len(value) < 3:
            continue
        if not said:
            looks_secret = bool(re.search(r"\d", value))
        elif said[-1] in ":=":
            looks_secret = True
        else:
            looks_secret = bool(_LIKE_A_SECRET.search(value))
        if looks_secret:
            findings.append((match.start("value"), match.start("value") + len(value)))
    return findings


def birth_date_spans(text: str) -> list[tuple[int, int]]:
    """A date after a birth label: "born on 12 March 1985", "DOB: 1985-03-12", "geboren am 12.03.1985"."""
    findings = []
    for match in _BIRTH_DATE.finditer(text):
        group = "date" if match.group("date") else "date_before"
        findings.append((match.start(group), match.end(group)))
    return findings


# A postal address is found by its street word (Straße, -weg, Street, Avenue, …) next to a house number, with the
# postcode and town that follow it. The words must be capitalised as a street's name is written ("221B Baker
# Street", not "5 items on main street") unless a postcode follows or words such as "I live at" come before, and a
# bare town ("do you ship to Berlin?") or postcode is not enough.
_LETTER = r"[^\W\d_]"
_CAPITALISED = rf"[A-ZÀ-ÖØ-Þ]{_LETTER}*"
_HOUSE_NUMBER = (
    r"\d{1,5}(?:\s?[a-zA-Z](?![\w-]))?(?:\s?[-/]\s?\d{1,5}[a-zA-Z]?)?"  # 5, 12a, 12 b, 5-7, 14/2
    r"(?!\s*(?i:%|€|\$|£|km\b|m\b|kg\b|g\b|min|h\b|std|stunden|tage|days|hours|items|stück|euro|eur\b|x\b)|[\w.,:/-]\d)"
)
_DE_STREET_END = r"(?i:straße|strasse|str\.|weg|allee|platz|gasse|damm|ufer|chaussee|pfad|steig)"
_DE_STREET = (
    rf"(?:{_CAPITALISED}(?:-{_LETTER}+)*-?{_DE_STREET_END}"  # Hauptstraße, Karl-Marx-Allee, Hauptstr.
    rf"|{_CAPITALISED}er\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Ring|Damm|Ufer|Chaussee)"  # Berliner Straße
    r"|(?:Am|An\s+der|Im|In\s+der|Auf\s+der|Unter\s+den|Zum|Zur)\s+" + _CAPITALISED + ")"  # Am Markt, Unter den Linden
)
_DE_TOWN = rf"(?:D-)?\d{{5}}\s+{_CAPITALISED}(?:[ -](?:am|an\s+der|im|in|ob\s+der|bei)[ -]{_CAPITALISED})?"
_EN_STREET_TYPE = (
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Boulevard|Blvd\.?|Way|Court|Ct\.?|Place|Pl\.?|"
    r"Parkway|Pkwy\.?|Terrace|Close|Crescent|Square|Sq\.?|Highway|Hwy\.?|Row|Gardens|Mews|Grove|Walk)"
)
_EN_CITY = rf"{_CAPITALISED}(?:\s+{_CAPITALISED}){{0,2}}"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
_EN_TOWN = (
    rf"(?:,?\s+{_EN_CITY})?(?:,\s*[A-Z]{{2}}\s+\d{{5}}(?:-\d{{4}})?|,?\s+{_UK_POSTCODE}|,?\s+\d{{5}}(?:-\d{{4}})?)"
)
# a town after a street and a comma, with no postcode ("42 Wallaby Way, Sydney"): capitalised words that are not the
# start of the next sentence or a courtesy ("…, Thanks", "…, I moved last week", "…, bitte")
_NOT_A_TOWN = (
    r"(?:I|I'm|Thanks|Thank|Please|Cheers|Regards|Best|But|And|Or|So|The|My|Our|It|Its|This|That|We|You|Your|Can|Could|"
    r"Would|Will|Is|Not|No|Yes|Order|Hi|Hello|Apt|Apartment|Flat|Suite|Danke|Bitte|Ich|Und|Aber|Die|Der|Das|Wir|Mein|"
    r"Meine|Merci|Et|Mais|Je|Le|La|Les)\b"
)
_TOWN_AFTER_COMMA = rf",\s+(?!{_NOT_A_TOWN}){_EN_CITY}(?=\s*(?:$|[.,;:!?)\n]|\s[a-z]))"
# French and other streets that put the number first and the street word before the name ("12 rue de la Paix, 75002
# Paris", "15, avenue Victor Hugo"): "rue", "chemin", "impasse", … in any case; "avenue", "place", "route", … only in
# lower case or before "de"/"du"/"des", so a product ("3 Avenue Tote Bags") is not an address
_FR_PARTICLE = r"(?:de\s+la\s+|de\s+l['’]|de\s+|du\s+|des\s+|d['’]|la\s+|le\s+|les\s+|l['’])"
_FR_NAME = rf"{_FR_PARTICLE}?{_CAPITALISED}(?:[\s-]+{_FR_PARTICLE}?{_CAPITALISED}){{0,3}}"
# a word's letters never include the hyphen that joins it to the next, so a name splits into words one way only (a
# long "a-a-a-…" cannot make the search try every split)
_FR_WORD = rf"{_LETTER}[\w'’]*"
_FR_NAME_LOWER = rf"{_FR_PARTICLE}?{_FR_WORD}(?:[\s-]+{_FR_PARTICLE}?{_FR_WORD}){{0,3}}"
_FR_TOWN = rf",?\s+\d{{5}}\s+{_FR_WORD}(?:[\s-]+{_FR_WORD}){{0,2}}?(?=\s*(?:$|[.,;:!?)\n]|\s))"
_FR_STREET_TYPE = (
    r"(?:(?i:rue|chemin|allée|allee|impasse|quai|bd|faubourg|fbg|rte)|"
    r"avenue|av\.|boulevard|place|route|cours|square|passage|(?i:avenue|boulevard|place|route|cours|square)(?=\s+d))"
)
_FR_STREET = rf"(?<![\w.,/-])\d{{1,4}}(?:\s?(?i:bis|ter))?,?\s+{_FR_STREET_TYPE}\s+"
# a street typed in lower case ("8 oak road, leeds ls1 2ab"): only with its postcode, or after words that announce an
# address ("I live at", "my address is", "ship it to"); "I ordered 3 items on main street market" stays
_EN_STREET_TYPE_ANY_CASE = (
    r"(?i:street|st\.?|road|rd\.?|avenue|ave\.?|lane|ln\.?|drive|boulevard|blvd\.?|way|court|place|parkway|terrace|"
    r"close|crescent|square|highway|row|gardens|mews|grove|walk)"
)
_ADDRESS_CUE = (
    r"(?i:\b(?:live|living|lives|stay|staying)\s+at|\baddress\s*(?:is|:)|\b(?:deliver(?:ed)?|ship(?:ped)?|send|sent|post|"
    r"mail|moved)\s+(?:it\s+|them\s+|this\s+|my\s+order\s+)?to)\s+"
)
_LOWER_STREET = rf"\d{{1,5}}[a-z]?\s+(?:[a-z][a-z'’-]*\s+){{1,3}}{_EN_STREET_TYPE_ANY_CASE}(?![\w-])"
_LOWER_TOWN = r"(?:,?\s+[a-z]+(?:\s+[a-z]+)?)?"
_ANY_CASE_POSTCODE = r"(?i:,?\s+[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b|,?\s+\d{5}(?:-\d{4})?\b)"
_ADDRESSES = (
    re.compile(rf"(?<![\w-]){_DE_STREET}\s+{_HOUSE_NUMBER}(?:,?\s+{_DE_TOWN}|{_TOWN_AFTER_COMMA})?\b"),
    re.compile(
        rf"(?<![\w.,/-])\d{{1,5}}[A-Za-z]?\s+(?:{_CAPITALISED}\s+){{1,3}}{_EN_STREET_TYPE}(?![\w-])"
        rf"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?(?:{_EN_TOWN}\b|{_TOWN_AFTER_COMMA})?"
    ),
    re.compile(rf"{_FR_STREET}(?:{_FR_NAME}(?:{_FR_TOWN}|{_TOWN_AFTER_COMMA})?|{_FR_NAME_LOWER}{_FR_TOWN})"),
    re.compile(rf"(?<![\w.,/-]){_LOWER_STREET}{_LOWER_TOWN}{_ANY_CASE_POSTCODE}"),
    re.compile(rf"{_ADDRESS_CUE}(?P<address>{_LOWER_STREET})"),
)

_SPACE_RUN = re.compile(r"[^\S\r\n]{2,}")  # two or more spaces or tabs


def address_spans(text: str) -> list[tuple[int, int]]:
    """A street with its house number, and the postcode and town after it: "Hauptstraße 5, 10115 Berlin",
    "Berliner Str. 12a", "221B Baker Street, London NW1 6XE", "1600 Amphitheatre Parkway, Mountain View, CA
    94043", "12 rue de la Paix, 75002 Paris", "42 Wallaby Way, Sydney", "i live at 8 oak road, leeds ls1 2ab";
    several spaces between the words read as one. A town or postcode alone, and a number before lower-case words ("5
    items on main street"), are not."""
    squeezed = Squeezed(text, _SPACE_RUN, keep=1)  # "221B  Baker  Street,  London  NW1  6XE" read with one space
    spans = []
    for pattern in _ADDRESSES:
        for match in pattern.finditer(squeezed.text):
            group = "address" if "address" in pattern.groupindex else 0
            spans.append(squeezed.span(match.start(group), match.end(group)))
    return spans
