"""The knowledge-base tab: uploads are indexed and answerable, bad files are refused with the reason
(and never replace a good one), re-index covers exactly what was ingested, removal sticks."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr
import pytest

from assistant.app import Assistant
from conftest import write_files
from retrieval.index import VectorIndex
from retrieval.ingest import ingest
from ui.kb_admin import LISTED_ROWS, KnowledgeBaseAdmin, safe_filename

GIFT_CARDS = "# Gift cards\n\n## Expiry\n\nNorthwind gift cards never expire and can be used online only.\n"


@pytest.fixture
def admin(assistant: Assistant) -> KnowledgeBaseAdmin:
    settings = assistant.settings
    return KnowledgeBaseAdmin(
        assistant.retriever, assistant.embedder, settings.index_dir, settings.data_dir / "uploads",
        settings.chunk_max_tokens, settings.chunk_overlap_tokens,
    )


def upload_file(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def test_an_uploaded_document_is_indexed_and_answers_questions(assistant: Assistant, admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    outcome = admin.upload([upload_file(tmp_path, "gift cards.md", GIFT_CARDS)])

    assert outcome.startswith("1 added") and "the index holds 6 document(s)" in outcome
    summary, documents = admin.status()
    assert "6 document(s)" in summary and "gift_cards" in list(documents["Document"])
    row = documents[documents["Document"] == "accounts/reset-password"].iloc[0]
    assert (row["Language"], row["Tags"]) == ("en", "accounts")  # what search_filters select by
    result = assistant.manager.handle(None, "Do gift cards expire?")
    assert "never expire" in result.text and result.sources[0]["doc_id"] == "gift_cards"


def test_unsupported_and_broken_files_are_refused_with_the_reason(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    outcome = admin.upload(
        [upload_file(tmp_path, "setup.exe", b"MZ..."), upload_file(tmp_path, "manual.pdf", b"%PDF-1.4 broken")]
    )

    assert "refused setup.exe: supported types are" in outcome
    assert "skipped manual.pdf:" in outcome
    assert not list(admin.uploads_dir.iterdir())  # the broken file is not kept


def test_removing_an_uploaded_document_deletes_its_file(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    admin.upload([upload_file(tmp_path, "gift-cards.md", GIFT_CARDS)])

    message = admin.remove("gift-cards")

    assert message.startswith("Removed gift-cards")
    assert not (admin.uploads_dir / "gift-cards.md").exists()
    assert "gift-cards" not in admin.retriever.index.documents
    assert "gift-cards" not in admin.reindex()  # stays removed


def test_removing_a_folder_document_says_its_file_remains(admin: KnowledgeBaseAdmin) -> None:
    message = admin.remove("shipping/shipping-costs")

    assert "Its file" in message and "still there" in message
    with pytest.raises(gr.Error, match="shipping/shipping-costs"):
        admin.remove("shipping/shipping-costs")


def test_removing_one_faq_entry_says_to_edit_its_file_not_to_delete_it(admin: KnowledgeBaseAdmin, kb_dir: Path) -> None:
    """Deleting faq.csv, as "delete it too" said, would take the file's other entries out of the index too."""
    message = admin.remove("faq#do-you-offer-gift-wrapping")

    assert message.startswith("Removed faq#do-you-offer-gift-wrapping")
    assert f"Its file {(kb_dir / 'faq.csv').resolve()} is still there with other FAQ entries: edit the file to drop this entry" in message
    assert "delete it too" not in message
    assert "faq#how-long-can-a-gift-message-be" in admin.retriever.index.documents
    last = admin.remove("faq#how-long-can-a-gift-message-be")  # the file's last entry: the file can go
    assert "still there: delete it too" in last


def test_reindex_picks_up_edited_and_deleted_files(admin: KnowledgeBaseAdmin, kb_dir: Path) -> None:
    (kb_dir / "shipping" / "shipping-costs.md").write_text("# Shipping costs\n\nStandard shipping is now free.\n")
    (kb_dir / "returns" / "return-policy.md").unlink()

    outcome = admin.reindex()

    assert outcome.startswith("0 added, 1 updated, 1 removed")
    assert "returns/return-policy" not in admin.retriever.index.documents


