"""Whether a knowledge base's folders changed since its index was built, told from the index's file records
(``retrieval.file_records.changed_since_ingest``): what a server that starts watching its folders asks first."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import write_files
from retrieval.embedders import HashEmbedder
from retrieval.file_records import changed_since_ingest, reading_signature
from retrieval.ingest import ingest
from retrieval.watch import snapshot

READING = reading_signature(("question", "answer"))


def changed(root: Path, index_dir: Path, reading: str = READING) -> list[str]:
    files = json.loads((index_dir / "files.json").read_text())
    documents = json.loads((index_dir / "documents.json").read_text())
    return changed_since_ingest(files, documents, reading, snapshot([root]))


def indexed_kb(tmp_path: Path) -> tuple[Path, Path]:
    root = write_files(tmp_path / "kb", {"a.md": "# A\n\nOne.", "sub/b.md": "# B\n\nTwo.", "faq.csv": "question,answer\nWhy?,Because.\n"})
    ingest([root], HashEmbedder(), tmp_path / "index")
    return root, tmp_path / "index"


def test_folders_as_the_index_holds_them_have_no_changes(tmp_path: Path) -> None:
    root, index_dir = indexed_kb(tmp_path)
    (root / "logo.png").write_bytes(b"\x89PNG")  # a type no ingest reads

    assert changed(root, index_dir) == []


def test_an_edited_an_added_and_a_deleted_file_are_changes(tmp_path: Path) -> None:
    root, index_dir = indexed_kb(tmp_path)
    (root / "a.md").write_text("# A\n\nOne, edited.")
    (root / "c.md").write_text("# C\n\nThree.")
    (root / "sub" / "b.md").unlink()

    assert changed(root, index_dir) == [str((root / name).resolve()) for name in ("a.md", "c.md", "sub/b.md")]


def test_an_edit_that_keeps_the_size_and_time_is_a_change(tmp_path: Path) -> None:
    root, index_dir = indexed_kb(tmp_path)
    article = root / "a.md"
    before = article.stat()
    article.write_text("# A\n\nTwo.")  # as many bytes as "One."
    os.utime(article, ns=(before.st_atime_ns, before.st_mtime_ns))

    assert changed(root, index_dir) == [str(article.resolve())]


def test_other_reading_rules_make_every_file_a_change(tmp_path: Path) -> None:
    root, index_dir = indexed_kb(tmp_path)

    assert len(changed(root, index_dir, reading_signature(("q", "a")))) == 3


def test_a_file_parsed_on_every_ingest_counts_as_changed(tmp_path: Path) -> None:
    root, index_dir = indexed_kb(tmp_path)
    (root / "copy.md").write_text("# A\n\nOne.")  # a duplicate: noted on every ingest, so never recorded
    ingest([root], HashEmbedder(), index_dir)

    assert changed(root, index_dir) == [str((root / "copy.md").resolve())]  # unknown without parsing it: ingested


def changed_with_synonyms(root: Path, index_dir: Path) -> list[str]:
    synonyms = json.loads((index_dir / "manifest.json").read_text())["synonyms"]
    files = json.loads((index_dir / "files.json").read_text())
    documents = json.loads((index_dir / "documents.json").read_text())
    return changed_since_ingest(files, documents, READING, snapshot([root]), synonyms=synonyms)


def test_a_synonyms_file_is_a_change_only_when_its_rules_differ_from_the_index(tmp_path: Path) -> None:
    # synonyms.txt is no article and has no file record: it counted as changed at every start (an ingest each time)
    root = write_files(tmp_path / "kb", {"a.md": "# A\n\nOne.", "synonyms.txt": "amex, american express => credit card\n"})
    ingest([root], HashEmbedder(), tmp_path / "index")

    assert changed_with_synonyms(root, tmp_path / "index") == []
    (root / "synonyms.txt").write_text("amex => American Express\n")
    assert changed_with_synonyms(root, tmp_path / "index") == [str((root / "synonyms.txt").resolve())]
    (root / "synonyms.txt").unlink()
    assert changed_with_synonyms(root, tmp_path / "index") == [str((root / "synonyms.txt").resolve())]


def test_an_html_table_indexed_under_older_reading_rules_is_read_again_as_a_table(tmp_path: Path, monkeypatch) -> None:
    import retrieval.file_records as file_records

    monkeypatch.setattr(file_records, "READING_RULES", "2")
    root = write_files(tmp_path / "kb", {"prices.html": "<html><body><h1>Prices</h1><table><tr><th>Bike</th><th>Day</th></tr>"
                                                      "<tr><td>E-bike</td><td>35 euros</td></tr></table></body></html>"})
    ingest([root], HashEmbedder(), tmp_path / "index")
    monkeypatch.undo()  # this version's rules: the loader reads tables as Markdown tables since rules 3

    assert changed(root, tmp_path / "index") == [str((root / "prices.html").resolve())]
    ingest([root], HashEmbedder(), tmp_path / "index")
    assert "| E-bike | 35 euros |" in (tmp_path / "index" / "chunks.jsonl").read_text()
