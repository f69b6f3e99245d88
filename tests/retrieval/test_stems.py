"""One stemmer (retrieval.stems) for the keyword search, the question rewrite and the extractive answerer, and the
device names the keyword side reads a question with (helper F, items 1 and 3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.lm import extractive
from dialog import rewrite
from retrieval import keyword
from retrieval.stems import DEVICES, devices_named_as, stem, stem_words

ROOT = Path(__file__).resolve().parents[2]
WORDS = "refunds refund paying tracking shipping opening cars fees less plus this bus policies staff staffed cancelled business busy".split()


@pytest.mark.parametrize("path", ["retrieval/keyword.py", "dialog/rewrite.py", "assistant/lm/extractive.py"])
def test_no_stemmer_of_their_own(path: str) -> None:
    source = (ROOT / path).read_text(encoding="utf-8")
    assert not re.search(r"^\s*import Stemmer|word_stem", source, re.MULTILINE)
    assert "from retrieval.stems import" in source


def test_the_three_read_words_with_the_one_function() -> None:
    assert keyword.cjk_tokens(" ".join(WORDS)) == stem_words([w for w in WORDS if w not in keyword._STOPWORDS])
    assert rewrite.stems(" ".join(WORDS)) == {rewrite._SAME_THING.get(s, s) for s in (stem(w, single_final=True) for w in WORDS)}
    assert extractive.content_words(" ".join(WORDS)) == {stem(w, light=True) for w in WORDS} - {"this"}
    assert extractive.content_words("tracking", ing=False) == {stem("tracking", light=True, ing=False)} == {"tracking"}


@pytest.mark.parametrize(
    ("word", "snowball", "light"),
    [
        ("refunds", "refund", "refund"),
        ("Tracking", "track", "track"),
        ("shipping", "ship", "ship"),
        ("cars", "car", "car"),
        ("less", "less", "less"),
        ("plus", "plus", "plus"),
        ("policies", "polici", "policie"),
        ("business", "busi", "business"),  # Snowball's "busi" is "busy" too: the light stem keeps them apart
        ("personal", "person", "personal"),
    ],
)
def test_snowball_and_light(word: str, snowball: str, light: str) -> None:
    assert stem(word) == snowball
    assert stem(word, light=True) == light


def test_single_final() -> None:
    assert stem("staff") == "staff"
    assert stem("staff", single_final=True) == stem("staffed", single_final=True) == "staf"


def _knows(*names: str):
    return lambda name: name.lower() in {n.lower() for n in names}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how do i set up eduroam on my macbook", "how do i set up eduroam on my macOS"),
        ("eduroam on my MacBook Air?", "eduroam on my macOS?"),
        ("CampusAir on my mac", "CampusAir on my macOS"),
        ("wifi on my pixel 8 pro", "wifi on my Android"),
        ("my Galaxy S23 drops the connection", "my Android drops the connection"),
        ("can my ps5 use the network", "can my PlayStation use the network"),
        ("what is my mac address", "what is my mac address"),  # a network card's, no computer
        ("the photo needs 300 pixels", "the photo needs 300 pixels"),
        ("macros in excel", "macros in excel"),
    ],
)
def test_devices_named_as_the_help_centre_names_them(text: str, expected: str) -> None:
    assert devices_named_as(text, _knows("macOS", "Android", "PlayStation", "eduroam")) == expected


def test_a_device_the_help_centre_names_itself_stays() -> None:
    assert devices_named_as("set up eduroam on my iphone", _knows("iphone", "ios")) == "set up eduroam on my iphone"
    assert devices_named_as("set up eduroam on my iphone", _knows("eduroam")) == "set up eduroam on my iphone"
    assert devices_named_as("eduroam on my macbook", _knows("mac", "macos")) == "eduroam on my Mac"
    assert all(name for names in DEVICES.values() for name in names)


SECTIONS = [
    "Connecting to eduroam > Android: install the geteduroam app from the Google Play Store and sign in.",
    "Connecting to eduroam > iPhone and iPad: download the geteduroam app from the App Store.",
    "Connecting to eduroam > Windows: run the geteduroam installer and enter your college email.",
    "Connecting to eduroam > Eduroam on macOS: download the profile and open it in System Settings.",
    "Connecting to eduroam > Linux: use the geteduroam Linux script.",
]


@pytest.mark.parametrize(
    ("question", "section", "as_named"),
    [
        ("how do i set up eduroam on my macbook", 3, "how do i set up eduroam on my macOS"),
        ("eduroam on my macbook air", 3, "eduroam on my macOS"),
        ("how do i connect my pixel to eduroam", 0, "how do i connect my Android to eduroam"),
    ],
)
def test_keyword_search_finds_the_system_of_the_device(question: str, section: int, as_named: str) -> None:
    index = keyword.KeywordIndex(list(range(len(SECTIONS))), SECTIONS)
    ranking, coverage = index.search_with_coverage([question, as_named], 5)
    assert ranking[0][0][0] == section
    assert ranking[0] == ranking[1]
    assert coverage[0] == coverage[1]  # the device's own name, which no text has, does not count as a word missed


def test_keyword_search_of_a_device_the_texts_name() -> None:
    index = keyword.KeywordIndex(list(range(len(SECTIONS))), SECTIONS)
    assert index.search("get the app on my iphone", 5)[0][0] == 1
    assert index.search("what is my mac address", 5) == []
