"""Bring an index in step with documents on disk: embed only what changed, drop what is gone.

A document is re-embedded when its content hash or the chunk settings it was chunked with differ
from the index's record, so a change of ``max_tokens``/``overlap_tokens`` re-embeds each document on
its next ingest. Duplicates (identical title and text under two ids) are embedded once: the first in
load order (sorted paths) is indexed, each later copy is reported in ``duplicates`` and left out, so
a search does not return the same passage twice. An FAQ entry's vector is the mean of its
question-and-answer vector and its question's vector (``chunking.with_question_vectors``); FAQ
documents indexed before that rule (their chunking signature lacks ``faq_vector``) are re-embedded
on the next ingest. Article chunks of two or more sentences also get one vector per sentence
(``retrieval.sentences``); articles indexed without them (signature lacking ``sentence_vectors``)
are re-embedded on the next ingest, and ``sentence_vectors=False`` leaves them out. A file that was indexed before and is now
unreadable keeps its previous version in the index (reported in ``kept``) instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.chunking import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP_TOKENS, chunk_document, question_text, with_question_vectors
from retrieval.documents import Chunk
from retrieval.embedders import Embedder
from retrieval.index import VectorIndex
from retrieval.loaders import FAQ_COLUMNS, load_paths
from retrieval.sentences import chunk_sentence_texts


@dataclass
class IngestReport:
    """Counts of what an ingest did, and the files it skipped with reasons."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (doc id, doc id it duplicates)
    kept: list[str] = field(default_factory=list)  # indexed before; file now skipped, old version kept
    empty_folders: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    total_documents: int = 0
    total_chunks: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def open_or_create(index_dir: Path, embedder: Embedder, rebuild: bool = False, **index_options) -> VectorIndex:
    """The saved index, or a new empty one when there is none or a rebuild is asked for.

    ``index_options`` (index_type, ann_threshold, ...) choose the approximate index saved with it.
    """
    if not rebuild and (Path(index_dir) / "manifest.json").exists():
        return VectorIndex.load(index_dir, embedder.name, embedder.fingerprint, **index_options)
    return VectorIndex(embedder.dimension, embedder.name, embedder.fingerprint, **index_options)


