"""A server's warm-up for extractive answers reads the index's sentence vectors instead of embedding the
knowledge base again (on a large help centre that took longer than the ingest)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.lm.extractive_warmup import answer_unit_texts, warm_answer_units
from conftest import HASH_MIN_SCORE, write_files
from retrieval.embedders import CachedEmbedder, HashEmbedder
from retrieval.index import VectorIndex
from retrieval.ingest import ingest
from retrieval.sentences import chunk_sentence_texts


class CountingEmbedder(HashEmbedder):
    """The hash embedder, recording every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        self.embedded += list(texts)
        return super().embed(texts, show_progress)


ARTICLE = """# Returns

## Return window

You can return most items within 45 days of delivery. Refunds reach your card within five working days.

## Exchanges

An exchange ships when the returned item arrives. Exchanges within the same country are free.
"""
FAQ = """question,answer
Do you offer gift wrapping?,Yes. Gift wrapping costs $3.99 per item.
"""


def test_warm_up_embeds_only_the_answer_sentences_the_index_has_no_vector_for(isolated: Path, tmp_path: Path) -> None:
    kb_dir = write_files(tmp_path / "kb", {"returns.md": ARTICLE, "faq.csv": FAQ})
    settings = load_settings(embedder="hash", generator="scripted", answer_mode="extractive", min_retrieval_score=HASH_MIN_SCORE)
    app = Assistant(settings)
    app.embedder = counting = CountingEmbedder()
    ingest([kb_dir], counting, settings.index_dir)
    chunks = app.retriever.index.chunks.values()
    indexed = {text for chunk in chunks for text in chunk_sentence_texts(chunk)}
    units = answer_unit_texts(chunks)
    counting.embedded.clear()

    app.warm_up()

    assert set(units) & indexed  # the articles' sentences have vectors in the index ...
    assert not set(counting.embedded) & indexed  # ... which are not computed again
    assert set(counting.embedded) == set(units) - indexed  # the FAQ answers and one-sentence chunks are
    counting.embedded.clear()
    cached = app.turn_embedder.embed(units)  # the first answers find every unit in the cache
    assert counting.embedded == []
    np.testing.assert_allclose(cached, HashEmbedder().embed(units), atol=1e-6)


def test_a_large_knowledge_base_leaves_the_units_without_a_vector_to_the_first_answers(isolated: Path, tmp_path: Path) -> None:
    kb_dir = write_files(tmp_path / "kb", {"returns.md": ARTICLE, "faq.csv": FAQ})
    counting = CountingEmbedder()
    ingest([kb_dir], counting, tmp_path / "index")
    index = VectorIndex.load(tmp_path / "index", counting.name, counting.fingerprint)
    counting.embedded.clear()

    done = warm_answer_units(index, CachedEmbedder(counting), embed_limit=0)

    assert done.reused > 0 and done.embedded == 0 and done.units > done.reused
    assert counting.embedded == []  # a start-up that embeds nothing: the FAQ answer waits for its first question
