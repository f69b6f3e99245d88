"""Sibling sections of one article (one section per device) share most of their words: the device the question names
decides which section answers (probe P, item 1: "how do i connect to eduroam on windows" got the Linux section's
"Use the ... Linux script.", the only one that opened with a verb the instruction pattern knew; "... not working on my
ps5" got the Android section's "If ... stops working on Android, ..."). Read with the demo's MiniLM."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer

ARTICLE = "Connecting to CampusAir Wi-Fi"
SECTIONS = {
    "": "CampusAir is the wireless network for students and staff. Your username is your college email address and your password is your college password.",
    "Android": (
        "Install the joinair app from the Google Play Store, choose Riverside College and sign in with your college "
        "account. Do not connect manually: on Android 11 and later a manual connection fails because the certificate "
        "domain cannot be set. If CampusAir stops working on Android, forget the CampusAir network, delete the profile "
        "in the joinair app and install it again."
    ),
    "iPhone and iPad": "Download the joinair app from the App Store, select Riverside College and install the profile when asked. Accept the certificate radius.riverside.ac.uk.",
    "Windows": "Run the joinair installer from cat.campusair.org, choose Riverside College and enter your college email and password.",
    "macOS": "Download the Riverside profile from the joinair website, open it in System Settings > Privacy & Security > Profiles and install it.",
    "Linux": "Use the joinair Linux script. Set EAP method PEAP, phase 2 MSCHAPv2, CA certificate USERTrust RSA, domain radius.riverside.ac.uk.",
    "Still not working?": (
        "Changed your college password recently? Devices keep the old one: forget the network and reconnect. Games "
        "consoles and smart TVs cannot use CampusAir; register them on the RC-Devices network instead."
    ),
}


def _help_centre(first: str) -> tuple[list[str], list[str]]:
    """The article's sections as passages, ``first`` first (as the search ranks it), then the others in page order."""
    names = [first, *(name for name in SECTIONS if name != first)]
    return [SECTIONS[name] for name in names], [f"{ARTICLE} > {name}" if name else ARTICLE for name in names]


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "first", "expected", "not_expected"),
    [
        ("how do i connect to CampusAir on windows", "Windows", "cat.campusair.org", "Linux script"),
        ("how do i set up CampusAir on my iphone", "iPhone and iPad", "App Store", "Linux script"),
        ("CampusAir not working on my ps5", "Still not working?", "RC-Devices", "on Android"),
        ("how do i connect to CampusAir on android", "Android", "Install the joinair app", "Linux script"),
    ],
)
def test_the_device_named_decides_the_section(minilm: ExtractiveAnswerer, question: str, first: str, expected: str, not_expected: str) -> None:
    passages, headings = _help_centre(first)
    answer = minilm.answer(question, passages, headings=headings)
    assert expected in answer
    assert not_expected not in answer
