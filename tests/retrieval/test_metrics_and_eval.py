"""Ranking metrics and the retrieval evaluation on tiny handmade datasets in the public formats."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from retrieval.embedders import HashEmbedder
from retrieval.evaluation import evaluate, load_dataset
from retrieval.metrics import ndcg_at, reciprocal_rank_at, recall_at, summarise


def test_metrics_by_hand() -> None:
    ranked = ["a", "b", "c", "d"]
    assert recall_at(ranked, {"b", "z"}, 1) == 0.0 and recall_at(ranked, {"b", "z"}, 2) == 0.5
    assert reciprocal_rank_at(ranked, {"c"}, 10) == pytest.approx(1 / 3)
    assert reciprocal_rank_at(ranked, {"c"}, 2) == 0.0
    assert ndcg_at(ranked, {"a"}, 10) == 1.0
    assert ndcg_at(ranked, {"b"}, 10) == pytest.approx(1 / math.log2(3))
    summary = summarise([(ranked, {"a"}), (ranked, {"z"})])
    assert summary["recall@1"] == 0.5 and summary["mrr@10"] == 0.5


def write_stackfaq(folder: Path) -> Path:
    threads = [
        {"question": "Strikethrough with GitHub Markdown", "answer": ["Use ~~tildes~~."], "rephr": ["cross out text on github markdown", "*", None]},
        {"question": "Delete a Facebook account", "answer": ["Open settings and delete the account."], "rephr": ["remove my facebook account"]},
    ]
    folder.mkdir()
    (folder / "faq.json").write_text(json.dumps({"root": {"qapair": threads}}))
    return folder


def test_stackfaq_loader_drops_placeholder_paraphrases(tmp_path: Path) -> None:
    dataset = load_dataset("stackfaq", write_stackfaq(tmp_path / "stackfaq"))

    assert dataset.passage_ids == ["thread-0", "thread-1"]
    assert dataset.queries == ["cross out text on github markdown", "remove my facebook account"]
    assert dataset.gold == [{"thread-0"}, {"thread-1"}]


def test_evaluate_scores_each_method(tmp_path: Path) -> None:
    dataset = load_dataset("stackfaq", write_stackfaq(tmp_path / "stackfaq"))

    results = evaluate(dataset, HashEmbedder())

    assert set(results) == {"dense", "bm25", "rrf", "hybrid"}
    for metrics in results.values():
        assert set(metrics) == {"recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"}
    assert results["bm25"]["recall@1"] == 1.0  # each paraphrase shares words only with its own thread


def test_squad_loader_keeps_answerable_questions_only(tmp_path: Path) -> None:
    squad = {"data": [{"title": "T", "paragraphs": [{"context": "Paris is in France.", "qas": [
        {"question": "Where is Paris?", "answers": [{"text": "France"}], "is_impossible": False},
        {"question": "Where is Atlantis?", "answers": [], "is_impossible": True},
    ]}]}]}
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(squad))

    dataset = load_dataset("squad2", path)

    assert dataset.passage_ids == ["T#0"] and dataset.queries == ["Where is Paris?"] and dataset.gold == [{"T#0"}]


def test_unknown_dataset_and_missing_path_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown dataset 'msmarco'"):
        load_dataset("msmarco", tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_dataset("stackfaq", tmp_path / "nowhere")


def test_stackfaq_entries_are_indexed_as_a_users_faq_file(tmp_path: Path) -> None:
    from retrieval.chunking import chunk_document
    from retrieval.evaluation import dense_rankings
    from retrieval.loaders import load_faq

    dataset = load_dataset("stackfaq", write_stackfaq(tmp_path / "stackfaq"))
    faq = tmp_path / "faq.json"
    faq.write_text(json.dumps([{"question": "Delete a Facebook account", "answer": "Open settings and delete the account."}]))
    [chunk] = chunk_document(load_faq(faq, "faq")[0])

    assert dataset.passages[1] == chunk.embedding_text
    assert dataset.questions == {0: "Strikethrough with GitHub Markdown", 1: "Delete a Facebook account"}
    embedder = HashEmbedder()
    [ranking, _] = dense_rankings(embedder, dataset, 2, False)
    entry, question, query = embedder.embed([dataset.passages[ranking[0][0]], dataset.questions[ranking[0][0]], dataset.queries[0]])
    assert ranking[0][1] == pytest.approx(float(query @ (entry + question) / 2), abs=1e-5)  # mean of the two cosines
