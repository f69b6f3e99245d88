"""Word stems: the one stemmer of the project, so that a word's forms match ("refunds" and "refund", "paying" and
"pay") the same way wherever words are compared.

Two styles of one function, ``stem``:

- Snowball (Porter 2, PyStemmer; the default): what the keyword search indexes and searches with
  (``retrieval.keyword``), and what the question rewrite compares follow-ups with (``dialog.rewrite``, with
  ``single_final``: "staff" and "staffed" both "staf");
- ``light``: only a plural ``s`` and (with ``ing``) an ``-ing`` come off ("refunds", "tracking", "cars": "refund",
  "track", "car"). The extractive answerer (``assistant.lm.extractive``) weighs sentences by the words they share
  with the question; Snowball's deeper cuts join words of other meanings there ("business" and "busy" are both
  "busi", "personal" and "person" "person", "expression" and "express" "express"), so it keeps to the endings
  that do not change a word's meaning.

``devices_named_as`` reads the devices a question names in the help centre's words: a customer names the device ("my
macbook", "my pixel"), a help centre's headings the system it runs ("Eduroam on macOS", "Android"); the keyword search
and the extractive answerer's word overlap read the question so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import Stemmer

_SNOWBALL = Stemmer.Stemmer("english")  # caches stems; thread-safe for reading
_DOUBLED = re.compile(r"([bdgmnprt])\1$")  # "shipp" of "shipping" is "ship"
_SHORT_PLURAL = re.compile(r"^[a-z]{3}s$")  # "cars", "dogs", "fees"; not "less", "plus", "this" (checked below)


def stem(word: str, *, light: bool = False, ing: bool = True, single_final: bool = False) -> str:
    """The stem of ``word``, lower-cased.

    ``light``: a plural ``s`` only (a four-letter word's too, not one ending in "ss", "us" or "is"; a longer one's
    unless it ends in "ss") and, with ``ing``, an ``-ing`` of a word over six letters (a doubled consonant
    before it counted once: "shipping" is "ship"). Otherwise the Snowball stem ("policies" is "polici", as
    "policy"), with ``single_final`` a final doubled consonant counted once ("staff" is "staf", as "staffed").
    """
    word = word.lower()
    if light:
        return _light(word, ing)
    result = _SNOWBALL.stemWord(word)
    if single_final and len(result) > 2 and result[-1] == result[-2] and result[-1] not in "aeiou":
        result = result[:-1]
    return result


# a device a customer names, and the names of what it runs (or of its kind) that help centres write in headings
DEVICES: dict[str, tuple[str, ...]] = {
    "macbook": ("Mac", "macOS"),
    "imac": ("Mac", "macOS"),
    "mac": ("macOS",),
    "iphone": ("iOS",),
    "ipad": ("iPadOS", "iOS"),
    "pixel": ("Android",),
    "galaxy": ("Android",),
    "chromebook": ("ChromeOS",),
    "ps4": ("PlayStation",),
    "ps5": ("PlayStation",),
}
# whole words, singular ("300 pixels" is no phone), with the model's words ("macbook air", "pixel 8", "galaxy s23");
# not a network card's "MAC address", nor a size or a time as a model number ("my MacBook Air 13 inch", "16-inch")
_UNIT = r"(?:inch(?:es)?|in|cm|mm|[kmgt]b|[gm]?hz|px|pixels?|mp|w|hours?|hrs?|minutes?|mins?|days?|weeks?|months?|years?)\b|[\"″”%]"
_MODEL = rf"(?:\s+(?:air|pro|mini|max|plus|ultra|[a-z]?\d{{1,2}}[a-z]?(?![\s-]*(?:{_UNIT})))\b)*"
_DEVICE = re.compile(rf"(?<![\w-])({'|'.join(DEVICES)}){_MODEL}(?![\w-])(?!\s+address)", re.IGNORECASE)
# devices whose name is an ordinary word too ("the pixel art", "a dead pixel", "galaxy quest", "a big mac"): a device
# only with a model number ("pixel 8", "galaxy s23"), or after "my" or "on", "with", "for" (and "a", "the": "on the
# pixel"), or "I have a" ("I have a mac"), and never next to a word that makes it another thing ("my pixel art", "for
# mac and cheese", "Big Mac": _OTHER_THINGS after it, _OTHER_THINGS_BEFORE before it). "Mac" or "MAC" written as a name
# is the computer wherever it stands ("for Windows and Mac?", "Mac or PC?"): only the lower-case "mac" is the ordinary
# word
_ORDINARY_WORDS = frozenset({"pixel", "galaxy", "mac"})
_OWNED = re.compile(
    r"\b(?:my|your|our|his|her|their|(?:on|with|for|using)(?:\s+(?:an?|the))?"
    # "I have a mac", "I've got a mac", "we use a mac"
    r"|(?:i|we)(?:\s+(?:have|own|use|got)|(?:['’]ve|\s+have)\s+got)\s+an?)\s+$",
    re.IGNORECASE,
)
_OTHER_THINGS = {
    "pixel": r"art|artist|artwork|arts|perfect|density|count|font|fonts|graphics|grid",
    "galaxy": r"quest|brain",
    "mac": r"(?:and|n|&|'n'?)\s+cheese|lipstick|makeup|cosmetics",
}
_OTHER_THINGS_BEFORE = {"mac": r"big"}


def devices_named_as(text: str, known: Callable[[str], bool]) -> str:
    """``text`` with each device it names that ``known`` does not know, as the first of its other names that ``known``
    knows: "eduroam on my macOS" for "eduroam on my macbook" where a help centre's words include "macOS" and not
    "macbook"; a device the help centre names itself, or none of whose names it knows, is left as it is."""

    def replace(match: re.Match[str]) -> str:
        if known(match.group(1)):
            return match.group(0)
        if _ordinary_word(match, text):
            return match.group(0)  # "the pixel art", "my pixel art"
        return next((name for name in DEVICES[match.group(1).lower()] if known(name)), match.group(0))

    return _DEVICE.sub(replace, text)


def _ordinary_word(match: re.Match[str], text: str) -> bool:
    """Whether the device ``match`` found in ``text`` is an ordinary word there: a name of ``_ORDINARY_WORDS``
    without a model number, next to another thing's word ("my pixel art", "for mac and cheese", "Big Mac") or with
    no owner or place before it ("dead pixel", "is mac supported"; "Mac" written as a name needs none)."""
    name = match.group(1).lower()
    if name not in _ORDINARY_WORDS or any(character.isdigit() for character in match.group(0)):
        return False
    before = text[max(0, match.start() - 16) : match.start()]  # "I have got a "
    if re.match(rf"\s+(?:{_OTHER_THINGS[name]})\b", text[match.end() :], re.IGNORECASE):
        return True
    if name in _OTHER_THINGS_BEFORE and re.search(rf"\b(?:{_OTHER_THINGS_BEFORE[name]})\s+$", before, re.IGNORECASE):
        return True
    if name == "mac" and match.group(1) != "mac":
        return False  # "Do you support Mac?"
    return not _OWNED.search(before)


def stem_words(words: Sequence[str]) -> list[str]:
    """The Snowball stems of ``words`` (already lower case), in one call: the keyword search's tokeniser passes a
    text's words at once."""
    return _SNOWBALL.stemWords(list(words))


def _light(word: str, ing: bool) -> str:
    if _SHORT_PLURAL.match(word) and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if ing and len(word) > 6 and word.endswith("ing"):
        word = _DOUBLED.sub(r"\1", word[:-3])
    return word
