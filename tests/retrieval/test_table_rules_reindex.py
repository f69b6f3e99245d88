"""An index made before the table rules (rows as sentence units that name their columns, the header again in each
later chunk of a table) re-embeds the articles with a table once, on the next ingest, and no other document."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import retrieval.sentences as sentences
from retrieval.embedders import HashEmbedder
from retrieval.index import VectorIndex
from retrieval.ingest import ingest
from retrieval.sentences import chunk_sentence_texts
from test_ingest import CountingEmbedder

FILES = {
    "prices.md": "# Prices\n\nRent a bike by the day.\n\n| Bike | Day |\n| --- | --- |\n| E-bike | 35 euros |\n| Cargo bike | 50 euros |\n",
    "returns.md": "# Returns\n\nBikes go back to the shop you rented them from. Late returns cost 10 euros a day.\n",
    "faq.csv": "question,answer\nDo you rent helmets?,Yes. A helmet is free with every bike.\n",
}


def units_before_the_table_rules(text: str, passage: int, *args, **kwargs) -> list[sentences.Unit]:
    """Sentence units as they were before the table rules: every line as written, the ``| --- |`` line too."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [sentences.Unit(passage, position, line) for position, line in enumerate(lines)]


def vectors(index: VectorIndex, doc_id: str) -> list[np.ndarray]:
    """The vectors of each chunk of ``doc_id``: its own, then its sentences' (if it has them)."""
    found = []
    for chunk_id in index.chunk_ids_of(doc_id):
        of_sentences = index.sentence_vectors_of(chunk_id)
        found.append(np.vstack([index.vector_of(chunk_id), *([] if of_sentences is None else [of_sentences])]))
    return found


@pytest.fixture
def index_before_the_table_rules(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    kb = tmp_path / "kb"
    kb.mkdir()
    for name, text in FILES.items():
        (kb / name).write_text(text)
    monkeypatch.setattr(sentences, "split_units", units_before_the_table_rules)
    ingest([kb], HashEmbedder(), tmp_path / "index")
    monkeypatch.undo()
    index = VectorIndex.load(tmp_path / "index", "hash", "hash-256")
    for info in index.documents.values():  # as the version before recorded them: no table rules in any signature
        info["chunking"] = info["chunking"].split(",tables=")[0]
    index.save(tmp_path / "index")
    return kb, tmp_path / "index"


def test_one_ingest_gives_an_older_index_the_table_sentence_vectors_and_re_embeds_nothing_else(index_before_the_table_rules) -> None:
    kb, index_dir = index_before_the_table_rules
    before = VectorIndex.load(index_dir, "hash", "hash-256")
    embedder = CountingEmbedder()

    report = ingest([kb], embedder, index_dir)

    assert report.updated == ["prices"] and sorted(report.unchanged) == ["faq#do-you-rent-helmets", "returns"]
    assert report.chunks_embedded == 1 and all(text.startswith("Prices") for text in embedder.texts)
    index = VectorIndex.load(index_dir, "hash", "hash-256")
    [chunk_id] = index.chunk_ids_of("prices")
    texts = chunk_sentence_texts(index.chunks[chunk_id])
    assert texts == ["Prices\nRent a bike by the day.", "Prices\nBike: E-bike, Day: 35 euros", "Prices\nBike: Cargo bike, Day: 50 euros"]
    assert np.allclose(index.sentence_vectors_of(chunk_id), HashEmbedder().embed(texts), atol=1e-6)
    for doc_id in ("returns", "faq#do-you-rent-helmets"):  # untouched: the vectors made under the older rules stay
        assert all(np.array_equal(a, b) for a, b in zip(vectors(index, doc_id), vectors(before, doc_id), strict=True))


def test_after_that_ingest_the_file_with_a_table_is_neither_re_embedded_nor_parsed_again(index_before_the_table_rules) -> None:
    kb, index_dir = index_before_the_table_rules
    ingest([kb], HashEmbedder(), index_dir)
    embedder = CountingEmbedder()

    report = ingest([kb], embedder, index_dir)

    assert not report.changed and report.chunks_embedded == 0 and embedder.texts == []
    assert report.files_parsed == 0
