"""A running retriever follows index changes on disk, and keeps answering while a writer swaps one in."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

import retrieval.retriever as retriever_module
from retrieval.embedders import HashEmbedder
from retrieval.index import IndexLoadError
from retrieval.ingest import ingest
from retrieval.keyword import KeywordIndex
from retrieval.retriever import Retriever
from retrieval.spelling import Speller


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


def test_a_background_reload_builds_the_keyword_index_and_spelling_words_before_the_swap(
    kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``assistant serve``: the first question after a re-ingest waited for the new index to load and for its
    keyword index and spelling words to be built (about 3 s on a large help centre). The reload builds them
    in its own thread, and questions are answered from the index before until the new one is ready."""
    release = threading.Event()
    built: list[str] = []

    class HeldKeywordIndex(KeywordIndex):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if threading.current_thread() is not threading.main_thread():
                release.wait(60)  # the reload is held here while questions are asked
            super().__init__(*args, **kwargs)
            built.append(f"keyword in {threading.current_thread().name}")

    class CountedSpeller(Speller):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            built.append(f"speller in {threading.current_thread().name}")

    monkeypatch.setattr(retriever_module, "KeywordIndex", HeldKeywordIndex)
    monkeypatch.setattr(retriever_module, "Speller", CountedSpeller)
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    retriever = Retriever(HashEmbedder(), index_dir, method="hybrid")
    retriever.background_reload = True
    retriever.keyword_index(), retriever.speller()  # as the server's warm-up does
    old = retriever.index
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
    ingest([kb_dir], HashEmbedder(), index_dir)

    while_loading = retriever.search("When do loyalty points expire?", k=1)[0].chunk.doc_id
    assert retriever.index is old and while_loading != "loyalty"  # the index before keeps answering
    release.set()
    retriever.wait_for_reload()
    swapped = retriever.index
    ready = list(built)
    [best] = retriever.search("When do loyalty points expire?", k=1)
    retriever.corrected("how do I get loyalty pionts")

    assert swapped is not old and best.chunk.doc_id == "loyalty"
    assert ready == [
        "keyword in MainThread", "speller in MainThread", "keyword in index-reload", "speller in index-reload"
    ]
    assert built == ready  # the first question after the swap built nothing


def test_a_background_reload_that_fails_keeps_the_index_before(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    retriever = Retriever(HashEmbedder(), index_dir, background_reload=True)
    old = retriever.index
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
    ingest([kb_dir], HashEmbedder(), index_dir)
    (index_dir / "vectors.faiss").write_bytes(b"broken")

    retriever.index
    retriever.wait_for_reload()

    assert retriever.index is old and retriever.search("When do loyalty points expire?", k=1)[0].chunk.doc_id != "loyalty"