def test_file_names() -> None:
    assert safe_filename("../../etc/pass wd.md") == "pass_wd.md"
    assert safe_filename("...") == "document"
    assert safe_filename("Rückgabe für Kunden.md") == "Rückgabe_für_Kunden.md"
    assert safe_filename("Ru\u0308ckgabe.md") == "Rückgabe.md"  # decomposed (macOS) spelling: one name
    assert safe_filename("日本語ガイド.md") == "日本語ガイド.md"


def test_reindex_covers_only_the_files_and_folders_ingested(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    downloads = write_files(tmp_path / "downloads", {
        "faq-extra.csv": "question,answer\nWhat is the return window?,Thirty days.\n",
        "private-notes.txt": "Salary review notes: PRIVATEMARK\n",
        "outside/external.md": "# External\n\nLinked article.\n",
        "outside/secret/inner.md": "# Inner\n\nNever ingested.\n",
    })
    (admin.index_dir.parent / "kb-link").mkdir()
    (admin.index_dir.parent / "kb-link" / "linked.md").symlink_to(downloads / "outside" / "external.md")
    ingest([downloads / "faq-extra.csv", admin.index_dir.parent / "kb-link"], admin.embedder, admin.index_dir)

    outcome = admin.reindex()

    assert outcome.startswith("0 added, 0 updated, 0 removed")
    documents = admin.retriever.index.documents
    assert "faq-extra#what-is-the-return-window" in documents and "linked" in documents
    assert not any("private" in d or "inner" in d or d == "external" for d in documents)


def test_reindex_of_an_index_saved_before_roots_were_recorded(admin: KnowledgeBaseAdmin, kb_dir: Path, tmp_path: Path) -> None:
    single = write_files(tmp_path / "downloads", {"extra.md": "# Extra\n\nAlone.\n", "private.md": "# Private\n\nNo.\n"})
    ingest([single / "extra.md"], admin.embedder, admin.index_dir)
    manifest_path = admin.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["sources"]  # as an older version wrote it
    manifest_path.write_text(json.dumps(manifest))
    documents_path = admin.index_dir / "documents.json"
    documents_path.write_text(json.dumps({d: {k: v for k, v in info.items() if k != "root"} for d, info in json.loads(documents_path.read_text()).items()}))
    manifest["checksums"]["documents.json"] = __import__("hashlib").sha256(documents_path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))

    outcome = admin.reindex()

    assert outcome.startswith("0 added, 0 updated, 0 removed, 6 unchanged")  # nothing re-embedded
    assert "private" not in admin.retriever.index.documents  # the single file's folder is not taken whole
    assert VectorIndex.load(admin.index_dir, "hash", "hash-256").sources == sorted([str(kb_dir), str(single / "extra.md")])


