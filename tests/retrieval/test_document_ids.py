"""Document ids follow the recorded roots: a file or subfolder of an ingested folder keeps its ids and
tags, another folder cannot silently take an id, moved folders and switched links leave nothing stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import write_files
from retrieval.embedders import HashEmbedder
from retrieval.index import VectorIndex
from retrieval.ingest import ingest, prune_documents
from retrieval.sources import infer_legacy_roots

REFUNDS_A = "# Refunds\n\n- PayPal: 3-5 business days\n"
REFUNDS_B = "# Refunds\n\nBrand B refunds take 14 days.\n"


def load(index_dir: Path) -> VectorIndex:
    return VectorIndex.load(index_dir, "hash", "hash-256")


def tags_of(index: VectorIndex, doc_id: str) -> set[tuple[str, ...]]:
    return {tuple(c.metadata.get("tags", ())) for c in index.chunks.values() if c.doc_id == doc_id}


def test_a_file_of_an_ingested_folder_keeps_its_id_and_tags(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    article = kb_dir / "shipping" / "shipping-costs.md"
    article.write_text(article.read_text().replace("$4.95", "$5.95"))

    report = ingest([article], HashEmbedder(), index_dir)

    assert report.updated == ["shipping/shipping-costs"] and not report.added and not report.removed
    index = load(index_dir)
    assert "shipping-costs" not in index.documents and len(index.documents) == 5
    assert any("$5.95" in c.text for c in index.chunks.values() if c.doc_id == "shipping/shipping-costs")
    assert tags_of(index, "shipping/shipping-costs") == {("shipping",)}
    assert index.sources == [str(kb_dir)]  # the file is part of the folder, not a root of its own


def test_a_subfolder_keeps_its_ids_and_removes_only_its_own_deleted_files(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    write_files(kb_dir, {"shipping/express.md": "# Express\n\nExpress is fast.\n"})
    (kb_dir / "returns" / "return-policy.md").unlink()  # outside the subfolder: left for a whole ingest

    report = ingest([kb_dir / "shipping"], HashEmbedder(), index_dir)

    assert report.added == ["shipping/express"] and report.unchanged == ["shipping/shipping-costs"] and not report.removed
    assert tags_of(load(index_dir), "shipping/express") == {("shipping",)}
    (kb_dir / "shipping" / "express.md").unlink()
    assert ingest([kb_dir / "shipping"], HashEmbedder(), index_dir).removed == ["shipping/express"]


def test_another_folder_cannot_overwrite_ids_it_shares(tmp_path: Path) -> None:
    kb_a = write_files(tmp_path / "kbA", {"billing/refunds.md": REFUNDS_A})
    kb_b = write_files(tmp_path / "kbB", {"billing/refunds.md": REFUNDS_B, "billing/gift-cards.md": "# Gift cards\n\nNever expire.\n"})
    index_dir = tmp_path / "index"
    ingest([kb_a], HashEmbedder(), index_dir)

    report = ingest([kb_b], HashEmbedder(), index_dir)

    assert report.conflicts == [("billing/refunds", str(kb_b / "billing/refunds.md"), str(kb_a))]
    assert report.added == ["billing/gift-cards"]
    index = load(index_dir)
    assert index.documents["billing/refunds"]["source"] == str(kb_a / "billing/refunds.md")
    assert index.sources == [str(kb_a), str(kb_b)]
    assert ingest([kb_a, kb_b], HashEmbedder(), index_dir).chunks_embedded == 0  # re-index: stable, nothing flips


def test_replace_lets_a_copy_take_the_place_of_the_original(tmp_path: Path) -> None:
    kb_a = write_files(tmp_path / "kbA", {"billing/refunds.md": REFUNDS_A, "old.md": "# Old\n\nOld page.\n"})
    kb_b = write_files(tmp_path / "kbB", {"billing/refunds.md": REFUNDS_B})
    index_dir = tmp_path / "index"
    ingest([kb_a], HashEmbedder(), index_dir)

    report = ingest([kb_b], HashEmbedder(), index_dir, replace=True)

    assert report.replaced_roots == [str(kb_a)] and report.updated == ["billing/refunds"] and report.removed == ["old"]
    assert load(index_dir).sources == [str(kb_b)]


def test_two_sites_in_one_folder_get_distinct_ids_and_tags(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    write_files(sites, {"brand-a/refunds.md": REFUNDS_A, "brand-b/refunds.md": REFUNDS_B})
    index_dir = tmp_path / "index"
    ingest([sites / "brand-a"], HashEmbedder(), index_dir)

    report = ingest([sites], HashEmbedder(), index_dir)  # the folder that holds an ingested folder takes it over

    assert sorted(report.added) == ["brand-a/refunds", "brand-b/refunds"] and report.removed == ["refunds"]
    index = load(index_dir)
    assert index.sources == [str(sites)] and tags_of(index, "brand-b/refunds") == {("brand-b",)}


def test_a_moved_folder_takes_over_without_re_embedding_and_then_removes_deleted_files(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    moved = kb_dir.rename(tmp_path / "kb-moved")

    report = ingest([moved], HashEmbedder(), index_dir)

    assert report.replaced_roots == [str(kb_dir)] and report.chunks_embedded == 0 and len(report.unchanged) == 5
    index = load(index_dir)
    assert index.sources == [str(moved)]
    assert {Path(c.source).parent.parent for c in index.chunks.values() if c.doc_id == "accounts/reset-password"} == {moved}
    (moved / "accounts" / "reset-password.md").unlink()
    assert ingest([moved], HashEmbedder(), index_dir).removed == ["accounts/reset-password"]


def test_a_switched_current_link_and_a_deleted_symlinked_file_leave_nothing_stale(tmp_path: Path) -> None:
    releases = write_files(tmp_path / "rel", {"v1/policy.md": "# Policy\n\nOld policy.\n", "v2/terms.md": "# Terms\n\nNew terms.\n"})
    outside = write_files(tmp_path / "outside", {"ext.md": "# External\n\nLinked in.\n"})
    current = tmp_path / "current"
    current.symlink_to(releases / "v1")
    (releases / "v1" / "ext.md").symlink_to(outside / "ext.md")
    index_dir = tmp_path / "index"
    assert sorted(ingest([current], HashEmbedder(), index_dir).added) == ["ext", "policy"]

    (releases / "v1" / "ext.md").unlink()
    assert ingest([current], HashEmbedder(), index_dir).removed == ["ext"]
    current.unlink()
    current.symlink_to(releases / "v2")
    report = ingest([current], HashEmbedder(), index_dir)

    assert report.added == ["terms"] and report.removed == ["policy"]
    assert load(index_dir).sources == [str(current)]


def test_prune_removes_documents_of_a_deleted_folder(kb_dir: Path, tmp_path: Path) -> None:
    other = write_files(tmp_path / "other", {"note.md": "# Note\n\nA note.\n"})
    index_dir = tmp_path / "index"
    ingest([kb_dir, other], HashEmbedder(), index_dir)
    shutil.rmtree(other)

    assert ingest([other], HashEmbedder(), index_dir).removed == []  # a missing path removes nothing
    removal = prune_documents(index_dir, HashEmbedder())

    assert removal.doc_ids == ["note"] and removal.roots_forgotten == [str(other)]
    assert load(index_dir).sources == [str(kb_dir)] and len(load(index_dir).documents) == 5


def test_an_index_saved_before_roots_were_recorded_is_adopted_without_re_embedding(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    index = load(index_dir)
    index.sources = None
    index.documents = {d: {k: v for k, v in info.items() if k != "root"} for d, info in index.documents.items()}
    index.save(index_dir)
    assert "root" not in json.loads((index_dir / "documents.json").read_text())["faq#do-you-offer-gift-wrapping"]

    report = ingest([kb_dir], HashEmbedder(), index_dir)

    assert report.chunks_embedded == 0 and len(report.unchanged) == 5 and not report.relocated
    index = load(index_dir)
    assert index.sources == [str(kb_dir)] and {info["root"] for info in index.documents.values()} == {str(kb_dir)}


def test_legacy_roots_are_inferred_only_where_the_path_proves_them() -> None:
    documents = {
        "billing/refunds": {"source": "/kb/billing/refunds.md"},
        "faq#x": {"source": "/kb/faq.csv"},
        "alone": {"source": "/downloads/alone.md"},
        "linked": {"source": "/outside/target.md"},  # a symlinked file: its path does not end with its id
    }

    assert infer_legacy_roots(documents) == ["/downloads/alone.md", "/kb"]
    assert documents["faq#x"]["root"] == "/kb" and "root" not in documents["linked"]



def make_legacy(index_dir: Path) -> None:
    """Rewrite the index as a version that recorded no sources or roots saved it."""
    index = load(index_dir)
    index.sources = None
    index.documents = {d: {k: v for k, v in info.items() if k != "root"} for d, info in index.documents.items()}
    index.save(index_dir)


def test_an_older_index_built_through_a_switched_link_follows_the_link(tmp_path: Path) -> None:
    releases = write_files(tmp_path / "releases", {
        "v1/policy.md": "# Policy\n\nOld policy text.\n", "v1/billing/refunds.md": "# Refunds\n\nOld.\n",
        "v2/policy.md": "# Policy\n\nNew policy text.\n", "v2/billing/refunds.md": "# Refunds\n\nNew.\n",
    })
    current = tmp_path / "current"
    current.symlink_to(releases / "v1")
    index_dir = tmp_path / "index"
    ingest([current], HashEmbedder(), index_dir)  # the old version recorded the files resolved: releases/v1
    make_legacy(index_dir)
    current.unlink()
    current.symlink_to(releases / "v2")

    report = ingest([current], HashEmbedder(), index_dir)

    assert not report.conflicts and sorted(report.updated) == ["billing/refunds", "policy"]
    assert report.replaced_roots == [str(releases / "v1")]
    index = load(index_dir)
    assert index.sources == [str(current)] and index.guessed_sources == []
    assert {info["root"] for info in index.documents.values()} == {str(current)}


def test_an_older_index_through_an_unswitched_link_records_the_link(tmp_path: Path) -> None:
    releases = write_files(tmp_path / "releases", {
        "v1/policy.md": "# Policy\n\nOld.\n", "v1/billing/refunds.md": "# Refunds\n\nSame.\n",
        "v2/policy.md": "# Policy\n\nNew.\n", "v2/billing/refunds.md": "# Refunds\n\nSame.\n",
    })
    current = tmp_path / "current"
    current.symlink_to(releases / "v1")
    index_dir = tmp_path / "index"
    ingest([current], HashEmbedder(), index_dir)
    make_legacy(index_dir)

    first = ingest([current], HashEmbedder(), index_dir)
    assert first.chunks_embedded == 0 and load(index_dir).sources == [str(current)]
    current.unlink()
    current.symlink_to(releases / "v2")

    assert ingest([current], HashEmbedder(), index_dir).updated == ["policy"]


def test_a_guessed_source_is_kept_as_guessed_until_another_path_takes_it(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    make_legacy(index_dir)
    ingest([kb_dir], HashEmbedder(), index_dir)
    assert load(index_dir).guessed_sources == [str(kb_dir)]
    copy = tmp_path / "kb-copy"
    shutil.copytree(kb_dir, copy)

    report = ingest([copy], HashEmbedder(), index_dir)  # no --replace needed: kb_dir was only guessed

    assert not report.conflicts and report.replaced_roots == [str(kb_dir)]
    assert load(index_dir).sources == [str(copy)] and load(index_dir).guessed_sources == []
    copy2 = tmp_path / "kb-copy2"
    shutil.copytree(kb_dir, copy2)
    assert ingest([copy2], HashEmbedder(), index_dir).conflicts  # a recorded source is not taken silently


def test_an_older_index_of_a_flat_folder_is_adopted_as_that_folder(tmp_path: Path) -> None:
    kb = write_files(tmp_path / "kb", {"a.md": "# A\n\nalpha.\n", "b.md": "# B\n\nbeta.\n"})
    index_dir = tmp_path / "index"
    ingest([kb], HashEmbedder(), index_dir)
    make_legacy(index_dir)
    index = load(index_dir)
    documents = {d: dict(info) for d, info in index.documents.items()}
    assert infer_legacy_roots(documents) == [str(kb)]
    write_files(kb, {"c.md": "# C\n\ngamma.\n"})
    (kb / "a.md").unlink()

    report = ingest([kb / "b.md"], HashEmbedder(), index_dir)  # any ingest records the folder guessed
    assert load(index_dir).sources == [str(kb)]
    report = ingest([kb], HashEmbedder(), index_dir)

    assert report.added == ["c"] and report.removed == ["a"]


def test_a_lone_file_is_its_folder_only_when_the_folder_holds_nothing_else(tmp_path: Path) -> None:
    only = write_files(tmp_path / "only", {"a.md": "# A\n"})
    shared = write_files(tmp_path / "shared", {"a.md": "# A\n", "notes.txt": "private\n"})
    documents = {"a": {"source": str(only / "a.md")}}
    assert infer_legacy_roots(documents) == [str(only)]
    documents = {"a": {"source": str(shared / "a.md")}}
    assert infer_legacy_roots(documents) == [str(shared / "a.md")]
