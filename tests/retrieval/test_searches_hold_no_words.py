"""What the retriever remembers of a search (its passages, the question's vector in a caching embedder) is kept by a
digest of the question, not by its text: a server holds no customer's question in memory after the turn, so an
erasure (`assistant logs delete`) leaves none behind there. Remembered searches still serve the same question."""

from __future__ import annotations

import gc
import uuid
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedders import CachedEmbedder, HashEmbedder
from retrieval.ingest import ingest
from retrieval.retriever import Retriever


class QueryHashEmbedder(HashEmbedder):
    """The fake embedder with ``embed_queries`` (as E5 has), counting the texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:  # noqa: ANN001 - as HashEmbedder.embed
        self.embedded += len(texts)
        return super().embed(texts, show_progress)

    def embed_queries(self, texts, show_progress: bool = False) -> np.ndarray:  # noqa: ANN001
        return self.embed(texts, show_progress)


@pytest.fixture
def index_dir(kb_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), folder)
    return folder


def items_of(mapping: dict) -> list[tuple[object, object]]:
    """A copy of ``mapping``'s items, taken again if another thread (a server's poller, left by an earlier test) changed
    it meanwhile ("dictionary changed size during iteration")."""
    for _ in range(100):
        try:
            return list(mapping.items())
        except RuntimeError:
            continue
    return list(mapping.copy().items())


def holders_of(words: str) -> list[object]:
    """The objects in memory that hold a string with ``words`` in it, looking into the tuples they hold (a tuple of
    strings only, such as a cache's key, is not tracked by the garbage collector itself, nor is a dict of them)."""
    gc.collect()

    def holds(part: object, depth: int = 0) -> bool:
        if isinstance(part, str):
            return words in part
        # a dict of strings only is not tracked by the collector either; a plain dict only: a mapping of another kind
        # (transformers' lazy auto mappings) may import or load things when read
        if type(part) is dict and depth < 4:
            return any(holds(key, depth + 1) or holds(value, depth + 1) for key, value in items_of(part))
        return isinstance(part, tuple) and depth < 4 and any(holds(inner, depth + 1) for inner in part)

    running = {"frame", "code", "cell", "function"}  # the test's own, which hold the question while it runs
    return [holder for holder in gc.get_objects()
            if type(holder).__name__ not in running and any(holds(part) for part in gc.get_referents(holder))]


def ask(retriever: Retriever, marker: str) -> list[int]:
    """Search a customer's question holding ``marker``, as a turn does (several k); the chunks found."""
    question = f"my name is Zelda {marker}, where is my parcel refund?"
    found = [retriever.search(question, k=k) for k in (3, 5, 1)]
    return [passage.chunk.chunk_id for passage in found[0]]


@pytest.mark.parametrize("cached", [False, True], ids=["embedder", "caching-embedder"])
def test_remembered_searches_keep_no_question_text(index_dir: Path, cached: bool) -> None:
    inner = QueryHashEmbedder()
    retriever = Retriever(CachedEmbedder(inner) if cached else inner, index_dir, method="hybrid")
    marker = uuid.uuid4().hex[:12]
    first = ask(retriever, marker)
    embedded = inner.embedded
    assert ask(retriever, marker) == first  # remembered: the same passages, nothing embedded again
    assert inner.embedded == embedded
    assert holders_of(f"Zelda {marker}, where is my parcel") == []


def test_a_caching_embedder_keeps_no_text_and_still_knows_it(index_dir: Path) -> None:
    inner = QueryHashEmbedder()
    embedder = CachedEmbedder(inner)
    marker = uuid.uuid4().hex[:12]
    vectors = embedder.embed_queries([f"call me on {marker} please"])
    again = embedder.embed_queries([f"call me on {marker} please"])
    passage = embedder.embed([f"call me on {marker} please"])
    assert inner.embedded == 2  # the question once, the same text as a passage once
    assert np.array_equal(vectors, again) and passage.shape == vectors.shape
    assert holders_of(f"on {marker} please") == []


def test_the_spelling_memory_keeps_no_customer_word() -> None:
    # the speller remembered the correction of every unindexed word by the word itself (up to 10,000): a
    # customer's surname stayed in memory after the turn, and after an erasure
    from retrieval.spelling import Speller

    speller = Speller(["Where is my parcel? Refunds take five days."], languages=["en"])
    surname = "".join(chr(ord("k") + int(c, 16)) for c in uuid.uuid4().hex[:10])  # letters only, as a name is
    asked = f"my name is Ann {surname.capitalize()}, where is my parcle?"

    assert speller.correct(asked) == f"my name is Ann {surname.capitalize()}, where is my parcel?"
    assert speller.correct(asked) == f"my name is Ann {surname.capitalize()}, where is my parcel?"  # remembered
    assert holders_of(surname) == []
