"""The knowledge-base tab: uploads are indexed and answerable, bad files are refused with the reason,
re-index follows the folders, removal sticks."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from assistant.app import Assistant
from ui.kb_admin import KnowledgeBaseAdmin, safe_filename, source_root

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


def test_reindex_picks_up_edited_and_deleted_files(admin: KnowledgeBaseAdmin, kb_dir: Path) -> None:
    (kb_dir / "shipping" / "shipping-costs.md").write_text("# Shipping costs\n\nStandard shipping is now free.\n")
    (kb_dir / "returns" / "return-policy.md").unlink()

    outcome = admin.reindex()

    assert outcome.startswith("0 added, 1 updated, 1 removed")
    assert "returns/return-policy" not in admin.retriever.index.documents


def test_file_names_and_roots() -> None:
    assert safe_filename("../../etc/pass wd.md") == "pass_wd.md"
    assert safe_filename("...") == "document"
    assert source_root("shipping/costs", "/kb/shipping/costs.md") == Path("/kb")
    assert source_root("faq#do-you-ship", "/kb/faq.csv") == Path("/kb")
