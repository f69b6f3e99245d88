""""Mac" written as a name (capital M) is the computer wherever it stands: "for Windows and Mac?", "Do you support
Mac?", "Mac or PC?" ask about macOS. Only the lower-case word "mac" needs an owner or place before it ("on my mac"),
and a word that makes another thing of it keeps the ordinary reading in any case ("Big Mac", "Mac and cheese")."""

from __future__ import annotations

import pytest

from retrieval.stems import devices_named_as


def _knows(name: str) -> bool:
    return name.lower() in {"macos", "android", "eduroam"}


@pytest.mark.parametrize(("text", "expected"), [
    ("Is the app for Windows and Mac?", "Is the app for Windows and macOS?"),
    ("Do you support Mac?", "Do you support macOS?"),
    ("Is there a Mac version?", "Is there a macOS version?"),
    ("Mac or PC?", "macOS or PC?"),
    ("on my Mac", "on my macOS"),
    ("on my mac", "on my macOS"),
])
def test_mac_as_a_name_is_the_computer(text: str, expected: str) -> None:
    assert devices_named_as(text, _knows) == expected


@pytest.mark.parametrize("text", [
    "Big Mac",
    "I ordered a Big Mac",
    "my Big Mac was cold",
    "Mac and cheese",
    "Mac & Cheese recipe",
    "a MAC lipstick",
    "is mac supported",
    "What is my MAC address?",
])
def test_another_thing_called_mac_is_no_device(text: str) -> None:
    assert devices_named_as(text, _knows) == text
