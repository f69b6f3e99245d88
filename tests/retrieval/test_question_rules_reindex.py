"""A question in prose is one sentence unit with the sentence after it ("Picked the wrong item yourself? Then return it
…", 89b2e70), so an article that has one got other sentence vectors: an index made before re-embeds such articles once
at the next ingest, and no others (re-ingesting said "0 changed" and kept their old sentence vectors)."""

from __future__ import annotations

from pathlib import Path

import retrieval.sentences as sentences
from retrieval.embedders import HashEmbedder
from retrieval.index import VectorIndex
from retrieval.ingest import ingest
from retrieval.sentences import QUESTION_RULES, chunk_sentence_texts, question_rules
from test_ingest import CountingEmbedder

FILES = {
    "wrong-item.md": "# Wrong item\n\nPicked the wrong item yourself? Then return it or exchange it as usual. Refunds take 5 days.\n",
    "damaged.md": "# Damaged items\n\nArrived broken or damaged? Report it within 7 days.\n",
    "hours.md": "# Opening hours\n\nWe are open from 9 to 5. Closed on Sundays.\n\n- Is it a holiday? Then we are closed.\n",
}


def test_only_a_question_in_prose_with_a_sentence_after_it_records_the_rule() -> None:
    assert question_rules(FILES["wrong-item.md"]) == QUESTION_RULES
    assert question_rules("# Help\n\nHow do I pay? By card.\n") == QUESTION_RULES
    assert question_rules(FILES["hours.md"]) == ""  # a list item is one unit as it is
    assert question_rules("# FAQ\n\nCan I pay by card?\n\nYes, every card.\n") == ""  # nothing after it on its line


def test_an_index_made_before_the_rule_re_embeds_only_the_articles_it_changes(tmp_path: Path, monkeypatch) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    for name, text in FILES.items():
        (kb / name).write_text(text)
    monkeypatch.setattr(sentences, "_questions_with_answers", lambda pieces: [p.strip() for p in pieces])
    monkeypatch.setattr(sentences, "question_rules", lambda text: "")
    import retrieval.ingest

    monkeypatch.setattr(retrieval.ingest, "question_rules", lambda text: "", raising=False)
    ingest([kb], HashEmbedder(), tmp_path / "index")
    monkeypatch.undo()
    embedder = CountingEmbedder()
    report = ingest([kb], embedder, tmp_path / "index")

    assert sorted(report.updated) == ["damaged", "wrong-item"] and report.unchanged == ["hours"]
    wrong_item = next(c for c in VectorIndex.load(tmp_path / "index", "hash", "hash-256").chunks.values() if c.doc_id == "wrong-item")
    assert any(text.endswith("Picked the wrong item yourself? Then return it or exchange it as usual.") for text in chunk_sentence_texts(wrong_item))
    assert ingest([kb], CountingEmbedder(), tmp_path / "index").updated == []  # once only