def test_removing_one_faq_entry_keeps_the_uploaded_file(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    faq = "question,answer\nDo you ship to Mars?,Not yet.\nDo you ship to the Moon?,Yes - weekly.\n"
    admin.upload([upload_file(tmp_path, "space-faq.csv", faq)])

    message = admin.remove("space-faq#do-you-ship-to-mars")

    assert "holds other entries and is kept" in message and (admin.uploads_dir / "space-faq.csv").exists()
    admin.upload([upload_file(tmp_path, "rocket.md", "# Rockets\n\nWe sell model rockets.\n")])
    assert "space-faq#do-you-ship-to-the-moon" in admin.retriever.index.documents  # not dropped by the next upload


def test_removing_an_uploaded_faq_file_by_its_id_deletes_the_file(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    faq = "question,answer\nDo you ship to Mars?,Not yet.\nDo you ship to the Moon?,Yes - weekly.\n"
    admin.upload([upload_file(tmp_path, "space-faq.csv", faq)])

    message = admin.remove("space-faq")

    assert message.startswith("Removed space-faq#") and "Its file" not in message
    assert not (admin.uploads_dir / "space-faq.csv").exists()
    assert "added" in admin.reindex() and not any(d.startswith("space-faq") for d in admin.retriever.index.documents)


def test_a_broken_re_upload_leaves_the_earlier_file(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    admin.upload([upload_file(tmp_path, "gift-cards.md", GIFT_CARDS)])
    good = (admin.uploads_dir / "gift-cards.md").read_bytes()

    outcome = admin.upload([upload_file(tmp_path / "second", "gift-cards.md", b"\x00\x01binary")])

    assert "skipped gift-cards.md: binary file" in outcome
    assert (admin.uploads_dir / "gift-cards.md").read_bytes() == good
    assert "0 removed" in admin.reindex() and "gift-cards" in admin.retriever.index.documents


def test_upload_names_that_clean_to_one_name_are_not_overwritten(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    first = upload_file(tmp_path / "a", "Rückgabe für Kunden.md", "# Rückgabe\n\nErste Fassung.\n")
    second = upload_file(tmp_path / "b", "Rückgabe_für_Kunden.md", "# Rückgabe\n\nZweite Fassung.\n")

    outcome = admin.upload([first, second])

    assert "refused Rückgabe_für_Kunden.md: Rückgabe für Kunden.md in this upload is also saved as Rückgabe_für_Kunden.md" in outcome
    assert "Erste Fassung" in (admin.uploads_dir / "Rückgabe_für_Kunden.md").read_text()
    assert "Rückgabe_für_Kunden" in admin.retriever.index.documents


def test_an_upload_whose_ids_belong_to_an_ingested_folder_is_refused(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    outcome = admin.upload([upload_file(tmp_path, "faq.csv", "question,answer\nDo you offer gift wrapping?,No.\n")])

    assert "refused faq.csv: the id faq#do-you-offer-gift-wrapping belongs to a document ingested from elsewhere" in outcome
    assert not (admin.uploads_dir / "faq.csv").exists()


def test_an_upload_notes_a_question_asked_twice_with_two_answers(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    faq = "question,answer\nCan I pay with crypto?,No.\nCan I pay with crypto?,\"Yes, in Bitcoin.\"\n"

    outcome = admin.upload([upload_file(tmp_path, "pay-faq.csv", faq)])

    assert "- note pay-faq.csv (line 3): repeats the question of line 2 with another answer" in outcome
    assert (admin.uploads_dir / "pay-faq.csv").exists()


def test_admin_uses_the_faq_columns_and_index_type_settings(assistant: Assistant, tmp_path: Path) -> None:
    settings = assistant.settings
    admin = KnowledgeBaseAdmin(
        assistant.retriever, assistant.embedder, settings.index_dir, settings.data_dir / "uploads",
        settings.chunk_max_tokens, settings.chunk_overlap_tokens, faq_columns=("frage", "antwort"),
        index_options={"index_type": "hnsw", "ann_threshold": 5},
    )

    outcome = admin.upload([upload_file(tmp_path, "faq-de.csv", "frage,antwort\nWie lange dauert der Versand?,Zwei Tage.\n")])

    assert outcome.startswith("1 added")
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    assert manifest["index_type"] == "hnsw" and (settings.index_dir / "ann.faiss").exists()
    admin.remove("shipping/shipping-costs")
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    assert manifest["index_type"] == "hnsw" and (settings.index_dir / "ann.faiss").exists()


def test_reindex_names_a_source_that_no_longer_exists(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    other = write_files(tmp_path / "other", {"note.md": "# Note\n\nA note.\n"})
    ingest([other], admin.embedder, admin.index_dir)
    (other / "note.md").unlink()
    other.rmdir()

    outcome = admin.reindex()

    assert f"- {other} no longer exists; its documents stay" in outcome and "assistant index prune" in outcome
    assert "note" in admin.retriever.index.documents


def test_a_page_action_gives_up_clearly_while_another_process_writes(
    admin: KnowledgeBaseAdmin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.index_lock import index_lock
    from ui import kb_admin

    monkeypatch.setattr(kb_admin, "LOCK_WAIT_SECONDS", 0.1)
    with index_lock(admin.index_dir):  # a second lock handle conflicts as another process's would
        with pytest.raises(gr.Error, match="Another process is writing the index") as refused:
            admin.upload([upload_file(tmp_path, "gift-cards.md", GIFT_CARDS)])
        assert "The uploaded files are saved: the next upload or Re-index indexes them." in refused.value.message
        with pytest.raises(gr.Error, match="Try again when it has finished"):
            admin.remove("faq")
    assert "faq#do-you-offer-gift-wrapping" in admin.retriever.index.documents
    admin.reindex()  # as the message says
    assert "gift-cards" in admin.retriever.index.documents


def test_an_upload_is_checked_against_an_older_index_before_it_is_kept(admin: KnowledgeBaseAdmin, kb_dir: Path) -> None:
    index = VectorIndex.load(admin.index_dir, "hash", "hash-256")
    index.sources = None  # as an older version saved it: no sources, no roots
    index.documents = {d: {k: v for k, v in info.items() if k != "root"} for d, info in index.documents.items()}
    index.save(admin.index_dir)
    incoming = upload_file(kb_dir.parent, "faq.csv", "question,answer\nDo you offer gift wrapping?,No.\n")

    outcome = admin.upload([incoming])

    assert "refused faq.csv: the id faq#do-you-offer-gift-wrapping belongs to a document ingested from elsewhere" in outcome
    assert not (admin.uploads_dir / "faq.csv").exists()
    assert len(VectorIndex.load(admin.index_dir, "hash", "hash-256").documents) == 5


def test_the_page_indexes_only_files_uploaded_from_the_browser_never_other_server_files(
    assistant: Assistant, admin: KnowledgeBaseAdmin, tmp_path: Path
) -> None:
    """The page's request names uploads by their server path; one written by hand named any file on the
    server (reproduced: a .txt file outside Gradio's upload folder was indexed and shown at /kb/)."""
    admin.browser_uploads = tmp_path / "gradio"
    secret = upload_file(tmp_path, "server-notes.md", "# Notes\n\nThe database password is hunter2.\n")
    uploaded = upload_file(tmp_path / "gradio" / "0a1b", "gift-cards.md", GIFT_CARDS)
    dotted = str(tmp_path / "gradio" / ".." / "incoming" / "server-notes.md")
    (tmp_path / "gradio" / "link.md").symlink_to(secret)

    for sneaky in ([secret], [dotted], [str(tmp_path / "gradio" / "link.md")], [uploaded, secret]):
        with pytest.raises(gr.Error, match="Only files uploaded from this page"):
            admin.upload_from_browser(sneaky)
    outcome = admin.upload_from_browser([uploaded])

    assert outcome.startswith("1 added")
    assert "server-notes" not in assistant.retriever.index.documents and "gift-cards" in assistant.retriever.index.documents


def test_an_upload_no_parser_copes_with_is_skipped_with_the_reason(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    import sys

    depth = sys.getrecursionlimit() * 20
    outcome = admin.upload([upload_file(tmp_path, "faq.json", '{"faq": ' + "[" * depth + "]" * depth + "}")])

    assert outcome.startswith("- skipped faq.json: cannot be read (RecursionError:")
    assert not list(admin.uploads_dir.iterdir())


def test_uploads_have_the_size_limits_of_an_ingest(admin: KnowledgeBaseAdmin, tmp_path: Path) -> None:
    import re

    from pdf_samples import make_pdf

    pdf = make_pdf(["Kettle manual\nDescale the kettle monthly."], title="Kettle guide")
    header, rest = pdf.split(b"\n", 1)
    padding = b"%" + b"x" * (25 * 2**20) + b"\n"  # a 25 MB manual (PDFs may be 100 MB): offsets shifted past it
    rest = re.sub(rb"(\d{10}) 00000 n ", lambda m: b"%010d 00000 n " % (int(m.group(1)) + len(padding)), rest)
    rest = re.sub(rb"startxref\n(\d+)", lambda m: b"startxref\n%d" % (int(m.group(1)) + len(padding)), rest)
    text = "Kettle notes.\n" * (21 * 2**20 // 14 + 1)  # text files stay limited to 20 MB

    outcome = admin.upload([upload_file(tmp_path, "kettle.pdf", header + b"\n" + padding + rest), upload_file(tmp_path, "notes.txt", text)])

    assert outcome.startswith("1 added")
    assert "- skipped notes.txt: file too large: 21.0 MB, the limit is 20 MB" in outcome
    assert sorted(p.name for p in admin.uploads_dir.iterdir()) == ["kettle.pdf"]


def test_a_restored_uploads_folder_at_another_path_is_named_with_the_command_that_moves_it(
    assistant: Assistant, admin: KnowledgeBaseAdmin, tmp_path: Path
) -> None:
    """A backup restored with another data_dir: the index still records the uploads folder at its old path, so a
    corrected upload of a restored file was refused with 'belongs to a document ingested from elsewhere' alone."""
    admin.upload([upload_file(tmp_path, "gift-cards.md", GIFT_CARDS)])
    restored = tmp_path / "restored" / "uploads"  # docs/operations.md, Backups: BACKUP/uploads copied to the new DATA_DIR/uploads
    restored.mkdir(parents=True)
    (restored / "gift-cards.md").write_text(GIFT_CARDS)
    settings = assistant.settings
    moved = KnowledgeBaseAdmin(
        assistant.retriever, assistant.embedder, settings.index_dir, restored, settings.chunk_max_tokens, settings.chunk_overlap_tokens,
    )
    corrected = GIFT_CARDS.replace("never expire", "expire after five years")

    outcome = moved.upload([upload_file(tmp_path / "second", "gift-cards.md", corrected)])

    assert (
        f"refused gift-cards.md: the id gift-cards belongs to a document ingested from elsewhere ({admin.uploads_dir}); "
        f"rename the file, or, if {admin.uploads_dir} was this server's uploads folder before a restore to other paths, "
        f"run `assistant ingest --replace {restored}` once"
    ) in outcome
    ingest([restored], assistant.embedder, settings.index_dir, replace=True)  # what that command does
    assert "1 updated" in moved.upload([upload_file(tmp_path / "third", "gift-cards.md", corrected)])
    assert "five years" in (restored / "gift-cards.md").read_text()


def test_an_upload_that_this_servers_search_filters_leave_out_says_so(assistant: Assistant, tmp_path: Path) -> None:
    """Brand A's server (search_filters tag=brand-a): an uploaded file has no folder tag, so an untagged upload was
    reported as added and then never found by its answers."""
    settings = assistant.settings.model_copy(update={"search_filters": {"tag": "brand-a"}})
    brand_a = Assistant(settings)
    admin = KnowledgeBaseAdmin(
        brand_a.retriever, brand_a.embedder, settings.index_dir, settings.data_dir / "uploads",
        settings.chunk_max_tokens, settings.chunk_overlap_tokens,
    )
    tagged = "---\ntags: [brand-a]\n---\n# Vouchers\n\nAlpine vouchers are valid for two years.\n"

    outcome = admin.upload([upload_file(tmp_path, "gift cards.md", GIFT_CARDS), upload_file(tmp_path, "vouchers.md", tagged)])

    assert "2 added" in outcome
    assert 'this server\'s search_filters {"tag": "brand-a"} leave out gift_cards, so its answers never use them' in outcome
    assert "vouchers" not in outcome.split("leave out")[1]


def test_the_table_sends_a_bounded_first_page_and_a_search_finds_any_document(
    assistant: Assistant, admin: KnowledgeBaseAdmin, tmp_path: Path
) -> None:
    """A help centre of 15,936 documents sent them all to the page (1.8 MB of JSON) on each opening and action."""
    many = {f"topics/topic-{number:04d}.md": f"# Topic {number}\n\nTopic {number} is explained here.\n" for number in range(LISTED_ROWS + 40)}
    many["zebra/warranty-claims.md"] = "---\ntags: [seasonal]\n---\n# Warranty claims\n\nClaims are answered within a week.\n"
    ingest([write_files(tmp_path / "big", many)], assistant.embedder, assistant.settings.index_dir)
    total = len(assistant.retriever.index.documents)

    summary, first = admin.status()
    _, found = admin.status("WARRANTY")  # past the first page, any case
    _, by_file = admin.status("topic-0007.md")
    _, tagged = admin.status("Seasonal")  # a tag, in no id or file name

    assert len(first) == LISTED_ROWS and f"Showing the first {LISTED_ROWS} of {total} document(s), by id: search to narrow." in summary
    assert list(first["Document"]) == sorted(assistant.retriever.index.documents)[:LISTED_ROWS]
    assert "zebra/warranty-claims" not in list(first["Document"])
    assert list(found["Document"]) == ["zebra/warranty-claims"]
    assert list(by_file["Document"]) == ["topics/topic-0007"] and list(tagged["Document"]) == ["zebra/warranty-claims"]
    assert f"1 of {total} document(s) match “warranty”." in admin.status("warranty")[0]
    line, every_topic = admin.status("topic")
    assert len(every_topic) == LISTED_ROWS
    assert f"{LISTED_ROWS + 40} of {total} document(s) match “topic”; showing the first {LISTED_ROWS}, by id: type more to narrow." in line
    assert f"No document of the {total} matches “nothing like this”." in admin.status("nothing like this")[0]
