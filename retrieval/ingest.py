"""Bring an index in step with documents on disk: embed only what changed, drop what is gone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.chunking import chunk_document
from retrieval.embedders import Embedder
from retrieval.index import VectorIndex
from retrieval.loaders import load_paths


@dataclass
class IngestReport:
    """Counts of what an ingest did, and the files it skipped with reasons."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0
    total_documents: int = 0
    total_chunks: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def open_or_create(index_dir: Path, embedder: Embedder, rebuild: bool = False) -> VectorIndex:
    """The saved index, or a new empty one when there is none or a rebuild is asked for."""
    if not rebuild and (Path(index_dir) / "manifest.json").exists():
        return VectorIndex.load(index_dir, embedder.name, embedder.fingerprint)
    return VectorIndex(embedder.dimension, embedder.name, embedder.fingerprint)


def _under(source: str, roots: list[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)


def ingest(
    paths: Iterable[Path],
    embedder: Embedder,
    index_dir: Path,
    rebuild: bool = False,
    show_progress: bool = False,
) -> IngestReport:
    """Load ``paths``, re-embed new or changed documents, remove documents deleted from these folders.

    Nothing is written when nothing changed; otherwise the index is saved atomically.
    """
    roots = [Path(p).resolve() for p in paths]
    loaded = load_paths(roots)
    report = IngestReport(skipped=loaded.skipped)
    index = open_or_create(index_dir, embedder, rebuild=rebuild)
    seen: set[str] = set()
    to_embed = []
    for document in loaded.documents:
        seen.add(document.doc_id)
        known = index.documents.get(document.doc_id)
        if known and known["hash"] == document.content_hash:
            report.unchanged.append(document.doc_id)
            continue
        (report.updated if known else report.added).append(document.doc_id)
        index.remove(index.chunk_ids_of(document.doc_id))
        to_embed.extend(chunk_document(document))
        index.documents[document.doc_id] = {"hash": document.content_hash, "source": document.source}
    for doc_id, info in list(index.documents.items()):
        if doc_id not in seen and _under(info["source"], [r for r in roots if r.is_dir()]):
            index.remove(index.chunk_ids_of(doc_id))
            del index.documents[doc_id]
            report.removed.append(doc_id)
    if to_embed:
        vectors = embedder.embed([c.embedding_text for c in to_embed], show_progress=show_progress)
        index.add(to_embed, vectors)
        report.chunks_embedded = len(to_embed)
    if report.changed or rebuild or not (Path(index_dir) / "manifest.json").exists():
        index.save(index_dir)
    report.total_documents = len(index.documents)
    report.total_chunks = len(index)
    return report
