"""Which ingested file or folder (its *root*) each document belongs to, and so what its id is.

The rules (docs/retrieval.md, "Document ids"):

- Each path given to ``assistant ingest`` is recorded as a root, as given (made absolute, symlinks
  kept), and every document records its root. Re-indexing ingests exactly the recorded roots.
- A document's id is its path relative to its root, without the suffix; a file given on its own is
  its own root, and its id is its name. An FAQ file beside a file of the same name keeps its suffix
  (``faq.csv`` and ``faq.json``: ``loaders.file_id``).
- A file or folder inside a recorded root belongs to that root: it keeps the ids and folder tags a
  whole-root ingest gives, and ingesting it updates only those documents.
- A folder that holds recorded roots takes them over (their documents get ids relative to it).
- An id already held by a document of another root that still exists is not taken: the new document
  is reported as a conflict. When that other root no longer exists (moved or renamed), was only
  guessed for an index saved before roots were recorded, or with ``replace``, the new root takes its
  place and the old root's other documents are removed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from retrieval.loaders import file_id


@dataclass(frozen=True)
class IngestTarget:
    """One path to load: the root it belongs to and the ids it covers."""

    path: Path  # the path to load, spelled under its root
    root: str  # the recorded root (absolute path)
    base: Path | None  # the folder ids are relative to (None: the path itself, or a file's folder)
    prefix: str  # a folder's id prefix ("" for a whole root), or a file's id
    is_file: bool

    def covers(self, doc_id: str) -> bool:
        """Whether a document of this target's root comes from this path (so is gone if not loaded)."""
        file_id = doc_id.split("#")[0]
        if self.is_file:
            return file_id == self.prefix
        return not self.prefix or file_id.startswith(self.prefix + "/")


def absolute(path: Path | str) -> Path:
    """``path`` made absolute without resolving symlinks (a ``current`` link stays ``current``)."""
    return Path(os.path.abspath(path))


def relative_within(path: Path, root: Path) -> PurePosixPath | None:
    """``path`` relative to ``root`` (as written, else with symlinks resolved), or None if outside."""
    for inner, outer in ((path, root), (Path(os.path.realpath(path)), Path(os.path.realpath(root)))):
        try:
            return PurePosixPath(inner.relative_to(outer).as_posix())
        except ValueError:
            continue
    return None


def plan_targets(
    paths: list[Path], roots: list[str], guessed: set[str] | frozenset[str] = frozenset(), recorded: Mapping[str, str] | None = None,
) -> tuple[list[IngestTarget], set[str]]:
    """The targets for ``paths`` given the recorded ``roots``, and the recorded roots nested in a new
    folder root (which that folder takes over). ``recorded`` (file -> its indexed id) keeps a file's id
    as it was given (``loaders.file_id``).

    A ``guessed`` root (inferred for an older index, which recorded files resolved) that a folder given
    reaches only through a symlink (``current`` -> the guessed ``releases/v1``) is taken over by that
    folder, so the link, not the release it pointed to, is recorded."""
    targets: list[IngestTarget] = []
    nested: set[str] = set()
    for given in paths:
        path = absolute(given)
        owner = next((r for r in sorted(roots, key=len, reverse=True) if relative_within(path, Path(r)) is not None), None)
        if (
            owner in guessed and path.is_dir() and str(path) != owner and not path.is_relative_to(owner)
            and os.path.realpath(path) == os.path.realpath(owner)
        ):
            owner = None
        if owner is not None and Path(owner).is_dir():
            relative = relative_within(path, Path(owner))
            inside = Path(owner) / relative
            is_file = not inside.is_dir()
            prefix = file_id(relative, inside, recorded) if is_file else str(relative)
            target = IngestTarget(inside, owner, Path(owner), "" if prefix == "." else prefix, is_file)
        elif owner is not None:  # a recorded single file, given again
            target = IngestTarget(Path(owner), owner, None, file_id(Path(Path(owner).name), Path(owner), recorded), True)
        else:
            target = IngestTarget(path, str(path), None, "" if path.is_dir() else file_id(Path(path.name), path, recorded), not path.is_dir())
            if path.is_dir():
                nested |= {r for r in roots if r != str(path) and relative_within(Path(r), path) is not None}
        if target not in targets:
            targets.append(target)
    return targets, nested


def infer_legacy_roots(documents: dict[str, dict[str, Any]]) -> list[str]:
    """Give documents of an index saved before roots were recorded the root they most likely came from.

    A document's root is its file's path minus its id's folders, when the path really ends with its id
    (not so for a symlinked file); a top-level file belongs to its folder when a document with a
    folder in its id shows that folder was ingested, or two or more top-level files come from it, or
    it is all the folder holds; otherwise it is its own root. Inferred roots are provisional (the
    index records them as ``guessed_sources``): the first ingest of another path holding their ids
    takes them over. Documents whose root
    cannot be told get none, and are never taken as a whole folder. Returns the roots found.
    """
    candidates: dict[str, str] = {}
    folders: set[str] = set()
    for doc_id, info in documents.items():
        if info.get("root"):
            continue
        file_id = PurePosixPath(doc_id.split("#")[0])
        source = Path(info["source"])
        if len(source.parents) < len(file_id.parts):
            continue
        folder = source.parents[len(file_id.parts) - 1]
        if folder / (str(file_id) + source.suffix) != source:
            continue
        candidates[doc_id] = str(folder)
        if len(file_id.parts) > 1:
            folders.add(str(folder))
    # a folder of top-level files only (the usual flat knowledge base) was ingested as a folder when it
    # gave two or more files, or its one file is all it holds
    top_level: dict[str, set[str]] = {}
    for doc_id, folder in candidates.items():
        if "/" not in doc_id.split("#")[0]:
            top_level.setdefault(folder, set()).add(documents[doc_id]["source"])
    for folder, files in top_level.items():
        if len(files) >= 2 or _holds_only(Path(folder), next(iter(files))):
            folders.add(folder)
    for doc_id, folder in candidates.items():
        documents[doc_id]["root"] = folder if folder in folders else documents[doc_id]["source"]
    return sorted({info["root"] for info in documents.values() if info.get("root")})


def _holds_only(folder: Path, source: str) -> bool:
    """Whether ``folder`` exists and holds nothing visible but the file ``source``."""
    try:
        entries = [name for name in os.listdir(folder) if not name.startswith(".")]
    except OSError:
        return False
    return entries == [Path(source).name]


def recorded_roots(
    documents: dict[str, dict[str, Any]], sources: list[str] | None, guessed_sources: list[str]
) -> tuple[list[str], set[str]]:
    """The roots an index records, and those of them that are only guessed (provisional).

    For an index saved before roots were recorded (``sources`` None) every root is inferred from its
    documents, which then record theirs, and every one is guessed.
    """
    if sources is None:
        roots = infer_legacy_roots(documents)
        return roots, set(roots)
    return list(sources), set(guessed_sources) & set(sources)
