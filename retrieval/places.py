"""Countries a question or a passage names: a question about one is not answered from a passage about others only.

Also the one place that knows which country a nationality ("i'm german") or a major city ("I live in Toronto") stands
for, which the dialog manager searches a customer's preamble with (``dialog.manager.said_of_themselves``).

Shared by the retriever (``Retriever.search`` ranks a passage about other countries only after the rest) and the
extractive answerer (``assistant.lm.extractive``: the place bonus and penalty of its sentences).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Countries (and the European Union) a question or sentence can name: pattern -> the places it stands for. A
# member country also stands for the EU ("I live in Germany" is answered by "all 27 European Union countries").
# Upper-case abbreviations are matched as written ("US", not the pronoun "us").
_EU = """austria belgium bulgaria croatia cyprus czechia denmark estonia finland france germany greece hungary ireland
italy latvia lithuania luxembourg malta netherlands poland portugal romania slovakia slovenia spain sweden""".split()
_EU_MEMBERS = frozenset(_EU)
# US states are the US ("delivery to Hawaii" is not answered from a sentence about Canada); not Georgia or Washington,
# which name other places too
_US_STATES = """alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|hawaii|idaho|illinois|indiana|
iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|
new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|oregon|pennsylvania|rhode island|
south carolina|south dakota|tennessee|texas|utah|vermont|virginia|west virginia|wisconsin|wyoming|puerto rico""".replace("\n", "")
_PLACES: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (re.compile(r"\b(?:US|USA|U\.S\.(?:A\.)?)(?!\w)"), frozenset({"us"})),
    # "America" alone is the US; South, Latin and Central America are not
    (re.compile(r"\bunited states\b|(?<!south )(?<!latin )(?<!central )\bamerica\b", re.I), frozenset({"us"})),
    (re.compile(rf"\b(?:{_US_STATES})\b", re.I), frozenset({"us"})),
    (re.compile(r"\b(?:UK|U\.K\.)(?!\w)"), frozenset({"uk"})),
    (re.compile(r"\b(?:united kingdom|great britain|britain|england|scotland|wales|northern ireland)\b", re.I), frozenset({"uk"})),
    (re.compile(r"\bEU\b"), frozenset({"eu"})),
    (re.compile(r"\beuropean union\b|\beurope\b", re.I), frozenset({"eu"})),
    (re.compile(r"\bholland\b", re.I), frozenset({"netherlands", "eu"})),
    *[(re.compile(rf"(?<!northern )\b{name}\b", re.I), frozenset({name, "eu"})) for name in _EU],
    *[
        (re.compile(rf"(?<!new )\b{name}\b", re.I), frozenset({name.replace(" ", "_")}))
        for name in ("canada", "australia", "new zealand", "mexico", "switzerland", "norway", "japan", "china", "india", "brazil")
    ],
]
# The capitals and largest cities of the countries above, each searched as its country: "i'm in toronto, how long does
# delivery take?" is a question about delivery to Canada. Not the cities whose name is as often a person's (Sofia,
# Adelaide, Victoria) or another place's (Birmingham, Valencia); "Quebec" and the other provinces are no cities.
CITIES: dict[str, str] = {
    **dict.fromkeys("toronto montreal montréal vancouver calgary ottawa edmonton winnipeg".split(), "Canada"),
    **dict.fromkeys("los angeles|chicago|houston|philadelphia|san antonio|san diego|dallas|san francisco|seattle|boston|"
                    "miami|atlanta|denver|detroit|las vegas".split("|"), "the US"),
    **dict.fromkeys("london manchester liverpool leeds glasgow edinburgh cardiff belfast".split(), "the UK"),
    **dict.fromkeys("berlin munich münchen hamburg frankfurt cologne köln".split(), "Germany"),
    **dict.fromkeys("paris lyon marseille".split(), "France"),
    **dict.fromkeys("rome milan naples".split(), "Italy"),
    **dict.fromkeys("madrid barcelona".split(), "Spain"),
    **dict.fromkeys("lisbon porto".split(), "Portugal"),
    **dict.fromkeys("amsterdam rotterdam".split(), "the Netherlands"),
    **dict.fromkeys("brussels antwerp".split(), "Belgium"),
    **dict.fromkeys("warsaw krakow kraków".split(), "Poland"),
    "vienna": "Austria", "stockholm": "Sweden", "copenhagen": "Denmark", "helsinki": "Finland", "prague": "Czechia",
    "dublin": "Ireland", "athens": "Greece", "budapest": "Hungary", "bucharest": "Romania", "zagreb": "Croatia",
    "ljubljana": "Slovenia", "bratislava": "Slovakia", "tallinn": "Estonia", "riga": "Latvia", "vilnius": "Lithuania",
    "valletta": "Malta", "nicosia": "Cyprus",
    **dict.fromkeys("zurich zürich geneva bern basel".split(), "Switzerland"),
    **dict.fromkeys("oslo bergen".split(), "Norway"),
    **dict.fromkeys("sydney melbourne brisbane perth canberra".split(), "Australia"),
    **dict.fromkeys("auckland wellington christchurch".split(), "New Zealand"),
    **dict.fromkeys("guadalajara monterrey cancun cancún".split(), "Mexico"),
    **dict.fromkeys("tokyo osaka kyoto yokohama".split(), "Japan"),
    **dict.fromkeys("beijing shanghai shenzhen guangzhou".split(), "China"),
    **dict.fromkeys("delhi|new delhi|mumbai|bangalore|bengaluru|chennai|kolkata".split("|"), "India"),
    **dict.fromkeys("são paulo|sao paulo|rio de janeiro|brasília|brasilia".split("|"), "Brazil"),
}


def _named_by(country: str) -> frozenset[str]:
    """The places a country's name as written stands for ("the Netherlands": the Netherlands and the EU)."""
    return frozenset().union(*(names for pattern, names in _PLACES if pattern.search(country)))