def _under(source: str, roots: list[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)


def chunking_settings(embedder: Embedder, max_tokens: int, overlap_tokens: int) -> dict[str, object]:
    """What the chunks of an index depend on besides the text; recorded in the manifest."""
    return {"max_tokens": max_tokens, "overlap_tokens": overlap_tokens, "tokenizer": embedder.name}


FAQ_VECTOR_SIGNATURE = ",faq_vector=mean(entry,question)"  # appended to an FAQ document's chunking signature
SENTENCE_VECTOR_SIGNATURE = ",sentence_vectors=heading+sentence,ids=step"  # appended to an article's signature when it has them


def document_signature(base: str, kind: str, sentence_vectors: bool) -> str:
    """What a document's chunks and vectors depend on besides its text (a change re-embeds it)."""
    if kind == "faq":
        return base + FAQ_VECTOR_SIGNATURE
    return base + (SENTENCE_VECTOR_SIGNATURE if sentence_vectors else "")


def embed_chunks(
    embedder: Embedder, chunks: list[Chunk], show_progress: bool = False, sentence_vectors: bool = False
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Vectors of ``chunks`` and, with ``sentence_vectors``, of their sentences, in one embedder call.

    Returns (chunk vectors (n, d), chunk id -> (m, d) sentence vectors); FAQ entries are mixed with
    their question's vector.
    """
    questions = [(row, text) for row, chunk in enumerate(chunks) if (text := question_text(chunk))]
    sentences = [chunk_sentence_texts(c) if sentence_vectors else [] for c in chunks]
    texts = [c.embedding_text for c in chunks] + [text for _, text in questions] + [t for group in sentences for t in group]
    vectors = embedder.embed(texts, show_progress=show_progress)
    start = len(chunks) + len(questions)
    chunk_vectors = with_question_vectors(vectors[: len(chunks)], vectors[len(chunks) : start], [row for row, _ in questions])
    by_chunk: dict[int, np.ndarray] = {}
    for chunk, group in zip(chunks, sentences):
        if group:
            by_chunk[chunk.chunk_id] = vectors[start : start + len(group)]
            start += len(group)
    return chunk_vectors, by_chunk


def ingest(
    paths: Iterable[Path],
    embedder: Embedder,
    index_dir: Path,
    rebuild: bool = False,
    show_progress: bool = False,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
    faq_columns: tuple[str, str] = FAQ_COLUMNS,
    sentence_vectors: bool = True,
    **index_options,
) -> IngestReport:
    """Load ``paths``, re-embed new or changed documents, remove documents deleted from these folders.

    Chunks hold at most ``max_tokens`` tokens of the embedder's tokenizer, overlapping by
    ``overlap_tokens``. Nothing is written when nothing changed; otherwise the index is saved atomically.
    ``faq_columns`` names the question and answer columns of FAQ files; ``index_options`` (index_type,
    ann_threshold) pick the approximate index built and saved with the exact one. ``sentence_vectors``
    stores a vector per sentence of article chunks (``retrieval.sentences``).
    """
    roots = [Path(p).resolve() for p in paths]
    loaded = load_paths(roots, show_progress=show_progress, faq_columns=faq_columns)
    report = IngestReport(skipped=loaded.skipped, empty_folders=loaded.empty_folders)
    index = open_or_create(index_dir, embedder, rebuild=rebuild, **index_options)
    settings = chunking_settings(embedder, max_tokens, overlap_tokens)
    signature = ",".join(f"{key}={value}" for key, value in settings.items())
    seen: set[str] = set()
    first_of_hash: dict[str, str] = {}
    to_embed = []
    for document in loaded.documents:
        original = first_of_hash.setdefault(document.content_hash, document.doc_id)
        if original != document.doc_id:
            report.duplicates.append((document.doc_id, original))
            continue  # not in ``seen``: an indexed copy is removed below
        seen.add(document.doc_id)
        known = index.documents.get(document.doc_id)
        expected = document_signature(signature, document.kind, sentence_vectors)
        if known and known["hash"] == document.content_hash and known.get("chunking") == expected:
            report.unchanged.append(document.doc_id)
            continue
        (report.updated if known else report.added).append(document.doc_id)
        index.remove(index.chunk_ids_of(document.doc_id))
        to_embed.extend(chunk_document(document, max_tokens, overlap_tokens, embedder.count_tokens))
        index.documents[document.doc_id] = {"hash": document.content_hash, "source": document.source, "chunking": expected}
    unreadable = {str(Path(path).resolve()) for path, _ in loaded.skipped}
    for doc_id, info in list(index.documents.items()):
        if doc_id in seen or not _under(info["source"], [r for r in roots if r.is_dir()]):
            continue
        if info["source"] in unreadable:
            report.kept.append(doc_id)
            continue
        index.remove(index.chunk_ids_of(doc_id))
        del index.documents[doc_id]
        report.removed.append(doc_id)
    if to_embed:
        index.add(to_embed, *embed_chunks(embedder, to_embed, show_progress, sentence_vectors))
        report.chunks_embedded = len(to_embed)
    index.chunking = settings
    if report.changed or rebuild or not (Path(index_dir) / "manifest.json").exists():
        index.save(index_dir)
    report.total_documents = len(index.documents)
    report.total_chunks = len(index)
    return report


class UnknownDocuments(ValueError):
    """Document ids asked for that the index does not hold."""


def remove_documents(index_dir: Path, embedder: Embedder, doc_ids: Iterable[str]) -> tuple[list[str], int]:
    """Remove documents from the saved index and save it atomically; returns (removed ids, chunks removed).

    An FAQ file's id removes all its entries (``faq`` removes ``faq#...``). Any unknown id raises
    UnknownDocuments and nothing changes.
    """
    index = VectorIndex.load(index_dir, embedder.name, embedder.fingerprint)
    chosen: list[str] = []
    unknown: list[str] = []
    for doc_id in doc_ids:
        matches = [d for d in index.documents if d == doc_id or d.startswith(f"{doc_id}#")]
        if not matches:
            unknown.append(doc_id)
        chosen.extend(m for m in matches if m not in chosen)
    if unknown:
        raise UnknownDocuments(f"not in the index: {', '.join(unknown)}. Nothing was removed.")
    chunks = 0
    for doc_id in chosen:
        chunks += index.remove(index.chunk_ids_of(doc_id))
        del index.documents[doc_id]
    index.save(index_dir)
    return chosen, chunks
