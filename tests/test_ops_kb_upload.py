"""The KB tab's check of an upload works out the ids its documents will have as the ingest does: with the ids the
index records, so an FAQ file that kept its plain id when a same-named neighbour came is checked under that id."""

from __future__ import annotations

from pathlib import Path

from assistant.app import Assistant
from ui.kb_admin import KnowledgeBaseAdmin

FAQ_CSV = "question,answer,tags\nDo vouchers expire?,Alpine vouchers are valid for two years.,brand-a\n"
FAQ_JSON = '[{"question": "Can I gift a voucher?", "answer": "Yes, vouchers can be sent as gifts.", "tags": ["brand-a"]}]'


def upload_file(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_a_re_uploaded_faq_file_with_a_same_named_neighbour_is_checked_under_its_recorded_id(
    assistant: Assistant, tmp_path: Path
) -> None:
    """faq.csv was indexed as faq#...; faq.json beside it came later (faq.json#...). Uploading faq.csv again keeps its
    id faq (``loaders.file_id``), but the check worked the ids out as faq.csv#..., ids no document has: the server's
    search_filters note then said the upload was left out, though every entry is tagged for it."""
    settings = assistant.settings.model_copy(update={"search_filters": {"tag": "brand-a"}})
    brand_a = Assistant(settings)
    admin = KnowledgeBaseAdmin(
        brand_a.retriever, brand_a.embedder, settings.index_dir, settings.data_dir / "uploads",
        settings.chunk_max_tokens, settings.chunk_overlap_tokens,
    )
    admin.upload([upload_file(tmp_path, "faq.csv", FAQ_CSV)])
    admin.upload([upload_file(tmp_path, "faq.json", FAQ_JSON)])
    assert {"faq#do-vouchers-expire", "faq.json#can-i-gift-a-voucher"} <= set(brand_a.retriever.index.documents)

    outcome = admin.upload([upload_file(tmp_path, "faq.csv", FAQ_CSV.replace("two years", "three years"))])

    assert "1 updated" in outcome, outcome
    assert not any(doc.startswith("faq.csv#") for doc in brand_a.retriever.index.documents)
    assert "leave out" not in outcome, outcome  # every entry is tagged brand-a: the filters keep them
