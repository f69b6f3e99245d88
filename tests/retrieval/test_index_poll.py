"""An idle retriever (``assistant serve``'s) loads a new index by itself, without a question to notice it, and
keeps the loaded one, with one warning, when the folder holds a broken index."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest
from retrieval.retriever import Retriever
from waiting import wait_for


def reloads(caplog: pytest.LogCaptureFixture) -> int:
    return sum("reloaded the index" in record.getMessage() for record in caplog.records)


def kept_warnings(caplog: pytest.LogCaptureFixture) -> int:
    return sum("kept the loaded index" in record.getMessage() for record in caplog.records)


@pytest.fixture
def polling(kb_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Retriever]:
    """A server's retriever over an index of ``kb_dir``, loaded and then left idle; closed at the end."""
    caplog.set_level(logging.INFO, logger="retrieval.retriever")
    ingest([kb_dir], HashEmbedder(), tmp_path / "index")
    retriever = Retriever(HashEmbedder(), tmp_path / "index", background_reload=True)
    retriever.poll_interval = 0.05  # as `assistant serve` sets background_reload: after construction
    assert retriever.search("How much is express shipping?", k=1)[0].chunk.doc_id == "shipping/shipping-costs"
    yield retriever
    getattr(retriever, "close", lambda: None)()


def test_an_idle_retriever_swaps_in_a_reingested_index_before_any_question(
    polling: Retriever, kb_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before, a new index was noticed only by the next question (or /healthz), which was answered from the old
    one: a deleted article was still cited by the first customer after a quiet re-ingest."""
    (kb_dir / "shipping" / "shipping-costs.md").unlink()
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
    ingest([kb_dir], HashEmbedder(), tmp_path / "index")

    wait_for(lambda: reloads(caplog) == 1, "the new index swapped in with no question asked")  # nothing asked meanwhile

    assert polling.search("When do loyalty points expire?", k=1)[0].chunk.doc_id == "loyalty"
    assert all(p.chunk.doc_id != "shipping/shipping-costs" for p in polling.search("How much is express shipping?", k=5))
    assert reloads(caplog) == 1  # the questions found it loaded: no second reload


def swap_in(built: Path, index_dir: Path) -> None:
    """Put the index folder ``built`` in place of ``index_dir`` (two renames, as a save makes them)."""
    index_dir.rename(index_dir.with_name(f".{index_dir.name}.old-{time.monotonic_ns()}"))
    built.rename(index_dir)


def test_a_broken_index_keeps_the_loaded_one_with_one_warning_until_a_good_one_lands(
    polling: Retriever, kb_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index_dir, staged = tmp_path / "index", tmp_path / "staged"
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
    ingest([kb_dir], HashEmbedder(), index_dir)
    wait_for(lambda: reloads(caplog) == 1, "the first new index swapped in")
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 24 months.\n")
    ingest([kb_dir], HashEmbedder(), staged)
    with (staged / "chunks.jsonl").open("a") as handle:  # a copy that went wrong: the checksums differ
        handle.write("\n")
    swap_in(staged, index_dir)

    wait_for(lambda: kept_warnings(caplog) == 1, "the broken index tried and refused")
    polls = polling._poller.polls
    wait_for(lambda: polling._poller.polls >= polls + 5, "five more polls")

    assert kept_warnings(caplog) == 1  # refused once, not at every poll
    assert "18 months" in polling.search("When do loyalty points expire?", k=1)[0].chunk.text
    assert polling._poller.running

    ingest([kb_dir], HashEmbedder(), staged)  # a good index again
    swap_in(staged, index_dir)
    wait_for(lambda: reloads(caplog) == 2, "the repaired index swapped in")
    assert "24 months" in polling.search("When do loyalty points expire?", k=1)[0].chunk.text
    assert kept_warnings(caplog) == 1


def test_close_stops_the_polling_thread(polling: Retriever) -> None:
    # this retriever's own threads: other tests' servers may still have theirs (the whole suite runs in one process)
    before = {thread.ident for thread in threading.enumerate() if thread.name == "index-poll"}
    thread = polling._poller._thread
    assert thread.is_alive() and thread.ident in before

    polling.close()

    assert not thread.is_alive()
    polling.search("How much is express shipping?", k=1)  # still answers; no thread started again
    assert not [t for t in threading.enumerate() if t.name == "index-poll" and t.is_alive() and t.ident not in before]


def test_without_a_poll_interval_no_thread_is_started(kb_dir: Path, tmp_path: Path) -> None:
    ingest([kb_dir], HashEmbedder(), tmp_path / "index")
    before = {thread.ident for thread in threading.enumerate()}
    retriever = Retriever(HashEmbedder(), tmp_path / "index", background_reload=True)

    retriever.search("How much is express shipping?", k=1)

    assert not [t for t in threading.enumerate() if t.ident not in before and t.name == "index-poll"]