# every city, one pattern (the longest names first: "new delhi" before "delhi"), and the places each stands for
_CITY = re.compile(rf"\b(?:{'|'.join(sorted(CITIES, key=len, reverse=True))})\b", re.I)
_CITY_PLACES = {city: _named_by(country) for city, country in CITIES.items()}
# A city names its country only where the text says it is where someone or something is: after "in", "to", "from" or
# "near" ("I live in Toronto", "can you ship to Munich?", "I'm Tom from Paris"), or as the whole text ("Toronto"); not
# as a product's name ("shipping for wellington boots", "the Berlin sofa", "I bought the Porto tawny", "our Boston fern")
# nor as a town of another place it is followed by ("I live in Paris, Texas" is the US)
_BEFORE_A_CITY = re.compile(r"\b(?:in|into|to|from|near)\s+$", re.I)
_ALONE = re.compile(r"[\W_]*")
_THEN = re.compile(r",?\s+")


def _cities(text: str) -> list[tuple[re.Match[str], frozenset[str]]]:
    """The cities ``text`` names as places (``_BEFORE_A_CITY``), each with the places it stands for."""
    found: list[tuple[re.Match[str], frozenset[str]]] = []
    for match in _CITY.finditer(text):
        alone = _ALONE.fullmatch(text[: match.start()]) and _ALONE.fullmatch(text[match.end() :])
        if not alone and not _BEFORE_A_CITY.search(text[max(0, match.start() - 10) : match.start()]):
            continue
        after = _THEN.match(text, match.end())
        if after and any(place.match(text, after.end()) for place, _ in _PLACES):
            continue  # "Paris, Texas"
        found.append((match, _CITY_PLACES[match.group(0).lower()]))
    return found

