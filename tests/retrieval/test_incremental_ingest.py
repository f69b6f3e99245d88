"""An ingest of a large knowledge base where little changed: unchanged files are not parsed, nothing is
embedded or loaded that need not be, the approximate index is updated in place, and the result is the
index a full rebuild gives."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import retrieval.index as index_module
import retrieval.loaders as loaders
from conftest import write_files
from retrieval.embedders import HashEmbedder
from retrieval.index import VectorIndex
from retrieval.ingest import ingest

FAQ = "question,answer\nCan I pay by card?,Yes: Visa and Mastercard.\nDo you ship abroad?,To 30 countries.\n"


def article(number: int, extra: str = "") -> str:
    return f"# Topic {number}\n\nTopic {number} is about subject {number}.{extra} It has a second sentence about {number}.\n"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    files = {f"topics/{n:02d}.md": article(n) for n in range(40)}
    files["help/faq.csv"] = FAQ
    files["topics/copy-of-03.md"] = article(3)  # a duplicate (same folder, so same tags): indexed once, reported
    return write_files(tmp_path / "kb", files)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the loaders parse."""
    names: list[str] = []
    load_file = loaders.load_file

    def counted(path: Path, *args, **kwargs):
        names.append(path.name)
        return load_file(path, *args, **kwargs)

    monkeypatch.setattr(loaders, "load_file", counted)
    return names


