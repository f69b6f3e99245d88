"""A question that names a country is not given passages about other countries only first (brief C, fault 1): "how long
does delivery to canada take?" found *Delivery speeds in the United States* first for its words, and the international
delivery times sixth, past the five passages an extractive answer is made from. Read with the demo's MiniLM."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.documents import Chunk
from retrieval.ingest import ingest
from retrieval.places import about_other_places, named_in
from retrieval.retriever import Retriever, places_last

US_SPEEDS = """# Delivery options

## Delivery speeds in the United States

You choose a delivery speed at checkout under **Delivery speed**. Delivery times are counted in business days from the day your order ships.

- **Standard**: 3-5 business days, $4.95, free on orders over $50
- **Express**: 1-2 business days, $12.95
- **Next-Day**: the next business day, $19.95
"""
US_TIMES = """# Delivery times

## From dispatch to your door

- Standard: 3-5 business days
- Express: 1-2 business days
- Standard to Alaska and Hawaii: 5-8 business days

Our carriers deliver Monday to Saturday. There are no Sunday deliveries.
"""
INTERNATIONAL = """# International shipping

## Where we ship

Besides the United States, we ship to Canada, the United Kingdom, all 27 European Union countries and Australia.

## Options and costs

- **International Standard**: 7-14 business days, $14.95, free on orders over $150
- **International Express**: 3-5 business days, $34.95

## Returns from outside the US

International customers can return items within the normal return window.
"""


def test_a_passage_about_other_countries_only() -> None:
    canada = frozenset({"canada"})
    assert about_other_places(*named_in("Delivery options > Delivery speeds in the United States", ["Standard: 3-5 days"]), canada)
    assert not about_other_places(*named_in("International shipping > Where we ship", ["Besides the United States, we ship to Canada, the United Kingdom, all 27 European Union countries and Australia."]), frozenset({"japan"}))
    assert not about_other_places(*named_in("International shipping > Returns from outside the US", ["Return items within the window."]), canada)
    assert not about_other_places(*named_in("Delivery options", ["Standard to Alaska: 5 days"]), frozenset())  # no country asked
    # a passage that limits something to a country is the answer for every other ("can I exchange in Canada?"), and one
    # that speaks of the others too answers for them
    assert not about_other_places(*named_in("Exchanges > Good to know", ["Exchanges are available for orders delivered in the United States only."]), canada)
    assert not about_other_places(*named_in("What is Northwind Plus? > Who can join", ["Northwind Plus is available to customers with a delivery address in the United States."]), canada)
    assert not about_other_places(*named_in("Lost parcels", ["We treat a parcel as lost after 5 business days within the United States, or 10 business days for international orders."]), canada)


def test_places_last_keeps_each_group_in_order() -> None:
    chunks = {n: Chunk(n, f"d{n}", "T", heading, "text", f"/kb/d{n}.md") for n, heading in enumerate(["In the United States", "Anywhere", "In the UK", "Canada"])}
    ranked = [(0, 0.9), (1, 0.8), (2, 0.7), (3, 0.6)]
    named = {n: named_in(chunks[n].heading, []) for n in chunks}.__getitem__

    assert places_last(ranked, frozenset({"canada"}), named) == [(1, 0.8), (3, 0.6), (0, 0.9), (2, 0.7)]
    assert places_last(ranked, frozenset(), named) == ranked


@pytest.fixture(scope="module")
def minilm():
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256)


@pytest.mark.parametrize("method", ["dense", "hybrid"])
def test_delivery_to_canada_finds_the_international_times_first(tmp_path: Path, minilm, method: str) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    for name, text in [("delivery-options", US_SPEEDS), ("delivery-times", US_TIMES), ("international-shipping", INTERNATIONAL)]:
        (kb / f"{name}.md").write_text(text)
    ingest([kb], minilm, tmp_path / "index")
    retriever = Retriever(minilm, tmp_path / "index", method=method)

    found = retriever.search("how long does delivery to canada take?", k=2)

    assert found[0].chunk.doc_id.startswith("international-shipping")
    # a question naming no country is ranked as before: the US speeds are the closest to "delivery"
    assert retriever.search("how long does standard delivery take?", k=1)[0].chunk.doc_id != "international-shipping"


def test_a_unit_about_other_countries_is_about_any() -> None:
    from assistant.lm.extractive import ANYWHERE, answer_units, unit_places

    phone = "- **US and Canada (toll-free)**: 1-800-555-0142\n- **From other countries**: +1-212-555-0187\n\nThe lines are open on weekdays."
    units = answer_units(phone, 1)
    named = unit_places(units, ["Phone support > Numbers to call"])

    assert named[0] == {"us", "canada"} and ANYWHERE in named[1]
    assert ANYWHERE not in named[2]  # a sentence naming none is about the countries its passage names, not any