# Nationalities: the word -> its country as written (a customer who says "i'm german" is searched as in Germany). A
# nationality names its country in ``places`` only where it says where a person or an address is: after "I'm" or
# "we're" ("I'm Canadian", "we're a French company") or before a customer, an address, an order ("German customers",
# "a Canadian address"); not a language ("in English and Spanish", "do you speak German?"), a currency ("Canadian
# dollars") nor a brand ("American Express").
NATIONALITIES: dict[str, str] = {
    "american": "the US", "canadian": "Canada", "mexican": "Mexico", "british": "the UK", "english": "England",
    "scottish": "Scotland", "welsh": "Wales", "irish": "Ireland", "australian": "Australia", "kiwi": "New Zealand",
    "european": "Europe", "german": "Germany", "french": "France", "italian": "Italy", "spanish": "Spain",
    "portuguese": "Portugal", "dutch": "the Netherlands", "belgian": "Belgium", "austrian": "Austria",
    "swiss": "Switzerland", "swedish": "Sweden", "danish": "Denmark", "norwegian": "Norway", "finnish": "Finland",
    "polish": "Poland", "czech": "Czechia", "slovak": "Slovakia", "slovenian": "Slovenia", "croatian": "Croatia",
    "hungarian": "Hungary", "romanian": "Romania", "bulgarian": "Bulgaria", "greek": "Greece", "cypriot": "Cyprus",
    "maltese": "Malta", "estonian": "Estonia", "latvian": "Latvia", "lithuanian": "Lithuania",
    "luxembourgish": "Luxembourg", "japanese": "Japan", "chinese": "China", "indian": "India", "brazilian": "Brazil",
}
_NATIONALITY_PLACES = {word: _named_by(country) for word, country in NATIONALITIES.items()}
_NATIONALITY = re.compile(
    r"(?P<lead>\b(?:i['’]?m|i\s+am|we['’]?re|we\s+are)\s+)?(?(lead)(?:an?\s+)?)"
    rf"\b(?P<nationality>{'|'.join(NATIONALITIES)})\b"
    r"(?(lead)|(?=\s+(?:customers?|clients?|residents?|citizens?|nationals?|shoppers?|buyers?|compan(?:y|ies)|business(?:es)?"
    r"|(?:(?:delivery|shipping|billing|home|postal)\s+)?address(?:es)?|orders?|post\s*codes?|postal\s+codes?|phone\s+numbers?"
    r"|bank(?:\s+accounts?)?)\b))",
    re.I,
)

# A sentence naming this many places or more lists where something applies ("Besides the United States, we ship to
# Canada, the United Kingdom, all 27 European Union countries and Australia"): it answers a question about any country,
# the ones it leaves out included ("do you ship to Brazil?"), so it is not taken for a sentence about other countries
LIST_OF_PLACES = 3
# "outside the United States", "besides the US": the country named is the one the sentence is not about
_NOT_THERE = re.compile(r"\b(?:outside(?: of)?|besides|other than|except|apart from|beyond)\s+(?:the\s+)?$", re.I)


def places(text: str) -> frozenset[str]:
    """The countries ``text`` names (``"us"``, ``"uk"``, ``"eu"``, ``"germany"``, ...), a city of ``CITIES`` where it
    is a place (``_cities``: "I live in Toronto", not "wellington boots") and a nationality where it says where a
    customer is (``NATIONALITIES``: "I'm Canadian") as theirs, leaving out one named as what the text is not about
    ("outside the United States")."""
    found: set[str] = set()
    matches = [(match, names) for pattern, names in _PLACES for match in pattern.finditer(text)]
    matches += [(match, _NATIONALITY_PLACES[match["nationality"].lower()]) for match in _NATIONALITY.finditer(text)]
    for match, names in matches + _cities(text):
        if not _NOT_THERE.search(text[max(0, match.start() - 30) : match.start()]):
            found |= names
    return frozenset(found)


