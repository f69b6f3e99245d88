"""Fill the turn embedder's cache with the sentences extractive answers pick from, before the first question.

An extractive answer embeds each unit of its passages with the heading path in front
(``extractive.unit_texts``), which for most units is exactly the text ingest embedded for the
chunk's sentence vectors (``retrieval.sentences.chunk_sentence_texts``). Those vectors are read back
from the index, which costs no model call. The units the index has no vector for (FAQ answers,
one-sentence chunks, a short sentence kept with the next) are embedded now only up to ``EMBED_AT_START``
texts (a few seconds on two cores; all of a help centre of a few hundred articles); beyond that each is
embedded when an answer first reads it (one batch of a few texts). A server start used to embed every
unit of the knowledge base anew: on a help centre of 22,643 chunks, 24,838 texts, minutes before the
server answered (docs/retrieval.md, "Large knowledge bases").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assistant.lm.extractive import answer_units, unit_texts
from retrieval.documents import Chunk
from retrieval.embedders import CachedEmbedder
from retrieval.index import VectorIndex
from retrieval.sentences import chunk_sentence_texts, sentence_ids


EMBED_AT_START = 2_000  # units without a vector in the index embedded by the warm-up; the rest on first use


@dataclass(frozen=True)
class WarmUp:
    """How many answer units a warm-up found in the index and how many it embedded."""

    units: int
    reused: int
    embedded: int


def answer_unit_texts(chunks: Iterable[Chunk]) -> list[str]:
    """The distinct texts extractive answers embed for these chunks' units, in index order."""
    return list(dict.fromkeys(text for chunk in chunks for text in unit_texts(answer_units(chunk.text, 1), [chunk.heading])))


def stored_sentence_vectors(index: VectorIndex, wanted: set[str]) -> dict[str, np.ndarray]:
    """Text -> the sentence vector the index holds for it, for the texts in ``wanted``. A chunk whose
    sentences now split into another number than it has vectors for (indexed under an older rule) is passed
    over: its vectors may belong to other texts."""
    texts: list[str] = []
    ids: list[np.ndarray] = []
    for chunk_id, count in index.sentence_counts.items():
        group = chunk_sentence_texts(index.chunks[chunk_id])
        if len(group) != count:
            continue
        rows = [row for row, text in enumerate(group) if text in wanted]
        if rows:
            texts += [group[row] for row in rows]
            ids.append(sentence_ids(chunk_id, count)[rows])
    if not texts:
        return {}
    vectors = index.sentences.reconstruct_batch(np.concatenate(ids))
    return dict(zip(texts, vectors))


def warm_answer_units(index: VectorIndex, embedder: CachedEmbedder, embed_limit: int = EMBED_AT_START) -> WarmUp:
    """Put the vectors of the answer units of ``index`` in ``embedder``'s cache: the index's own sentence
    vectors where it has them, and of the rest the first ``embed_limit`` embedded (no more than the cache
    has room for)."""
    texts = answer_unit_texts(index.chunks.values())
    stored = stored_sentence_vectors(index, set(texts))
    reused = [text for text in texts if text in stored]
    embedder.remember(reused, [stored[text] for text in reused])
    room = max(0, min(embed_limit, embedder.max_entries - len(reused)))
    rest = [text for text in texts if text not in stored][:room]
    if rest:
        embedder.embed(rest)
    return WarmUp(units=len(texts), reused=len(reused), embedded=len(rest))
