"""The lower-case "mac" after "I have a" ("I've got a", "I own a", "I use a") is the computer, as after "on my",
"using a", "with my": "I have a mac, how do I connect to eduroam?" was searched without macOS. "mac and cheese" and
"Big Mac" stay no device after those words too."""

from __future__ import annotations

import pytest

from retrieval.stems import devices_named_as


def _knows(name: str) -> bool:
    return name.lower() in {"macos", "android", "eduroam"}


@pytest.mark.parametrize(("text", "expected"), [
    ("I have a mac", "I have a macOS"),
    ("i have a mac, how do i connect to eduroam?", "i have a macOS, how do i connect to eduroam?"),
    ("I've got a mac", "I've got a macOS"),
    ("we have a mac", "we have a macOS"),
    ("I own a mac", "I own a macOS"),
    ("I use a mac", "I use a macOS"),
    ("I have got a mac", "I have got a macOS"),
    ("eduroam on my mac", "eduroam on my macOS"),
    ("using a mac", "using a macOS"),
    ("with my mac", "with my macOS"),
    ("I have a pixel", "I have a Android"),
])
def test_mac_after_i_have_a_is_the_computer(text: str, expected: str) -> None:
    assert devices_named_as(text, _knows) == expected


@pytest.mark.parametrize("text", [
    "I have a mac and cheese",
    "I had a big mac",
    "I have a Big Mac",
    "I have a mac n cheese order",
    "I have a dead pixel",
    "I have a pixel art print",
    "I have a question about mac",
])
def test_another_thing_after_i_have_a_is_no_device(text: str) -> None:
    assert devices_named_as(text, _knows) == text
