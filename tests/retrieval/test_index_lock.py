"""Writers in several processes never lose each other's changes or corrupt the index; saves go through
a symlinked index folder."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from conftest import write_files
from index_writers import ingest_and_remove, ingest_folder, ingest_with_short_wait
from retrieval.embedders import HashEmbedder
from retrieval.errors import IndexWriteError
from retrieval.index import VectorIndex
from retrieval.index_lock import index_lock
from retrieval.ingest import ingest

SPAWN = multiprocessing.get_context("spawn")  # fresh interpreters: real, independent processes


def folders(tmp_path: Path, count: int, files: int = 4) -> list[Path]:
    return [
        write_files(tmp_path / f"kb{n}", {f"kb{n}/doc{i}.md": f"# Doc {n}-{i}\n\nFact number {n}-{i}.\n" for i in range(files)})
        for n in range(count)
    ]


def run_all(processes: list[multiprocessing.Process]) -> None:
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0


def test_concurrent_ingests_of_different_folders_keep_every_document(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    kbs = folders(tmp_path, 4)

    run_all([SPAWN.Process(target=ingest_folder, args=(str(kb), str(index_dir))) for kb in kbs])

    index = VectorIndex.load(index_dir, "hash", "hash-256")
    assert len(index.documents) == 16 and index.sources == sorted(str(kb) for kb in kbs)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".index.") and p.name != ".index.lock"]


def test_concurrent_ingests_and_removals_leave_a_loadable_consistent_index(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    kbs = folders(tmp_path, 3)

    run_all([SPAWN.Process(target=ingest_and_remove, args=(str(kb), str(index_dir), 3)) for kb in kbs])

    index = VectorIndex.load(index_dir, "hash", "hash-256")  # checksums match: nothing half-written
    assert len(index) == index.faiss.ntotal == len(index.documents) == 9  # each folder: 4 ingested, then 1 removed


def test_a_writer_waits_for_the_lock_and_says_so(tmp_path: Path) -> None:
    [kb] = folders(tmp_path, 1)
    index_dir = tmp_path / "index"
    outcome = SPAWN.Queue()
    with index_lock(index_dir):  # held here, as by an ingest in another process
        waiting = SPAWN.Process(target=ingest_with_short_wait, args=(str(kb), str(index_dir), outcome))
        run_all([waiting])
    status, messages = outcome.get(timeout=10)

    assert status == "busy" and "waiting for it to finish" in messages[0] and "Try again" in messages[1]
    assert not (index_dir / "manifest.json").exists()  # it changed nothing
    assert ingest([kb], HashEmbedder(), index_dir).added  # free again once released


def test_leftover_staging_folders_of_a_killed_save_are_cleaned_up(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    (tmp_path / ".index.new").mkdir()  # as the previous version left it
    (tmp_path / ".index.new-123-abc").mkdir()
    (tmp_path / ".index.new-123-abc" / "vectors.faiss").write_bytes(b"half")

    ingest([kb_dir], HashEmbedder(), index_dir)

    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index")) == [".index.lock"]


def test_an_index_folder_that_is_a_symlink_is_written_through(kb_dir: Path, tmp_path: Path) -> None:
    real = tmp_path / "otherdisk" / "idx"
    link = tmp_path / "idxlink"
    link.symlink_to(real, target_is_directory=True)
    ingest([kb_dir], HashEmbedder(), link)
    article = kb_dir / "shipping" / "shipping-costs.md"

    for price in ("$5.95", "$6.95"):  # the second save crashed before (rmtree on a link)
        article.write_text(article.read_text().replace("$4.95", price).replace("$5.95", price))
        assert ingest([kb_dir], HashEmbedder(), link).updated == ["shipping/shipping-costs"]

    assert link.is_symlink() and link.resolve() == real
    assert any("$6.95" in c.text for c in VectorIndex.load(real, "hash", "hash-256").chunks.values())
    assert sorted(p.name for p in real.parent.iterdir()) == [".idx.lock", "idx"]



def test_a_save_whose_swap_fails_half_way_puts_the_previous_index_back(kb_dir: Path, tmp_path: Path, monkeypatch) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    index = VectorIndex.load(index_dir, "hash", "hash-256")
    real_replace = os.replace

    def replace_then_fail(source, target):  # moves the old index aside, then fails to put the new one in
        if Path(source).name.startswith(".index.new-"):
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_then_fail)
    with pytest.raises(IndexWriteError, match="disk full"):
        index.save(index_dir)
    monkeypatch.undo()

    assert len(VectorIndex.load(index_dir, "hash", "hash-256").documents) == 5
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index")) == [".index.lock"]


def test_a_save_killed_between_its_renames_gets_the_previous_index_back(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    documents = len(VectorIndex.load(index_dir, "hash", "hash-256").documents)
    os.replace(index_dir, tmp_path / ".index.old-123-abc")  # the first rename done, the process killed
    VectorIndex.load(tmp_path / ".index.old-123-abc", "hash", "hash-256").save(tmp_path / "staging")
    os.replace(tmp_path / "staging", tmp_path / ".index.new-123-abc")
    other = write_files(tmp_path / "other", {"note.md": "# Note\n\nA note.\n"})

    ingest([other], HashEmbedder(), index_dir)

    assert len(VectorIndex.load(index_dir, "hash", "hash-256").documents) == documents + 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index")) == [".index.lock"]
