"""A device whose name is an ordinary word too ("pixel", "mac", "galaxy") is read as the system it runs only where
the sentence is about the device: a model number ("pixel 8"), or an owner or place before it ("my pixel won't
charge", "on my mac"), and no word after it that makes another thing of it. "my pixel art" was searched as "my
Android art", and "mac" anywhere ("mac and cheese", "a big mac") as macOS."""

from __future__ import annotations

import pytest

from retrieval.stems import devices_named_as


def _knows(name: str) -> bool:
    return name.lower() in {"macos", "android", "playstation", "eduroam"}


@pytest.mark.parametrize("text", [
    "my pixel art",
    "how do i sell my pixel art",
    "my pixel art will not upload",
    "is your pixel perfect theme free",
    "mac and cheese",
    "a recipe for mac and cheese",
    "with my mac n cheese order",
    "big mac",
    "i ordered a big mac",
    "mac",
    "is mac supported",
    "galaxy quest on my tv",
    "what is my mac address",
])
def test_an_ordinary_word_is_no_device(text: str) -> None:
    assert devices_named_as(text, _knows) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("my pixel won't charge", "my Android won't charge"),
    ("on my mac", "on my macOS"),
    ("eduroam on my Mac?", "eduroam on my macOS?"),
    ("my mac keeps crashing", "my macOS keeps crashing"),
    ("does it work with a mac", "does it work with a macOS"),
    ("does CampusAir work on Mac", "does CampusAir work on macOS"),
    ("wallpaper art on my pixel 8", "wallpaper art on my Android"),
    ("my pixel art app crashes on my pixel 7", "my pixel art app crashes on my Android"),
    ("the Pixel 7a keeps disconnecting", "the Android keeps disconnecting"),
    ("eduroam on my macbook", "eduroam on my macOS"),  # no ordinary word: a device wherever it is
    ("i left my macbook at the big mac stand", "i left my macOS at the big mac stand"),
])
def test_a_device_where_the_sentence_is_about_one(text: str, expected: str) -> None:
    assert devices_named_as(text, _knows) == expected