@pytest.fixture
def ann_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many vectors each build of an approximate index held."""
    sizes: list[int] = []
    build = index_module.build_ann

    def counted(vectors: np.ndarray, ids: np.ndarray, kind: str, *args, **kwargs):
        sizes.append(len(vectors))
        return build(vectors, ids, kind, *args, **kwargs)

    monkeypatch.setattr(index_module, "build_ann", counted)
    return sizes


class NoModel(HashEmbedder):
    """An embedder whose model must not be needed: embedding or counting tokens fails the test."""

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:
        raise AssertionError(f"embedded {len(texts)} text(s)")

    def count_tokens(self, text: str) -> int:
        raise AssertionError("counted tokens: the tokenizer was loaded")


def change_one_add_one_delete_one(kb: Path) -> None:
    (kb / "topics/05.md").write_text(article(5, " Revised."), encoding="utf-8")
    (kb / "topics/new.md").write_text("# A new topic\n\nThe new topic says how to reset a router.\n", encoding="utf-8")
    (kb / "topics/07.md").unlink()


def snapshot(index_dir: Path, queries: list[str]) -> tuple:
    """What a search index holds and finds: chunks, documents, sentence vectors, search results."""
    index = VectorIndex.load(index_dir, "hash", HashEmbedder().fingerprint)
    embedder = HashEmbedder()
    chunks = {chunk_id: chunk.to_dict() for chunk_id, chunk in index.chunks.items()}
    vectors = {chunk_id: index.vector_of(chunk_id).round(6).tolist() for chunk_id in index.chunks}
    sentences = {chunk_id: index.sentence_vectors_of(chunk_id).round(6).tolist() for chunk_id in index.sentence_counts}
    documents = {doc_id: {key: value for key, value in info.items()} for doc_id, info in index.documents.items()}
    found = [  # every chunk, ranked; chunks of equal score in id order (the store's order differs)
        sorted((-round(score, 5), chunk.chunk_id) for chunk, score in index.search(embedder.embed([query])[0], 100, sentence_weight=0.3))
        for query in queries
    ]
    return chunks, vectors, sentences, documents, index.files, found


def test_an_unchanged_file_is_not_parsed_again(kb: Path, tmp_path: Path, parsed: list[str]) -> None:
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir)
    parsed.clear()
    change_one_add_one_delete_one(kb)

    report = ingest([kb], HashEmbedder(), index_dir)

    # the changed and the new file; the duplicate's file is parsed each time (so that it is indexed once its original goes)
    assert sorted(parsed) == ["05.md", "copy-of-03.md", "new.md"]
    assert (report.added, report.updated, report.removed) == (["topics/new"], ["topics/05"], ["topics/07"])
    assert report.duplicates == [("topics/copy-of-03", "topics/03")] and report.files_parsed == 3


def test_an_edit_is_seen_when_the_file_keeps_its_time_and_size(kb: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir)
    path = kb / "topics/12.md"
    status = path.stat()
    path.write_text(article(12).replace("subject 12", "subject 99"), encoding="utf-8")  # the same length
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # a copy or restore that keeps the time
    assert path.stat().st_size == status.st_size

    report = ingest([kb], HashEmbedder(), index_dir)

    assert report.updated == ["topics/12"]
    index = VectorIndex.load(index_dir, "hash", HashEmbedder().fingerprint)
    assert any("subject 99" in chunk.text for chunk in index.chunks.values())


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_incremental_ingest_gives_what_a_full_rebuild_gives(kb: Path, tmp_path: Path, index_type: str) -> None:
    options = {"index_type": index_type}
    ingest([kb], HashEmbedder(), tmp_path / "incremental", **options)
    change_one_add_one_delete_one(kb)
    (kb / "topics/03.md").unlink()  # the duplicate's original: the unchanged copy is indexed now
    (kb / "help/faq.csv").write_text(FAQ + "Is there a shop in Oslo?,Yes: Storgata 1.\n", encoding="utf-8")

    report = ingest([kb], HashEmbedder(), tmp_path / "incremental", **options)
    ingest([kb], HashEmbedder(), tmp_path / "full", **options)

    assert "topics/copy-of-03" in report.added and report.duplicates == []
    queries = ["reset a router", "subject 5 revised", "pay by card", "shop in Oslo", "topic 3", "subject 7"]
    assert snapshot(tmp_path / "incremental", queries) == snapshot(tmp_path / "full", queries)


def test_ingest_that_embeds_nothing_loads_no_model(kb: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir)
    (kb / "topics/07.md").unlink()
    (kb / "topics/08.md").touch()  # a newer time, the same bytes

    deleted = ingest([kb], NoModel(), index_dir)
    unchanged = ingest([kb], NoModel(), index_dir)

    assert deleted.removed == ["topics/07"] and deleted.updated == [] and deleted.chunks_embedded == 0
    assert unchanged.changed is False and unchanged.files_parsed == 1  # the duplicate's file only


def test_a_change_updates_the_approximate_index_in_place(kb: Path, tmp_path: Path, ann_builds: list[int]) -> None:
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir, index_type="hnsw")
    assert len(ann_builds) == 1
    change_one_add_one_delete_one(kb)

    ingest([kb], HashEmbedder(), index_dir, index_type="hnsw")

    assert len(ann_builds) == 1  # not rebuilt
    index = VectorIndex.load(index_dir, "hash", HashEmbedder().fingerprint)  # what was saved: the added and the removed
    found = [chunk.doc_id for chunk, _ in index.search(HashEmbedder().embed(["topic 7 is about subject 7"])[0], 50)]
    assert "topics/07" not in found and len(found) == len(index)
    assert index.search(HashEmbedder().embed(["the new topic says how to reset a router"])[0], 1)[0][0].doc_id == "topics/new"


def test_the_approximate_index_is_rebuilt_once_a_tenth_of_it_was_removed(kb: Path, tmp_path: Path, ann_builds: list[int]) -> None:
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir, index_type="hnsw")
    for number in range(3):
        (kb / f"topics/{number:02d}.md").unlink()
    ingest([kb], HashEmbedder(), index_dir, index_type="hnsw")
    assert len(ann_builds) == 1  # 3 of 42 chunks marked removed
    for number in range(3, 6):
        (kb / f"topics/{number:02d}.md").unlink()

    ingest([kb], HashEmbedder(), index_dir, index_type="hnsw")

    assert ann_builds[1:] == [42 - 6 + 1]  # 6 of 42 is over a tenth: rebuilt from what is left (the copy of 03 came in)


def test_files_with_notes_are_parsed_and_noted_each_time(tmp_path: Path, parsed: list[str]) -> None:
    faq = FAQ + "Can I pay by card?,Only in the shop.\n"  # a repeated question with another answer: a note
    kb = write_files(tmp_path / "kb", {"faq.csv": faq, "a.md": article(1)})
    index_dir = tmp_path / "index"
    first = ingest([kb], HashEmbedder(), index_dir)
    parsed.clear()

    again = ingest([kb], HashEmbedder(), index_dir)

    assert parsed == ["faq.csv"] and again.notes == first.notes != []


def test_other_faq_columns_parse_the_files_again(tmp_path: Path) -> None:
    kb = write_files(tmp_path / "kb", {"faq.csv": "Frage,Antwort,question,answer\nWo?,Hier.,Where?,Here.\n"})
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir)

    report = ingest([kb], HashEmbedder(), index_dir, faq_columns=("Frage", "Antwort"))

    assert report.added == ["faq#wo"] and report.removed == ["faq#where"]


def test_files_of_an_index_written_before_file_records_are_parsed_once(kb: Path, tmp_path: Path, parsed: list[str]) -> None:
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir)
    (index_dir / "files.json").unlink()
    manifest = json.loads((index_dir / "manifest.json").read_text())
    del manifest["checksums"]["files.json"]
    (index_dir / "manifest.json").write_text(json.dumps(manifest))
    parsed.clear()

    first = ingest([kb], HashEmbedder(), index_dir)
    parsed_first = len(parsed)
    parsed.clear()
    second = ingest([kb], HashEmbedder(), index_dir)

    assert parsed_first == 42 and first.changed is False and (index_dir / "files.json").is_file()
    assert parsed == ["copy-of-03.md"] and second.changed is False