def without_places(text: str) -> str:
    """``text`` with "a country" for each country it names (``places``): what the question asks about a country, for
    the place bonus and penalty match the countries themselves. To MiniLM, "can I get my order delivered in Canada?"
    is as close to "US and Canada (toll-free): 1-800-..." (0.54) as to "we ship to Canada, ..." (0.51) by the
    country's name alone; "... delivered in a country?" is not (0.34 and 0.54)."""
    for match, _ in sorted(_cities(text), key=lambda found: found[0].start(), reverse=True):
        text = f"{text[: match.start()]}a country{text[match.end() :]}"
    for pattern, _ in _PLACES:
        text = pattern.sub("a country", text)
    text = _NATIONALITY.sub(lambda match: f"{match['lead']}a country" if match["lead"] else "a country's", text)
    return re.sub(r"\bthe a country\b", "a country", text, flags=re.IGNORECASE)


def same_place(named: frozenset[str], asked: frozenset[str]) -> bool:
    """Whether a sentence naming ``named`` is about a place of ``asked`` (both from ``places``): a country both name, or
    the EU when one of them names it as a whole ("all European Union countries" for "do you ship to Austria?"); two
    member countries are not the same place ("Standard shipping within Germany ..." does not answer for Austria)."""
    shared = named & asked
    return bool(shared - {"eu"}) or ("eu" in shared and not (named & _EU_MEMBERS and asked & _EU_MEMBERS))


# a sentence that also speaks of the countries it does not name ("10 business days for international orders", "From
# other countries: +1-212-...", "Customers outside the United States pay ...", "We do not ship abroad")
_OTHERS_TOO = re.compile(
    r"\binternational\b|\babroad\b|\bother countries\b"
    r"|\b(?:outside|beyond)(?: of)? (?:the )?(?:US|USA|U\.S\.|United States|UK|United Kingdom|EU|European Union|Europe|Canada|Australia)\b",
    re.I,
)
ANYWHERE = "anywhere"  # what ``places_of_unit`` gives a sentence that speaks of the countries it does not name


def speaks_of_others(text: str) -> bool:
    """Whether ``text`` speaks of the countries it does not name: "From other countries: +1-212-...", "International
    parcels are carried by DHL.", "Customers outside the United States pay ..."."""
    return bool(_OTHERS_TOO.search(text))
# a sentence that limits something to the countries it names, a no for every other: "Exchanges are available for orders
# delivered in the United States only.", "Northwind Plus is available to customers with a delivery address in the US."
_LIMITS = re.compile(r"\bonly\b|\bavailable\b|\beligible\b|\brestricted\b", re.I)


def named_in(heading: str, sentences: Iterable[str]) -> tuple[frozenset[str], bool]:
    """The countries a passage names, in its heading path or its sentences, and whether it answers for any country: one
    of its sentences lists the places served (``LIST_OF_PLACES`` or more: "we ship to Canada, the United Kingdom, ... and
    Australia"), speaks of the others too ("for international orders") or limits something to the countries it names
    ("available ... in the United States only": the answer to "can I exchange in Canada?")."""
    sentences = list(sentences)
    named = [places(sentence) for sentence in sentences]
    answers_any = any(
        len(found) >= LIST_OF_PLACES or (found and _LIMITS.search(sentence)) or _OTHERS_TOO.search(sentence)
        for sentence, found in zip(sentences, named)
    ) or bool(_OTHERS_TOO.search(heading))
    return frozenset().union(places(heading), *named), answers_any


def about_other_places(named: frozenset[str], answers_any: bool, asked: frozenset[str]) -> bool:
    """Whether a passage naming ``named`` (and answering for any country when ``answers_any``: ``named_in``) is about
    other countries only than the ``asked`` ones: "Delivery options > Delivery speeds in the United States" for "how long
    does delivery to Canada take?". False when the question names none, the passage names none (it may be about any),
    or it answers for any country (the ones it leaves out too)."""
    return bool(asked and named) and not answers_any and not same_place(named, asked)
