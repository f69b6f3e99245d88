"""A device's name is read as its system only where it names a device: "pixel" and "galaxy" are ordinary words too.

"the pixel art" was searched as "the Android art", "galaxy quest game" as "Android quest game", "dead pixel on my
monitor" as "dead Android on my monitor"; "my MacBook Air 13 inch" lost its size as a model number ("my Mac inch")."""

from __future__ import annotations

import pytest

from retrieval.stems import devices_named_as


def _knows(name: str) -> bool:
    return name.lower() in {"macos", "mac", "android", "playstation", "eduroam"}


@pytest.mark.parametrize("text", [
    "the pixel art",
    "galaxy quest game",
    "dead pixel on my monitor",
    "the photo needs 300 pixels",
    "a pixel 8 inch wide",  # a size, no model
])
def test_an_ordinary_word_is_no_device(text: str) -> None:
    assert devices_named_as(text, _knows) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("my MacBook Air 13 inch", "my Mac 13 inch"),
    ("my macbook pro 16-inch", "my Mac 16-inch"),
    ('my macbook air 13" screen', 'my Mac 13" screen'),
    ("my macbook air 2 years old", "my Mac 2 years old"),
])
def test_a_size_or_an_age_is_no_model_number(text: str, expected: str) -> None:
    assert devices_named_as(text, _knows) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("how do i connect my pixel to eduroam", "how do i connect my Android to eduroam"),
    ("does it work on a pixel?", "does it work on a Android?"),
    ("is galaxy s23 supported", "is Android supported"),
    ("wifi on my pixel 8 pro", "wifi on my Android"),
    ("the Pixel 7a keeps disconnecting", "the Android keeps disconnecting"),
])
def test_a_device_by_its_owner_or_its_model_number(text: str, expected: str) -> None:
    assert devices_named_as(text, _knows) == expected
