"""Review finding 7: a reranker re-sorted the first ``rerank_top`` candidates by its own scores, which ``places_last``
never changed, so a passage about other countries only went back above the one for the country asked about
("how long does delivery to canada take?" -> *Delivery speeds in the United States* first again). The demo has no
reranker; ``rerank="auto"`` uses one wherever one has been trained."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest
from retrieval.reranker import blend_scores
from retrieval.retriever import Retriever, SearchOptions

US_SPEEDS = """# Delivery options

## Delivery speeds in the United States

Delivery times are counted in business days from the day your order ships. Standard delivery takes 3-5 business days.
"""
INTERNATIONAL = """# International shipping

## Delivery times to Canada and the United Kingdom

International Standard delivery takes 7-14 business days and International Express 3-5 business days.
"""
RETURNS = """# Returns

## Return window

You can return most items within 30 days of delivery.
"""


class _FavoursTheUnitedStates:
    """A reranker that puts the passage about the United States first whatever the question."""

    blend = 1.0

    def score_pairs(self, pairs: Sequence[tuple[str, str]], show_progress: bool = False) -> list[float]:
        return [1.0 if "United States" in passage and "Canada" not in passage else 0.5 if "Canada" in passage else 0.0 for _, passage in pairs]

    def combine(self, reranked: list[tuple[int, float]], first_stage: list[tuple[int, float]]) -> list[tuple[int, float]]:
        return blend_scores(reranked, first_stage, self.blend)


def test_a_reranker_does_not_put_other_countries_first_again(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    for name, text in [("delivery-options", US_SPEEDS), ("international-shipping", INTERNATIONAL), ("returns", RETURNS)]:
        (kb / f"{name}.md").write_text(text)
    ingest([kb], HashEmbedder(), tmp_path / "index")
    retriever = Retriever(HashEmbedder(), tmp_path / "index", method="hybrid", options=SearchOptions(rerank_top=10), reranker=_FavoursTheUnitedStates())

    found = [p.chunk.doc_id for p in retriever.search("how long does delivery to canada take?", k=3)]

    assert found[0].startswith("international-shipping")
    assert found[-1].startswith("delivery-options")  # about the United States only: after the others, as without a reranker
    # a question naming no country keeps the reranker's order
    assert retriever.search("how long does standard delivery take?", k=1)[0].chunk.doc_id.startswith("delivery-options")
