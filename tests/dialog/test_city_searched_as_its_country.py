"""A city the customer says they live in or are in is searched as its country (``retrieval.places.CITIES``).

"i'm in toronto, how long does delivery take?" named no country the place ranking reads, and the demo answered with
the US delivery speeds (3-5 business days); "I live in Vancouver, tom@example.com. how long does delivery take?" was
searched "how long does delivery take (Vancouver)?", the same. Both are questions about delivery to Canada: the
international times (International Standard, 7-14 business days). "I'm Sydney" stays a name, not the city.
"""

from __future__ import annotations


import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import DEMO_DIR, MODEL_CACHE, prepared_model
from dialog.manager import said_of_themselves, without_introduction
from retrieval.ingest import ingest


@pytest.mark.parametrize(("clause", "said"), [
    ("I live in Toronto", "Canada"),
    ("I'm in Toronto", "Canada"),  # "I'm in ..." with a country: a city of one is one
    ("we're based in munich", "Germany"),
    ("I'm Tom from Paris", "France"),
    ("I'm in the UK", "the UK"),
    ("I'm Sydney", None),  # a name: "I'm" with a city alone is no place
    ("I'm Paris", None),
    ("i'm in a hurry", None),
    ("I'm from Quebec", "Quebec"),  # no city of the table: as written
])
def test_a_city_is_said_as_its_country(clause: str, said: str | None) -> None:
    assert said_of_themselves(clause) == said


@pytest.mark.parametrize(("message", "asked"), [
    ("hi, i live in vancouver, tom@example.com. how long does delivery take?", "how long does delivery take (Canada)?"),
    ("I'm in Berlin, my order is NW-20481736. Can I return it?", "Can I return it (Germany)?"),
    ("Hi, I'm Sydney, sydney@example.com. How do I return an item?", "How do I return an item?"),  # a name
])
def test_a_city_in_the_preamble_is_searched_as_its_country(message: str, asked: str) -> None:
    assert without_introduction(message) == asked


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The demo help centre with MiniLM and extractive answers, no intent model."""
    prepared_model("all-minilm-l6-v2")
    data_dir = tmp_path_factory.mktemp("demo")
    settings = load_settings(
        data_dir=data_dir, model_cache_dir=MODEL_CACHE, device="cpu", answer_mode="extractive", intent_model=data_dir / "none"
    )
    app = Assistant(settings)
    ingest([DEMO_DIR / "knowledge_base"], app.embedder, settings.index_dir)
    return app


@pytest.mark.slow
@pytest.mark.parametrize(("message", "query"), [
    ("i'm in toronto, how long does delivery take?", "i'm in toronto, how long does delivery take?"),
    ("hi, i live in vancouver, tom@example.com. how long does delivery take?", "how long does delivery take (Canada)?"),
])
def test_delivery_to_a_city_is_answered_with_the_international_times(demo: Assistant, message: str, query: str) -> None:
    result = demo.manager.handle(None, message)

    assert result.query == query
    assert not result.abstained
    assert result.cited_sources[0]["doc_id"] == "shipping/international-shipping"
    assert "7-14 business days" in result.text
