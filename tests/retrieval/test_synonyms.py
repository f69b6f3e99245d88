"""A knowledge base's synonyms file: read at ingest into the index, applied to every search (retrieval.synonyms)."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest
from retrieval.retriever import Retriever
from retrieval.synonyms import Rule, Synonyms, parse_rules


def _kb(tmp_path: Path, synonyms: str | None) -> Path:
    kb = tmp_path / "kb"
    (kb / "billing").mkdir(parents=True)
    (kb / "billing" / "payment-methods.md").write_text(
        "# Payment methods\n\nWe accept Visa, Mastercard and American Express credit cards, and PayPal.\n"
    )
    (kb / "shipping").mkdir()
    (kb / "shipping" / "express.md").write_text("# Express delivery\n\nExpress delivery takes one or two business days.\n")
    (kb / "shipping" / "tracking.md").write_text("# Tracking\n\nPress Track package to follow your package.\n")
    if synonyms is not None:
        (kb / "synonyms.txt").write_text(synonyms)
    return kb


def test_rules_one_way_and_groups_with_comments_and_bad_lines() -> None:
    rules, problems = parse_rules("# comment\namex, American  Express => American Express credit card\n\nparcel, package  # same\nlonely\n=> x\n")

    assert rules == [Rule(("amex", "American Express"), "American Express credit card"), Rule(("parcel", "package"))]
    assert [number for number, _ in problems] == [5, 6]


def test_expand_rewrites_whole_words_once() -> None:
    synonyms = Synonyms([Rule(("amex", "american express"), "American Express credit card"), Rule(("parcel", "package", "shipment"))])

    assert synonyms.expand("do you take AMEX?") == "do you take American Express credit card?"
    assert synonyms.expand("do you accept American Express?") == "do you accept American Express credit card?"
    assert synonyms.expand("where is my parcel?") == "where is my parcel? (package, shipment)"
    # applied once: a rewritten question stays as it is, and words that only contain a term are not terms
    for question in ("do you take amex?", "where is my parcel?"):
        assert synonyms.expand(synonyms.expand(question)) == synonyms.expand(question)
    assert synonyms.expand("my amexco card, packages") == "my amexco card, packages"
    assert Synonyms().expand("do you take amex?") == "do you take amex?"


def test_ingest_stores_the_synonyms_and_does_not_index_the_file(tmp_path: Path) -> None:
    kb = _kb(tmp_path, "amex => American Express credit card\nnot a rule\n")
    index_dir = tmp_path / "index"

    report = ingest([kb], HashEmbedder(), index_dir)

    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["synonyms"] == [[["amex"], "American Express credit card"]]
    assert "synonyms" not in {doc_id.split("/")[-1] for doc_id in json.loads((index_dir / "documents.json").read_text())}
    assert any("synonyms.txt (line 2)" in where for where, _ in report.notes)
    # an edit of the synonyms alone is saved, though no document changed
    (kb / "synonyms.txt").write_text("amex, american express => American Express credit card\n")
    ingest([kb], HashEmbedder(), index_dir)
    assert json.loads((index_dir / "manifest.json").read_text())["synonyms"] == [[["amex", "american express"], "American Express credit card"]]


def test_every_search_reads_the_question_with_the_synonyms(tmp_path: Path) -> None:
    with_synonyms, without = tmp_path / "with", tmp_path / "without"
    ingest([_kb(with_synonyms, "amex => American Express credit card\n")], HashEmbedder(), with_synonyms / "index")
    ingest([_kb(without, None)], HashEmbedder(), without / "index")

    for method in ("dense", "bm25", "hybrid"):
        found = Retriever(HashEmbedder(), with_synonyms / "index", method=method).search("do you take amex?", k=1)
        assert found and found[0].chunk.doc_id == "billing/payment-methods", method
    unaided = Retriever(HashEmbedder(), without / "index", method="bm25").search("do you take amex?", k=1)
    assert [p.chunk.doc_id for p in unaided] != ["billing/payment-methods"]  # no article says "amex"
    retriever = Retriever(HashEmbedder(), with_synonyms / "index", method="hybrid")
    # the conversation searches and answers the rewritten words (after its spelling correction)
    assert retriever.corrected("do you take amex?") == "do you take American Express credit card?"


def test_a_rule_whose_text_has_a_backslash_rewrites_questions_with_it_as_written() -> None:
    # the text was read as a replacement template: "bad escape \P", and every search of the index failed
    rules, _ = parse_rules("setup, installer => C:\\Program Files\\Shop\\setup.exe\nfiver => 5\\$ voucher\n")
    synonyms = Synonyms(rules)

    assert synonyms.expand("where is the installer?") == "where is the C:\\Program Files\\Shop\\setup.exe?"
    assert synonyms.expand("can I use a fiver?") == "can I use a 5\\$ voucher?"
    assert synonyms.expand("how do I pay?") == "how do I pay?"
