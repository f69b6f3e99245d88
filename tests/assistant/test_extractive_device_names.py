"""A question names the device ("my macbook", "my pixel"), the article's sections the system it runs ("macOS",
"Android"): the extractive answerer reads the device as the sections name it (retrieval.stems.devices_named_as).
"how do i set up CampusAir on my macbook" got the iPhone section's "Download the joinair app from the App Store",
even with the macOS section ranked first. Read with the demo's MiniLM."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer
from tests.assistant.test_extractive_sibling_sections import ARTICLE, SECTIONS


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "ranked", "expected"),
    [
        ("how do i set up CampusAir on my macbook", ["macOS"], "System Settings"),
        ("how do i set up CampusAir on my macbook", ["Linux", "macOS"], "System Settings"),
        ("CampusAir on my mac", ["Android", "macOS"], "System Settings"),
        ("how do i set up CampusAir on my pixel", ["Android"], "Google Play Store"),
        ("how do i set up CampusAir on my pixel", ["macOS", "Android"], "Google Play Store"),
    ],
)
def test_the_device_is_read_as_the_system_the_sections_name(
    minilm: ExtractiveAnswerer, question: str, ranked: list[str], expected: str
) -> None:
    names = [*ranked, *(name for name in SECTIONS if name not in ranked)]
    passages = [SECTIONS[name] for name in names]
    headings = [f"{ARTICLE} > {name}" if name else ARTICLE for name in names]
    answer = minilm.answer(question, passages, headings=headings)
    assert expected in answer
    assert "App Store" not in answer
