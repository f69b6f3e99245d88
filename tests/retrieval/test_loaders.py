"""Loaders: every readable file becomes Documents; every unusable one is skipped with a reason."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_files
from retrieval.loaders import load_paths


def skipped_by_name(report) -> dict[str, str]:
    return {Path(path).name: reason for path, reason in report.skipped}


def test_markdown_title_comes_from_first_heading(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"guides/reset.md": "Intro line\n\n# Reset your password\n\n## Steps\n\nDo it.\n"})

    report = load_paths([root])

    [document] = report.documents
    assert document.title == "Reset your password"
    assert document.doc_id == "guides/reset"
    assert document.kind == "article"
    assert document.source == str((root / "guides/reset.md").resolve())


def test_markdown_without_heading_is_titled_from_file_name(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"gift-cards.md": "Gift cards never expire.\n"})

    [document] = load_paths([root]).documents

    assert document.title == "Gift cards"


def test_plain_text_title_is_first_line(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"notes.txt": "\n  Opening hours\nWe open at 9.\n"})

    [document] = load_paths([root]).documents

    assert document.title == "Opening hours"
    assert "We open at 9." in document.text


def test_unusable_files_are_skipped_with_reasons_and_others_still_load(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {
            "good.md": "# Good\n\nUseful text.\n",
            "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "empty.md": "",
            "blank.txt": "   \n\t\n\n",
            "cyrillic.md": "# Возврат\n\nВозврат в течение 30 дней.\n".encode("cp1251"),
            "manual.docx": b"PK\x03\x04 whatever",
            "also-good.txt": "Second\nStill loaded.\n",
        },
    )

    report = load_paths([root])

    assert sorted(d.doc_id for d in report.documents) == ["also-good", "good"]
    reasons = skipped_by_name(report)
    assert set(reasons) == {"binary.md", "empty.md", "blank.txt", "cyrillic.md", "manual.docx"}
    assert "binary" in reasons["binary.md"]
    assert reasons["empty.md"] == "empty file"
    assert reasons["blank.txt"] == "empty file"
    assert reasons["cyrillic.md"] == "not UTF-8 text (byte 0xc2 on line 1); save it as UTF-8"
    assert "unsupported file type .docx" in reasons["manual.docx"]


def test_windows_1252_exports_are_read_with_a_note(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {
            # Excel's "CSV (semicolon separated)" and Notepad's "ANSI" in Western Europe
            "faq.csv": "question;answer\nWie lange dauert der Versand?;Zwei bis drei Werktage, nach Österreich vier.\n".encode("cp1252"),
            "returns.md": "# Retours\n\nLe remboursement arrive sous 5 jours ouvrés, frais de 4,50 € déduits.\n".encode("cp1252"),
            "quotes.txt": "Shipping\nWe call it \u201cexpress\u201d \u2013 next day.\n".encode("cp1252"),
        },
    )

    report = load_paths([root])

    texts = {d.doc_id.split("#")[0]: d.text for d in report.documents}
    assert texts["faq"] == "Zwei bis drei Werktage, nach Österreich vier."
    assert "5 jours ouvrés, frais de 4,50 € déduits" in texts["returns"]
    assert "\u201cexpress\u201d \u2013 next day" in texts["quotes"]
    assert report.skipped == []
    noted = {Path(where).name: note for where, note in report.notes}
    assert set(noted) == {"faq.csv", "returns.md", "quotes.txt"}
    assert noted["faq.csv"].startswith("not UTF-8; read as Windows-1252") and "save the file as UTF-8" in noted["faq.csv"]


def test_other_legacy_encodings_are_refused_rather_than_misread(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {
            "ru.md": "# Доставка\n\nДоставка занимает два дня.\n".encode("cp1251"),
            "pl.md": "# Dostawa\n\nZamówienie dotrze w ciągu dwóch dni, zwrot jest bezpłatny.\n".encode("cp1250"),
            "tr.txt": "Kargo iki gün sürer, değişim ücretsiz.\n".encode("cp1254"),
            "ja.txt": "配送は二日かかります。\n".encode("shift_jis"),
        },
    )

    report = load_paths([root])

    assert report.documents == [] and report.notes == []
    reasons = skipped_by_name(report)
    assert set(reasons) == {"ru.md", "pl.md", "tr.txt", "ja.txt"}
    assert all(reason.startswith("not UTF-8 text (byte 0x") and reason.endswith("save it as UTF-8") for reason in reasons.values())


def test_hidden_files_and_folders_are_ignored(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\n\ntext\n", ".git/config.md": "# no\n", ".draft.md": "# no\n"})

    report = load_paths([root])

    assert [d.doc_id for d in report.documents] == ["a"]
    assert report.skipped == []


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"bom.md": "\ufeff# Title with BOM\n\nBody.\n".encode("utf-8")})

    [document] = load_paths([root]).documents

    assert document.title == "Title with BOM"


def test_utf16_and_utf32_text_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {
            "le.txt": "Loyalty points\nThey expire after a year.\n".encode("utf-16"),  # BOM + little-endian
            "be.md": b"\xfe\xff" + "# Big endian\n\nText.\n".encode("utf-16-be"),
            "wide.txt": "Thirty-two bits\nStill text.\n".encode("utf-32"),
            "nobom.txt": "No mark\n".encode("utf-16-le"),
        },
    )

    report = load_paths([root])

    assert {d.doc_id: d.title for d in report.documents} == {"le": "Loyalty points", "be": "Big endian", "wide": "Thirty-two bits"}
    assert "UTF-16 text needs a byte-order mark" in skipped_by_name(report)["nobom.txt"]


def test_broken_links_and_links_to_folders_are_reported(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\n\ntext\n"})
    outside = write_files(tmp_path / "outside", {"inner.md": "# Inner\n\ntext\n", "file.md": "# File\n\nlinked\n"})
    (root / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (root / "linked-folder").symlink_to(outside, target_is_directory=True)
    (root / "linked-file.md").symlink_to(outside / "file.md")

    report = load_paths([root])

    assert sorted(d.doc_id for d in report.documents) == ["a", "linked-file"]
    reasons = skipped_by_name(report)
    assert reasons["gone.md"] == "broken link (its target does not exist)"
    assert reasons["linked-folder"].startswith("link to a folder, not followed")


def test_faq_csv_gives_one_document_per_row(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {
            "faq.csv": "Question,Answer,url\n"
            "Do you offer gift wrapping?,Yes: $3.99 per item.,\n"
            "Can I pay by cheque?,No.,https://shop.example/pay\n"
            "Unanswered question?,,\n"
        },
    )

    report = load_paths([root])

    by_id = {d.doc_id: d for d in report.documents}
    assert set(by_id) == {"faq#do-you-offer-gift-wrapping", "faq#can-i-pay-by-cheque"}
    wrap = by_id["faq#do-you-offer-gift-wrapping"]
    assert (wrap.title, wrap.text, wrap.kind, wrap.url) == ("Do you offer gift wrapping?", "Yes: $3.99 per item.", "faq", None)
    assert by_id["faq#can-i-pay-by-cheque"].url == "https://shop.example/pay"


def test_faq_json_list_and_object_forms(tmp_path: Path) -> None:
    rows = [{"question": "Is there a student discount?", "answer": "Yes, 10% off."}]
    root = write_files(
        tmp_path / "kb",
        {
            "faq.json": json.dumps(rows),
            "more/help.json": json.dumps({"faq": [{"question": "Do you ship to Mars?", "answer": "Not yet."}]}),
        },
    )

    report = load_paths([root])

    by_id = {d.doc_id: d for d in report.documents}
    assert set(by_id) == {"faq#is-there-a-student-discount", "more/help#do-you-ship-to-mars"}
    assert by_id["faq#is-there-a-student-discount"].text == "Yes, 10% off."
    assert all(d.kind == "faq" for d in report.documents)


def test_faq_json_entry_without_answer_is_left_out_not_fatal(tmp_path: Path) -> None:
    rows = [{"question": "Kept?", "answer": "Yes."}, {"question": "No answer key?"}]
    root = write_files(tmp_path / "kb", {"faq.json": json.dumps(rows), "a.md": "# A\n\ntext\n"})

    report = load_paths([root])

    assert sorted(d.doc_id for d in report.documents) == ["a", "faq#kept"]
    assert skipped_by_name(report) == {"faq.json (entry 2)": "FAQ row without an answer"}


def test_faq_without_question_answer_columns_is_skipped(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {
            "faq.csv": "title,body\nHello,World\n",
            "bad.json": "{not json",
            "list.json": json.dumps({"faq": "nope"}),
            "ok.md": "# Ok\n\nfine\n",
        },
    )

    report = load_paths([root])

    assert [d.doc_id for d in report.documents] == ["ok"]
    reasons = skipped_by_name(report)
    assert "'question' and 'answer'" in reasons["faq.csv"]
    assert "invalid JSON" in reasons["bad.json"]
    assert "expected a JSON list" in reasons["list.json"]


def test_missing_path_is_reported_and_other_paths_load(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\n\ntext\n"})
    missing = tmp_path / "nowhere"

    report = load_paths([missing, root])

    assert [d.doc_id for d in report.documents] == ["a"]
    assert report.skipped == [(str(missing), "does not exist")]


def test_single_file_path_uses_its_name_as_id(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"deep/file.md": "# F\n\nx\n", "deep/notes.rtf": "{\\rtf1}"})

    report = load_paths([root / "deep" / "file.md", root / "deep" / "notes.rtf"])

    assert [d.doc_id for d in report.documents] == ["file"]
    assert "unsupported file type .rtf" in skipped_by_name(report)["notes.rtf"]


def test_underlined_markdown_headings_give_the_title_and_sections(tmp_path: Path) -> None:
    from retrieval.chunking import chunk_document

    article = (
        "Refunds\r\n=======\r\n\r\nRefunds take 7 days.\r\n\r\nPartial refunds\r\n---------------\r\n\r\nOnly the items returned.\r\n\r\n"
        "Some text.\r\n\r\n---\r\n\r\nAfter a rule.\r\n\r\n```\r\nnot a heading\r\n=============\r\n```\r\n"
    )
    root = write_files(tmp_path / "kb", {"refunds.md": article})

    [document] = load_paths([root]).documents

    assert document.title == "Refunds"
    chunks = chunk_document(document)
    assert [c.heading for c in chunks] == ["Refunds", "Refunds > Partial refunds"]
    assert chunks[1].text.startswith("Only the items returned.") and "---" in chunks[1].text
    assert "```\nnot a heading\n=============\n```" in chunks[1].text


def test_a_file_no_parser_copes_with_is_skipped_with_the_reason_and_the_rest_loads(tmp_path: Path) -> None:
    import sys

    depth = sys.getrecursionlimit() * 20
    root = write_files(
        tmp_path / "kb",
        {"nested.json": '{"faq": ' + "[" * depth + "]" * depth + "}", "good.md": "# Good\n\nUseful text.\n"},
    )

    report = load_paths([root])

    assert [d.doc_id for d in report.documents] == ["good"]
    assert skipped_by_name(report)["nested.json"].startswith("cannot be read (RecursionError: maximum recursion depth exceeded")
