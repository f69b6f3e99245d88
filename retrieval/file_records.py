"""Which files an ingest need not parse again: those whose bytes are what the index last read.

The index keeps, per file, the sha256 of its bytes and the documents it gave (``VectorIndex.files``,
saved as ``files.json``). An ingest hashes every file (0.1 s for 4,580 files, 21 MB) and parses only
those whose hash, reading rules or documents differ from that record; an unchanged file's documents
are taken from the index as ``IndexedDocument``. The rule is the content, not the modification time:
an edit is seen even when the file's time was kept (a copy, a restore, a checkout). A file is recorded
only when everything it gave is indexed and nothing of it was skipped or noted (such files, like
duplicates and FAQ files with repeated questions, are parsed on every ingest, so their notes are said
again and a duplicate is indexed once its original is gone).

The same records tell a server that starts watching its folders (``kb_watch_s``) whether they changed while
it was down (``changed_since_ingest``): a file whose bytes are those recorded needs no ingest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from retrieval.loaders import FAQ_SUFFIXES, SUPPORTED_SUFFIXES, bytes_sha256
from retrieval.synonyms import SYNONYMS_FILE, read_rules

# Bump when a loader gives other documents (text, title, link, tags, language) for the same bytes:
# every file is then parsed again on the next ingest.
READING_RULES = "4"  # 2: JSON FAQ entries whose question or answer is not text are left out; 3: an FAQ file's own title, HTML tables as tables and page chrome left out; 4: FAQ entry ids keep accented Latin letters without their accents


@dataclass(frozen=True)
class IndexedDocument:
    """A document of a file unchanged since the last ingest, as the index records it (the file is not parsed)."""

    doc_id: str
    content_hash: str
    source: str
    kind: str  # "article" or "faq", as a Document's


def reading_signature(faq_columns: tuple[str, str]) -> str:
    """What a file's documents depend on besides its bytes and id: the loaders' rules and the FAQ columns."""
    return f"rules={READING_RULES},faq_columns={'|'.join(faq_columns)}"


def file_kind(path: Path) -> str:
    return "faq" if path.suffix.lower() in FAQ_SUFFIXES else "article"


def recorded_file_ids(documents: Mapping[str, dict]) -> dict[str, str]:
    """Each file the index's ``documents`` come from (resolved path) -> the id they were given under it
    (``faq`` of ``faq#gift-wrap``): what ``loaders.file_id`` keeps, so a file's ids do not change with its neighbours."""
    return {
        str(info["source"]): doc_id.split("#")[0] for doc_id, info in documents.items() if info.get("source")
    }


def reuser(
    files: dict[str, dict], documents: dict[str, dict], reading: str, expected: Callable[[IndexedDocument], str]
) -> Callable[[Path, str, str], list[IndexedDocument] | None]:
    """The ``reuse`` hook of ``loaders.load_paths`` for an index's ``files`` and ``documents`` records:
    a file's indexed documents when its sha256 and ``reading`` signature are those recorded, its id is the
    one it was indexed under, and every one of its documents is indexed from it with the chunking
    signature ``expected(document)`` (else None: the file is parsed)."""

    def reuse(path: Path, doc_id: str, digest: str) -> list[IndexedDocument] | None:
        source = str(path.resolve())
        record = files.get(source)
        if not record or record.get("sha256") != digest or record.get("reading") != reading:
            return None
        kind = file_kind(path)
        found = []
        for indexed_id in record.get("documents") or []:
            info = documents.get(indexed_id)
            same_id = indexed_id == doc_id if kind == "article" else indexed_id.startswith(doc_id + "#")
            if not same_id or not info or info.get("source") != source:
                return None
            document = IndexedDocument(indexed_id, info["hash"], source, kind)
            if info.get("chunking") != expected(document):
                return None
            found.append(document)
        return found or None

    return reuse


def record_files(
    files: dict[str, dict], documents: dict[str, dict], loaded: Iterable[object], digests: dict[str, str], reading: str,
) -> dict[str, dict]:
    """The file records after an ingest: each file reused (``IndexedDocument``) or parsed cleanly (its sha256
    in ``digests``) whose documents (``loaded``, in order) are all indexed from it; records of files this
    ingest did not reach are kept while their documents are still indexed from them."""
    given: dict[str, list] = {}
    for document in loaded:
        given.setdefault(document.source, []).append(document)
    kept = {source: record for source, record in files.items() if source not in given}
    for source, group in given.items():
        reused = all(isinstance(document, IndexedDocument) for document in group)
        digest = files[source]["sha256"] if reused and source in files else digests.get(source)
        if digest is not None:
            kept[source] = {"sha256": digest, "reading": reading, "documents": [document.doc_id for document in group]}
    return {
        source: record for source, record in kept.items()
        if all(documents.get(doc_id, {}).get("source") == source for doc_id in record["documents"])
    }


def changed_since_ingest(
    files: dict[str, dict], documents: dict[str, dict], reading: str, found: Mapping[str, Iterable[str]],
    synonyms: list[list] | None = None,
) -> list[str]:
    """The files that an ingest of the roots in ``found`` (root -> the files under it now, as ``retrieval.watch``
    snapshots them) would read anew or take out: each of a supported type not recorded with its sha256 now and
    ``reading`` (new, edited, or one parsed on every ingest because it had notes), and each recorded, or the
    source of an indexed document, under a root that is no longer there. With ``synonyms`` (the index's rules), a
    root's ``synonyms.txt``, which is no article and has no record, is a change only when its rules differ from them.
    Empty: the index holds the files as they are."""
    present = {str(Path(name).resolve()) for names in found.values() for name in names}
    folders = [Path(root) for root in found if Path(root).is_dir()]
    synonym_files = {str((folder / SYNONYMS_FILE).resolve()) for folder in folders} if synonyms is not None else set()
    changed = []
    for source in sorted(present - synonym_files):
        record = files.get(source)
        if Path(source).suffix.lower() not in SUPPORTED_SUFFIXES:
            continue  # skipped by every ingest, unread
        if not record or record.get("reading") != reading or bytes_sha256(Path(source)) != record.get("sha256"):
            changed.append(source)
    if synonyms is not None and [rule.as_list() for rule in read_rules(folders)[0]] != [[list(terms), to] for terms, to in synonyms]:
        changed += sorted(synonym_files & present) or sorted(synonym_files)[:1]  # edited, added, or deleted
    roots = [Path(root).resolve() for root in found]
    known = set(files) | {str(info.get("source")) for info in documents.values() if info.get("source")}
    return changed + sorted(
        source for source in known - present
        if any(Path(source) == root or root in Path(source).parents for root in roots)
    )
