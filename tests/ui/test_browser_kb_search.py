"""The knowledge-base tab of a large help centre: its table of documents can be searched."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import fake_assistant, launch, log_in_to_review, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser


def test_the_documents_table_finds_a_document_by_a_word_of_its_id(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    from retrieval.ingest import ingest

    topics = tmp_path / "kb" / "topics"
    topics.mkdir()
    for number in range(40):
        (topics / f"topic-{number:02d}.md").write_text(f"# Topic {number}\n\nTopic {number} is explained here.\n")
    (topics / "warranty-claims.md").write_text("# Warranty claims\n\nClaims are answered within a week.\n")
    ingest([tmp_path / "kb"], fake_assistant.embedder, fake_assistant.settings.index_dir)
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Knowledge base").click()
        table = page.get_by_role("grid", name="Documents in the index")
        expect(table).to_contain_text("topics/topic-00", timeout=20_000)

        page.locator("#kb-documents").get_by_role("textbox").fill("warranty")

        expect(table).to_contain_text("topics/warranty-claims", timeout=10_000)
        expect(table).not_to_contain_text("topics/topic-00", timeout=10_000)
        table.get_by_role("gridcell", name="topics/warranty-claims").click()  # fills the id to remove
        expect(page.get_by_label("Document id to remove")).to_have_value("topics/warranty-claims", timeout=10_000)
        browser.close()


def test_a_document_is_removed_only_once_the_removal_is_confirmed(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """One click on "Remove document" removed it at once, and an uploaded file (the server's only copy) with it."""
    from playwright.sync_api import expect, sync_playwright

    def documents() -> dict:  # the index as the server has it now
        return fake_assistant.retriever.index.documents

    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Knowledge base").click()
        table = page.get_by_role("grid", name="Documents in the index")
        table.get_by_role("gridcell", name="accounts/reset-password").click(timeout=20_000)
        expect(page.get_by_label("Document id to remove")).to_have_value("accounts/reset-password", timeout=10_000)

        page.locator("#kb-remove").click()
        expect(page.locator("#kb-confirm-question")).to_contain_text("Remove accounts/reset-password from the index?", timeout=10_000)
        page.locator("#kb-confirm-cancel").click()
        expect(page.locator("#kb-confirm-question")).to_be_hidden(timeout=10_000)
        assert "accounts/reset-password" in documents()

        page.locator("#kb-remove").click()
        page.locator("#kb-confirm-remove").click(timeout=10_000)
        expect(page.locator("#kb-outcome")).to_contain_text("Removed accounts/reset-password", timeout=20_000)
        expect(page.locator("#kb-confirm-question")).to_be_hidden()
        assert "accounts/reset-password" not in documents()
        browser.close()


def test_indexing_the_uploaded_files_empties_the_upload_box_and_says_what_was_indexed(  # type: ignore[no-untyped-def]
    fake_assistant, tmp_path: Path
) -> None:
    """After "Index the uploaded files" the files stayed listed in the upload box, the skipped one too, inviting a
    second click."""
    from playwright.sync_api import expect, sync_playwright

    from test_browser import screenshot

    uploads = tmp_path / "to-upload"
    uploads.mkdir()
    (uploads / "upl_faq.csv").write_text("question,answer\nDo gift cards expire?,Never.\n")
    (uploads / "gift-wrap.md").write_text("# Gift wrap\n\nEvery order can be gift-wrapped for 3 EUR.\n")
    (uploads / "upl_image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Knowledge base").click()
        expect(page.locator("#kb-summary")).to_contain_text("1 document(s)", timeout=20_000)
        box = page.locator("#kb-upload")
        box.locator("input[type=file]").set_input_files([str(path) for path in sorted(uploads.iterdir())])
        for name in ("upl_faq", "gift-wrap", "upl_image"):  # the box shows a name and its suffix apart ("upl_image .md")
            expect(box).to_contain_text(name, timeout=20_000)

        page.locator("#kb-add").click()

        outcome = page.locator("#kb-outcome")
        expect(outcome).to_contain_text("2 added", timeout=30_000)
        expect(outcome).to_contain_text("skipped upl_image.md: binary file")
        expect(outcome).to_contain_text("indexed from this upload: gift-wrap.md, upl_faq.csv")
        for name in ("upl_faq", "gift-wrap", "upl_image"):
            expect(box).not_to_contain_text(name, timeout=10_000)
        expect(page.locator("#kb-summary")).to_contain_text("3 document(s)", timeout=20_000)
        screenshot(page, "kb-indexed.png", tmp_path, full_page=True)
        browser.close()
