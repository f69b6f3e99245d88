"""`assistant ingest` messages for bad input, and `assistant index remove`, through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from cli_helpers import flat, ingested, invoke, runner  # noqa: F401 (fixtures)
from conftest import write_files
from pdf_samples import CORRUPT_PDF, blank_pdf, encrypted_pdf, make_pdf


def manifest(data_dir: Path) -> dict:
    return json.loads((data_dir / "index" / "manifest.json").read_text())


def test_ingest_names_each_bad_file_and_indexes_the_rest(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    write_files(
        ingested,
        {
            "locked.pdf": encrypted_pdf(["Secret."]),
            "broken.pdf": CORRUPT_PDF,
            "scan.pdf": blank_pdf(),
            "logo.md": b"\x89PNG\x00\x00",
            "legacy.txt": "Доставка за два дня\n".encode("cp1251"),
            "warranty.pdf": make_pdf(["Warranty\nTwo years."]),
            "help.html": "<html><body><h1>Help</h1><p>Call us.</p></body></html>",
            "accounts/zz-reset.md": (ingested / "accounts/reset-password.md").read_text(),  # same folder: a duplicate
        },
    )
    with (ingested / "huge.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)

    result = invoke(runner, "ingest", str(ingested))

    assert result.exit_code == 0, result.output
    errors = flat(result.stderr)
    assert f"skipped {ingested / 'locked.pdf'}: encrypted PDF that needs a password" in errors
    assert f"skipped {ingested / 'broken.pdf'}: corrupt PDF" in errors
    assert f"skipped {ingested / 'scan.pdf'}: PDF without extractable text" in errors
    assert f"skipped {ingested / 'logo.md'}: binary file" in errors
    assert f"skipped {ingested / 'legacy.txt'}: not UTF-8 text" in errors
    assert f"skipped {ingested / 'huge.txt'}: file too large: 50.0 MB, the limit is 20 MB" in errors
    assert "note accounts/zz-reset duplicates accounts/reset-password; only accounts/reset-password is indexed" in errors
    assert "Indexed 2 new, 0 changed, 5 unchanged, 0 removed document(s)" in flat(result.stdout)
    assert manifest(isolated)["documents"] == 7
    assert "Traceback" not in result.output


def test_ingest_of_an_empty_folder_says_so(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    result = invoke(runner, "ingest", str(empty))

    assert result.exit_code != 0
    errors = flat(result.stderr)
    assert f"{empty}: the folder has no supported files (.csv, .htm, .html, .json, .markdown, .md, .pdf, .txt)" in errors
    assert "Error: no documents could be indexed" in errors


def test_chunk_settings_come_from_the_settings_and_reach_the_manifest(
    runner: CliRunner, kb_dir: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_CHUNK_MAX_TOKENS", "64")
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP_TOKENS", "8")

    assert invoke(runner, "ingest", str(kb_dir)).exit_code == 0

    assert manifest(isolated)["chunking"] == {"max_tokens": 64, "overlap_tokens": 8, "tokenizer": "hash"}
    monkeypatch.setenv("ASSISTANT_CHUNK_MAX_TOKENS", "128")
    again = invoke(runner, "ingest", str(kb_dir))
    assert "0 new, 5 changed, 0 unchanged" in flat(again.stdout)


def test_overlap_not_below_max_tokens_is_rejected(runner: CliRunner, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_CHUNK_MAX_TOKENS", "32")
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP_TOKENS", "32")

    result = invoke(runner, "ingest", str(kb_dir))

    assert result.exit_code != 0
    assert "chunk_overlap_tokens must be smaller than chunk_max_tokens" in flat(result.stderr)


def test_index_remove_documents_and_a_whole_faq(runner: CliRunner, ingested: Path, isolated: Path, kb_dir: Path) -> None:
    result = invoke(runner, "index", "remove", "faq", "returns/return-policy")

    assert result.exit_code == 0, result.output
    assert (
        "Removed 3 document(s), 4 chunk(s): faq#do-you-offer-gift-wrapping, faq#how-long-can-a-gift-message-be, "
        "returns/return-policy" in flat(result.stdout)
    )
    assert (manifest(isolated)["documents"], manifest(isolated)["chunks"]) == (2, 5)
    status = invoke(runner, "index", "status")
    assert "documents: 2" in flat(status.stdout)
    # the files are still in the folder: the next ingest would add them back, which the command says
    assert f"note: its file {(kb_dir / 'faq.csv').resolve()} is still there" in flat(result.stderr)
    assert "the next ingest adds it back" in flat(result.stderr)


def test_index_remove_of_one_faq_entry_says_to_edit_its_file_not_delete_it(runner: CliRunner, ingested: Path, kb_dir: Path) -> None:
    # "delete or move it too" would have taken the file's other entries out of the index as well
    result = invoke(runner, "index", "remove", "faq#do-you-offer-gift-wrapping")

    assert result.exit_code == 0, result.output
    assert f"note: its file {(kb_dir / 'faq.csv').resolve()} still holds other FAQ entries: edit it" in flat(result.stderr)
    assert "delete or move it too" not in flat(result.stderr)


def test_index_status_lists_the_documents_ids_to_remove(runner: CliRunner, ingested: Path, kb_dir: Path) -> None:
    """The ids index remove takes, with their chunks and files, for a knowledge base not ingested by hand."""
    result = invoke(runner, "index", "status", "--documents")

    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    assert rows[0] == ["document", "chunks", "file", "language", "tags"]
    policy = next(row for row in rows[1:] if row[0] == "returns/return-policy")
    assert int(policy[1]) >= 1 and policy[2] == str((kb_dir / "returns" / "return-policy.md").resolve())
    assert policy[3:] == ["en", "returns"]  # what search_filters select by (a brand's tag), which nothing showed
    assert {row[0] for row in rows[1:]} >= {"faq#do-you-offer-gift-wrapping", "faq#how-long-can-a-gift-message-be"}
    assert "document\tchunks" not in invoke(runner, "index", "status").stdout  # only when asked


def test_index_status_with_search_filters_says_how_many_documents_pass_and_what_is_missing(runner: CliRunner, ingested: Path) -> None:
    """Run with a brand's settings, status tells how much of the shared index that brand's server answers from."""
    result = invoke(runner, "--filter", "tag=returns", "--filter", "tag=shard", "index", "status")

    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "search_filters:" in line)
    assert '{"tag": ["returns", "shard"]}: 1 of 5 document(s) pass; no document has tag \'shard\'' in flat(line)
    assert "search_filters:" not in invoke(runner, "index", "status").stdout  # only with filters


def test_index_remove_unknown_id_changes_nothing(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    before = (isolated / "index" / "manifest.json").read_text()

    result = invoke(runner, "index", "remove", "faq", "billing/nowhere")

    assert result.exit_code != 0
    assert "Error: not in the index: billing/nowhere. Nothing was removed." in flat(result.stderr)
    assert (isolated / "index" / "manifest.json").read_text() == before


def test_index_remove_without_index_names_the_ingest_command(runner: CliRunner) -> None:
    result = invoke(runner, "index", "remove", "faq")

    assert result.exit_code != 0
    assert "Build one with: assistant ingest" in flat(result.stderr)


def test_index_remove_help(runner: CliRunner) -> None:
    result = runner.invoke(app, ["index", "remove", "--help"])

    assert result.exit_code == 0 and "Usage:" in result.stdout


def test_ingest_reports_ids_another_folder_holds_and_replace_takes_them(runner: CliRunner, ingested: Path, tmp_path: Path, isolated: Path) -> None:
    copy = write_files(tmp_path / "kb-copy", {"faq.csv": "question,answer\nDo you offer gift wrapping?,No longer.\n"})

    refused = invoke(runner, "ingest", str(copy))
    replaced = invoke(runner, "ingest", "--replace", str(copy))

    assert refused.exit_code == 1, refused.output  # scripts notice documents left out
    assert "Indexed 0 new, 0 changed" in refused.stdout and "1 document(s) were not indexed" in flat(refused.stderr)
    assert f"not indexed {copy / 'faq.csv'}: the id faq#do-you-offer-gift-wrapping belongs to a document from {ingested}" in flat(refused.stderr)
    assert "add --replace" in flat(refused.stderr)
    assert replaced.exit_code == 0, replaced.output
    assert f"{ingested} is replaced by the paths given" in flat(replaced.stderr)
    assert manifest(isolated)["sources"] == [str(copy)] and manifest(isolated)["documents"] == 1


def test_index_prune_removes_documents_of_deleted_files(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    (ingested / "returns" / "return-policy.md").unlink()

    result = invoke(runner, "index", "prune")

    assert result.exit_code == 0, result.output
    assert "Removed 1 document(s), 2 chunk(s): returns/return-policy" in flat(result.stdout)
    assert manifest(isolated)["documents"] == 4


def test_index_remove_keeps_the_index_type(runner: CliRunner, kb_dir: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_INDEX_TYPE", "hnsw")
    assert invoke(runner, "ingest", str(kb_dir)).exit_code == 0

    assert invoke(runner, "index", "remove", "faq").exit_code == 0

    assert manifest(isolated)["index_type"] == manifest(isolated)["index_type_in_use"] == "hnsw"
    assert (isolated / "index" / "ann.faiss").is_file()
