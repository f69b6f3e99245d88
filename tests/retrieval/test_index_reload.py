"""A running retriever follows index changes on disk, and keeps answering while a writer swaps one in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.embedders import HashEmbedder
from retrieval.index import IndexLoadError
from retrieval.ingest import ingest
from retrieval.retriever import Retriever


def test_a_question_asked_while_the_index_folder_is_being_swapped_is_answered_from_the_loaded_index(
    kb_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    retriever = Retriever(HashEmbedder(), index_dir)
    assert retriever.search("gift wrapping", k=1)
    # a save moves the old folder aside before it renames the new one in
    os.replace(index_dir, tmp_path / ".index.old-1")

    [best] = retriever.search("How much does gift wrapping cost?", k=1)

    assert best.chunk.doc_id == "faq#do-you-offer-gift-wrapping"


def test_an_index_that_cannot_be_loaded_keeps_the_previous_one_until_a_good_one_is_saved(
    kb_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    retriever = Retriever(HashEmbedder(), index_dir)
    assert retriever.search("loyalty points expire", k=1)[0].chunk.doc_id != "loyalty"
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
    ingest([kb_dir], HashEmbedder(), index_dir)
    with (index_dir / "chunks.jsonl").open("a") as handle:  # read half-way through a change: checksums differ
        handle.write("\n")
    (index_dir / "manifest.json").write_text((index_dir / "manifest.json").read_text())

    assert retriever.search("When do loyalty points expire?", k=1)[0].chunk.doc_id != "loyalty"

    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 24 months.\n")
    ingest([kb_dir], HashEmbedder(), index_dir, rebuild=True)
    [best] = retriever.search("When do loyalty points expire?", k=1)
    assert best.chunk.doc_id == "loyalty" and "24 months" in best.chunk.text


def test_without_a_loaded_index_a_missing_or_broken_one_is_still_an_error(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with pytest.raises(IndexLoadError, match="No search index"):
        Retriever(HashEmbedder(), index_dir).search("gift wrapping")
    ingest([kb_dir], HashEmbedder(), index_dir)
    (index_dir / "vectors.faiss").write_bytes(b"broken")

    with pytest.raises(IndexLoadError, match="checksum"):
        Retriever(HashEmbedder(), index_dir).search("gift wrapping")


def test_an_index_copied_in_manifest_first_is_loaded_once_its_last_file_lands(kb_dir: Path, tmp_path: Path) -> None:
    """An operator copies a new index into a running server's folder (``cp``, ``rsync``: file by file, the
    manifest before the vectors); a question asked half-way keeps the old index, and one asked after the copy
    gets the new one (before, the server kept the old index until the manifest changed again)."""
    built, served = tmp_path / "built", tmp_path / "served"
    ingest([kb_dir], HashEmbedder(), built)
    ingest([kb_dir], HashEmbedder(), served)
    retriever = Retriever(HashEmbedder(), served)
    assert retriever.search("When do loyalty points expire?", k=1)[0].chunk.doc_id != "loyalty"
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
    ingest([kb_dir], HashEmbedder(), built)
    names = sorted(path.name for path in built.iterdir())  # the order cp and rsync write them in
    assert names.index("manifest.json") < names.index("vectors.faiss")

    for name in names[: names.index("manifest.json") + 1]:
        (served / name).write_bytes((built / name).read_bytes())
    assert retriever.search("When do loyalty points expire?", k=1)[0].chunk.doc_id != "loyalty"  # half copied
    for name in names[names.index("manifest.json") + 1 :]:
        (served / name).write_bytes((built / name).read_bytes())

    [best] = retriever.search("When do loyalty points expire?", k=1)
    assert best.chunk.doc_id == "loyalty" and "18 months" in best.chunk.text
