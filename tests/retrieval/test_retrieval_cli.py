"""`assistant eval retrieval`, `train reranker --pairs` argument checks and `index status` through the CLI runner (fakes)."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.config import Settings
from cli_helpers import flat, invoke, runner  # noqa: F401  (fixture)

from retrieval.fusion import adaptive_fusion
from retrieval.keyword import KeywordIndex
from test_metrics_and_eval import write_stackfaq


def test_eval_retrieval_json_keyed_by_method_then_metric(runner, tmp_path: Path) -> None:  # noqa: F811
    folder = write_stackfaq(tmp_path / "stackfaq")
    result = invoke(runner, "eval", "retrieval", "--dataset", "stackfaq", "--data", str(folder), "--json")

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(payload) == {"dense", "bm25", "rrf", "hybrid"}  # no reranker trained: rerank left out, with a note
    assert set(payload["hybrid"]) == {"recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"}
    assert "no trained reranker" in flat(result.stderr)


def test_eval_retrieval_rejects_bad_options(runner, tmp_path: Path) -> None:  # noqa: F811
    folder = write_stackfaq(tmp_path / "stackfaq")
    bad = invoke(runner, "eval", "retrieval", "--dataset", "stackfaq", "--data", str(folder), "--fusion-weights", "1")
    assert bad.exit_code == 1 and "--fusion-weights takes two numbers" in flat(bad.stderr)
    split = invoke(runner, "eval", "retrieval", "--dataset", "stackfaq", "--data", str(folder), "--split", "dev")
    assert split.exit_code == 1 and "unknown split" in flat(split.stderr)
    missing = invoke(runner, "eval", "retrieval", "--dataset", "stackfaq", "--data", str(folder), "--methods", "rerank",
                     "--reranker", str(tmp_path / "none"))
    assert missing.exit_code == 1 and "assistant train reranker" in flat(missing.stderr)


def test_index_status_shows_type_and_counts(runner, kb_dir: Path) -> None:  # noqa: F811
    assert invoke(runner, "ingest", str(kb_dir)).exit_code == 0
    status = invoke(runner, "index", "status")
    assert status.exit_code == 0, status.output
    text = flat(status.stdout)
    assert "index_type: auto" in text and "index_type_in_use: flat" in text and "updated_at" in text


def test_coverage_measures_rare_word_overlap() -> None:
    index = KeywordIndex([1, 2, 3], ["the zeppelin landed in lakehurst", "the ship landed", "a ship sailed"])
    _, coverage = index.search_with_coverage(["zeppelin lakehurst", "which ship landed", "unknownword ship"], 3)
    assert coverage[0] == 1.0
    assert 0.0 < coverage[2] < coverage[1] <= 1.0  # an unseen word counts against coverage


def test_adaptive_fusion_leans_on_bm25_only_with_high_coverage() -> None:
    dense, keyword = [(1, 0.9), (2, 0.8)], [(2, 9.0), (1, 1.0)]
    assert adaptive_fusion(dense, keyword, coverage=0.2)[0][0] == 1
    assert adaptive_fusion(dense, keyword, coverage=1.0)[0][0] == 2
    assert adaptive_fusion(dense, keyword, coverage=0.2, bm25_weight=2.0, power=0)[0][0] == 2  # fixed weights


def test_adaptive_fusion_trusts_dense_after_an_faq_match() -> None:
    dense, keyword = [(1, 0.9), (2, 0.8)], [(2, 9.0), (1, 1.0)]
    assert adaptive_fusion(dense, keyword, coverage=0.9)[0][0] == 2  # keywords win at high coverage
    assert adaptive_fusion(dense, keyword, coverage=0.9, faq={2})[0][0] == 2  # dense's best is no FAQ entry
    assert adaptive_fusion(dense, keyword, coverage=0.9, faq={1})[0][0] == 1  # it is: the question's meaning decides
    assert adaptive_fusion(dense, keyword, coverage=1.0, faq={1}, faq_weight=2.0)[0][0] == 2


def test_ingest_messages_stay_one_line_each_in_a_narrow_log(kb_dir: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from assistant import cli

    monkeypatch.setattr(cli.err, "_width", 80)  # what rich uses when the output is a file or a pipe
    monkeypatch.setattr(cli.out, "_width", 80)
    deep = kb_dir / "a-rather-long-folder-name" / "and-another-one-inside-it"
    deep.mkdir(parents=True)
    (deep / "empty-article-about-something.md").write_text("")

    result = CliRunner().invoke(cli.app, ["--embedder", "hash", "ingest", str(kb_dir)])

    assert result.exit_code == 0, result.output
    [skipped] = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert skipped == f"skipped {deep / 'empty-article-about-something.md'}: empty file"
    [summary] = [line for line in result.stdout.splitlines() if line.startswith("Indexed")]
    assert " chunk(s) embedded. Index: " in summary and summary.endswith(" chunks in " + str(Settings().index_dir) + ".")
