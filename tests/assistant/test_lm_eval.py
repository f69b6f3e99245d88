"""`assistant eval answers`: the official SQuAD v2 scoring, abstention, the support trade-off, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typer.testing import CliRunner

from assistant.lm.answer_eval import best_scores, eval_squad2, f1, normalize_answer, prediction_text
from assistant.lm.base import ScriptedGenerator
from assistant.lm.dstc11_eval import eval_dstc11, is_knowledge_seeking, reference_of


def squad_file(tmp_path: Path) -> Path:
    data = {"data": [
        {"title": f"Article_{i}", "paragraphs": [{"context": f"The castle of town {i} was built in 1066 by Normans.", "qas": [
            {"id": f"a{i}", "question": "When was the castle built?", "answers": [{"text": "1066", "answer_start": 0}], "is_impossible": False},
            {"id": f"n{i}", "question": "Who owns it today?", "answers": [], "is_impossible": True},
        ]}]}
        for i in range(4)
    ]}
    path = tmp_path / "dev-v2.0.json"
    path.write_text(json.dumps(data))
    return path


def test_official_normalisation_and_scores() -> None:
    assert normalize_answer("The  Normans!") == "normans"
    assert f1("in 1066", "1066") == 2 * (1 * 0.5) / 1.5
    assert best_scores([], "") == (1.0, 1.0)  # a declined unanswerable question is right
    assert best_scores([], "1066") == (0.0, 0.0)
    assert best_scores(["1066", "in 1066"], "1066.") == (1.0, 1.0)


def test_replies_become_spans_or_declines() -> None:
    assert prediction_text("1066 [1].", 1) == ("1066", False)
    assert prediction_text("I don't know.", 1) == ("", True)
    assert prediction_text("Built in 1066 [3].", 1) == ("Built in 1066", False)  # [3] was never given: dropped


def test_eval_squad2_reports_only_the_report_articles(tmp_path: Path) -> None:
    result = eval_squad2(ScriptedGenerator(), squad_file(tmp_path), split="report", workers=2)
    report_titles = set(result["split_titles"]["report"])
    assert len(report_titles) == 2 and not report_titles & set(result["split_titles"]["train"])
    s = result["summary"]
    assert s["questions"] == 4 and s["HasAns_total"] == 2 and s["NoAns_total"] == 2
    # the scripted generator quotes the whole paragraph: partial F1, never declines
    assert 0 < s["HasAns_f1"] < 100 and s["abstention_recall"] == 0 and s["coverage"] == 100
    assert [row["min_support"] for row in result["tradeoff"]][0] == 0.0


def test_knowledge_seeking_rule() -> None:
    assert is_knowledge_seeking("Does the hotel allow pets?")
    assert not is_knowledge_seeking("Please book a table for 4 people.")
    assert not is_knowledge_seeking("Thanks, that's all.")


def dstc11_folder(tmp_path: Path) -> Path:
    """Two hotels with an FAQ entry and a review each; three dialogues, two of them knowledge-seeking."""
    knowledge = {"hotel": {
        "1": {"name": "Alpha Lodge", "faqs": {"0": {"question": "Are pets allowed?", "answer": "Pets are allowed at no charge."}},
              "reviews": {"0": {"sentences": {"0": "The breakfast was cold.", "1": "The staff were friendly and kind."}}}},
        "2": {"name": "Beta House", "faqs": {"0": {"question": "Is there free parking?", "answer": "Parking is free for guests."}},
              "reviews": {"0": {"sentences": {"0": "Parking was easy and free.", "1": "Rooms were noisy at night."}}}},
    }}
    logs = [
        [{"speaker": "U", "text": "I need a hotel."}, {"speaker": "S", "text": "Alpha Lodge is nice."}, {"speaker": "U", "text": "Are pets allowed at Alpha Lodge?"}],
        [{"speaker": "U", "text": "Please book a room for 2 nights."}],
        [{"speaker": "U", "text": "Is parking free at Beta House?"}],
    ]
    labels = [
        {"target": True, "knowledge": [{"domain": "hotel", "entity_id": 1, "doc_type": "faq", "doc_id": 0}], "response": "Yes, pets are allowed at no charge."},
        {"target": False},
        {"target": True, "knowledge": [{"domain": "hotel", "entity_id": 2, "doc_type": "review", "doc_id": 0, "sent_id": 0}],
         "response": "Guests say parking is easy and free."},
    ]
    (tmp_path / "val").mkdir()
    (tmp_path / "knowledge.json").write_text(json.dumps(knowledge))
    (tmp_path / "val" / "logs.json").write_text(json.dumps(logs))
    (tmp_path / "val" / "labels.json").write_text(json.dumps(labels))
    return tmp_path


def test_dstc11_replies_from_labelled_or_retrieved_snippets(tmp_path: Path) -> None:
    from assistant.lm.extractive import ExtractiveAnswerer
    from retrieval.embedders import HashEmbedder

    data = dstc11_folder(tmp_path)
    labelled = eval_dstc11(ScriptedGenerator(), data, snippets="labelled")
    assert labelled["detection"]["turns"] == 3 and labelled["detection"]["f1"] == 1.0
    response = labelled["response"]
    assert response["turns"] == 2 and response["labelled_snippet_given"] == 1.0 and 0 < response["rougeL"] <= 100
    # the scripted generator quotes its first passage: the labelled FAQ answer
    assert "Pets are allowed at no charge" in labelled["rows"][0]["reply"]

    embedder = HashEmbedder()
    retrieved = eval_dstc11(None, data, snippets="retrieved", embedder=embedder, top_k=2, extractive=ExtractiveAnswerer(embedder))
    assert retrieved["generator"] == "extractive" and retrieved["response"]["snippets"].startswith("retrieved")
    assert 0 <= retrieved["response"]["labelled_snippet_given"] <= 1 and all(row["reply"] for row in retrieved["rows"])
    assert "[" not in retrieved["rows"][0]["reply"]  # citations are removed before scoring


def test_dstc11_needs_a_way_to_reply_and_known_snippets(tmp_path: Path) -> None:
    import pytest

    data = dstc11_folder(tmp_path)
    with pytest.raises(ValueError, match="generator or an extractive"):
        eval_dstc11(None, data, snippets="labelled")
    with pytest.raises(ValueError, match="need an embedder"):
        eval_dstc11(ScriptedGenerator(), data, snippets="retrieved")
    with pytest.raises(ValueError, match="snippets must be one of"):
        eval_dstc11(ScriptedGenerator(), data, snippets="gold")
    with pytest.raises(FileNotFoundError, match="no DSTC11 track 5 data at .*knowledge.json, val/logs.json, val/labels.json missing"):
        eval_dstc11(ScriptedGenerator(), tmp_path / "elsewhere", snippets="labelled")
    assert reference_of("hotel/2/review/0/1") == {"domain": "hotel", "entity_id": 2, "doc_type": "review", "doc_id": 0, "sent_id": 1}


def test_cli_eval_answers_dstc11_extractive(tmp_path: Path) -> None:
    from assistant.cli import app

    data = dstc11_folder(tmp_path)
    result = CliRunner().invoke(app, ["--embedder", "hash", "--answer-mode", "extractive", "eval", "answers", "--dataset", "dstc11",
                                      "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["generator"] == "extractive" and summary["response"]["turns"] == 2
    table = CliRunner().invoke(app, ["--embedder", "hash", "--answer-mode", "extractive", "eval", "answers", "--dataset", "dstc11",
                                     "--data", str(data)])
    assert table.exit_code == 0, table.output
    assert "detection turns" in table.stdout and "response turns" in table.stdout  # both counts shown, each named


def test_cli_eval_answers_squad2_json(tmp_path: Path) -> None:
    from assistant.cli import app

    result = CliRunner().invoke(
        app, ["--generator", "scripted", "eval", "answers", "--dataset", "squad2", "--data", str(squad_file(tmp_path)), "--json", "--limit", "2"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["summary"]["questions"] == 2 and summary["dataset"] == "squad2"
    table = CliRunner().invoke(app, ["--generator", "scripted", "eval", "answers", "--dataset", "squad2", "--data", str(squad_file(tmp_path)),
                                     "--limit", "2"])
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in table.stdout.splitlines() if line.count("│") == 3}
    f1 = summary["summary"]["f1"]
    assert rows["f1"] == f"{f1:.1f} %" and rows["coverage"].endswith(" %")  # percentages, said so (0.000 read as a fraction)
    assert rows["questions"] == "2"
    # on a CPU the assistant answers extractively, which squad2 does not measure: said, not left to guess
    assert "squad2 measures the generator, not the extractive answers" in table.stderr
    generative = CliRunner().invoke(app, ["--generator", "scripted", "--answer-mode", "generative", "eval", "answers", "--dataset", "squad2",
                                          "--data", str(squad_file(tmp_path)), "--limit", "2"])
    assert generative.exit_code == 0 and "squad2 measures the generator" not in generative.stderr


def test_cli_eval_answers_refuses_an_out_path_it_cannot_write_before_answering(tmp_path: Path) -> None:
    """--out naming a folder raised IsADirectoryError as a traceback once every question was answered."""
    from assistant.cli import app

    (tmp_path / "afile").write_text("x")
    for out, message in ((tmp_path, "is a folder; give a file name"), (tmp_path / "afile" / "r.json", "afile is a file, so nothing")):
        result = CliRunner().invoke(app, ["--generator", "scripted", "eval", "answers", "--dataset", "squad2",
                                          "--data", str(squad_file(tmp_path)), "--limit", "2", "--out", str(out)])
        assert result.exit_code == 1 and message in " ".join(result.output.split()) and "answered" not in result.output


def test_cli_train_lm_data_writes_jsonl(tmp_path: Path) -> None:
    from assistant.cli import app

    out = tmp_path / "train.jsonl"
    result = CliRunner().invoke(app, ["train", "lm-data", "--squad", str(squad_file(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 4 and {line["answerable"] for line in lines} == {True, False}


def test_cli_eval_answers_demo_with_the_fakes() -> None:
    from assistant.cli import app

    result = CliRunner().invoke(
        app, ["--embedder", "hash", "--generator", "scripted", "eval", "answers", "--dataset", "demo", "--limit", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["questions"] == 3 and (summary["citation_correct"] is None or 0 <= summary["citation_correct"] <= 1)


def test_decline_tradeoff_and_best_bias_from_margins() -> None:
    from assistant.lm.answer_eval import best_decline_bias, decline_tradeoff

    def row(answerable: bool, margin: float, forced_f1: float) -> dict:
        return {"answerable": answerable, "margin": margin, "forced_declined": False, "forced_em": float(forced_f1 == 1.0),
                "forced_f1": forced_f1, "declined": False, "em": 0.0, "f1": 0.0}

    # answerable questions have low margins, unanswerable ones high: a bias between them separates them
    rows = [row(True, -3.0, 1.0), row(True, -1.0, 1.0), row(False, 1.0, 0.0), row(False, 2.0, 0.0)]
    table = {entry["decline_bias"]: entry for entry in decline_tradeoff(rows, biases=(-5.0, 0.0, 5.0))}
    assert table[-5.0]["coverage"] == 100 and table[-5.0]["f1"] == 50
    assert table[0.0]["f1"] == 100 and table[0.0]["abstention_recall"] == 100 and table[0.0]["coverage"] == 50
    assert table[5.0]["coverage"] == 0 and table[5.0]["f1"] == 50
    best = best_decline_bias(rows)
    assert best["f1"] == 100 and -1.0 < -best["decline_bias"] < 1.0
    shifted = [{**r, "margin": r["margin"] + 4} for r in rows]  # a model that declines too readily
    best = best_decline_bias(shifted)
    assert best["f1"] == 100 and 3.0 < -best["decline_bias"] < 5.0


def test_cli_eval_answers_on_a_teams_own_question_set(tmp_path: Path, kb_dir: Path) -> None:
    """--dataset demo with --data and --kb measures a team's own questions on its own help centre."""
    from assistant.cli import app

    questions = tmp_path / "own.jsonl"
    questions.write_text(
        json.dumps({"id": "r1", "question": "How long does a password reset link work?", "answerable": True, "facts": [["30 minutes"]]}) + "\n"
        + json.dumps({"id": "r2", "question": "How much is express shipping?", "answerable": True, "facts": ["$12.50"]}) + "\n"
    )
    out = tmp_path / "results" / "own.json"
    result = CliRunner().invoke(app, ["--embedder", "hash", "--generator", "scripted", "eval", "answers", "--dataset", "demo",
                                      "--data", str(questions), "--kb", str(kb_dir), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "n/a (no unanswerable questions)" in result.stdout  # not a rate of 0 out of 0
    assert "answering from the demo help centre" not in result.output
    assert [row["id"] for row in json.loads(out.read_text())["rows"]] == ["r1", "r2"]


def test_eval_answers_without_sources_shows_n_a_and_takes_an_unanswerable_question_without_facts(tmp_path: Path, kb_dir: Path) -> None:
    """Lines without "sources" showed source_in_context and citation_correct as 0.000 (nothing was measured, it read
    as a total failure), and {"answerable": false} without "facts": [] was refused ("no field 'facts'")."""
    from assistant.cli import app

    questions = tmp_path / "own.jsonl"
    questions.write_text(
        json.dumps({"id": "r1", "question": "How long does a password reset link work?", "answerable": True, "facts": [["30 minutes"]]}) + "\n"
        + json.dumps({"id": "r2", "question": "Who is your CEO?", "answerable": False}) + "\n"
    )
    command = ["--embedder", "hash", "--generator", "scripted", "eval", "answers", "--dataset", "demo", "--data", str(questions), "--kb", str(kb_dir)]

    table = CliRunner().invoke(app, command)
    as_json = CliRunner().invoke(app, [*command, "--json"])

    assert table.exit_code == 0, table.output
    shown = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in table.stdout.splitlines() if line.count("│") == 3}
    assert shown["source_in_context"] == "n/a (no answerable question has sources)"
    assert shown["citation_correct"] == "n/a (no right answer to a question with sources)"
    assert shown["unanswerable"] == "1"
    summary = json.loads(as_json.stdout.strip().splitlines()[-1])
    assert summary["source_in_context"] is None and summary["citation_correct"] is None
    assert summary["abstention_recall"] is not None  # the unanswerable question was asked


def test_eval_answers_per_brand_applies_and_records_the_search_filters(tmp_path: Path, kb_dir: Path) -> None:
    """One question set per brand (--filter tag=...): its results say which filters they were measured with,
    so brand A's and brand B's result files can be told apart."""
    from assistant.cli import app

    questions = tmp_path / "brand.jsonl"
    questions.write_text(json.dumps({"id": "r1", "question": "How much is express shipping?", "answerable": True, "facts": ["$12.50"]}) + "\n")
    out = tmp_path / "brand.json"
    result = CliRunner().invoke(app, ["--embedder", "hash", "--generator", "scripted", "--filter", "tag=accounts", "eval", "answers",
                                      "--dataset", "demo", "--data", str(questions), "--kb", str(kb_dir), "--out", str(out)])

    assert result.exit_code == 0, result.output
    saved = json.loads(out.read_text())
    assert saved["settings"]["search_filters"] == {"tag": "accounts"}
    assert saved["rows"][0]["correct"] is False  # the shipping article is not brand "accounts"'s


@pytest.mark.parametrize("content, message", [
    (None, "no question file at"),
    ("", "holds no questions"),
    ('{"question": "Where?"}\n', "no field 'answerable'"),
])
def test_cli_eval_answers_refuses_a_bad_question_file_in_one_line(tmp_path: Path, kb_dir: Path, content: str | None, message: str) -> None:
    """A missing or empty file gave a traceback-free but late '[Errno 2]' after the models loaded, or a table of
    zeros with exit status 0."""
    from assistant.cli import app

    questions = tmp_path / "own.jsonl"
    if content is not None:
        questions.write_text(content)
    result = CliRunner().invoke(app, ["--embedder", "hash", "--generator", "scripted", "eval", "answers", "--dataset", "demo",
                                      "--data", str(questions), "--kb", str(kb_dir)])

    assert result.exit_code == 1 and message in " ".join(result.output.split())
    assert isinstance(result.exception, SystemExit)  # a one-line error, not an exception


def test_ctrl_c_during_eval_answers_keeps_the_questions_answered_so_far(tmp_path: Path, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C in a long run (minutes to hours) ended with exit 130 and nothing written, not even a message."""
    from assistant.cli import app
    from dialog.manager import DialogManager

    questions = tmp_path / "own.jsonl"
    questions.write_text("".join(
        json.dumps({"id": f"r{i}", "question": q, "answerable": True, "facts": [fact]}) + "\n"
        for i, (q, fact) in enumerate([("How long does a password reset link work?", "30 minutes"),
                                       ("How much is express shipping?", "$12.50"), ("What does standard shipping cost?", "$4.95")])
    ))
    handle, calls = DialogManager.handle, []

    def interrupted(self, session_id, text, channel="web"):  # type: ignore[no-untyped-def]
        calls.append(text)
        if len(calls) == 3:  # the warm-up turn, the first question, then Ctrl-C during the second
            raise KeyboardInterrupt
        return handle(self, session_id, text, channel)

    monkeypatch.setattr(DialogManager, "handle", interrupted)
    out = tmp_path / "own.json"
    result = CliRunner().invoke(app, ["--embedder", "hash", "--generator", "scripted", "eval", "answers", "--dataset", "demo",
                                      "--data", str(questions), "--kb", str(kb_dir), "--out", str(out)])

    assert result.exit_code == 130, result.output
    assert "stopped after 1 question(s)" in " ".join(result.output.split())
    saved = json.loads(out.read_text())
    assert [row["id"] for row in saved["rows"]] == ["r0"] and saved["summary"]["stopped_after"] == 1


def test_eval_answers_with_a_remote_generator_that_is_down_says_so_before_measuring(tmp_path: Path, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the server down, every answer silently came from the extractive fallback and was scored as the
    remote generator's; the table looked like a fine result."""
    import socket

    from assistant.cli import app

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ASSISTANT_GENERATOR_BACKEND", "openai")
    monkeypatch.setenv("ASSISTANT_GENERATOR_URL", f"http://127.0.0.1:{port}/v1")
    questions = tmp_path / "own.jsonl"
    questions.write_text(json.dumps({"question": "How much is express shipping?", "answerable": True, "facts": ["$12.50"]}) + "\n")
    out = tmp_path / "own.json"
    result = CliRunner().invoke(app, ["--embedder", "hash", "--answer-mode", "generative", "eval", "answers", "--dataset", "demo",
                                      "--data", str(questions), "--kb", str(kb_dir), "--out", str(out)])

    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert f"the generator at http://127.0.0.1:{port}/v1/chat/completions did not answer" in text and "--answer-mode extractive" in text
    assert not out.exists()


def test_eval_answers_indexes_the_knowledge_base_with_the_configured_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary index ignored faq_columns (and the chunk settings): a team whose FAQ has other columns had
    its FAQ left out, and every FAQ question measured as a miss."""
    from assistant.cli import app

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "faq.csv").write_text("Frage,Antwort\nWie lange dauert der Versand?,Der Versand dauert 3 Tage.\n", encoding="utf-8")
    (kb / "about.md").write_text("# About us\n\nWe sell kettles and teapots from a shop in Hamburg.\n", encoding="utf-8")
    questions = tmp_path / "own.jsonl"
    questions.write_text(json.dumps({"id": "f1", "question": "Wie lange dauert der Versand?", "answerable": True,
                                     "facts": ["3 Tage"], "sources": ["faq"]}) + "\n")
    monkeypatch.setenv("ASSISTANT_FAQ_COLUMNS", '["Frage", "Antwort"]')
    out = tmp_path / "own.json"
    result = CliRunner().invoke(app, ["--embedder", "hash", "--generator", "scripted", "eval", "answers", "--dataset", "demo",
                                      "--data", str(questions), "--kb", str(kb), "--out", str(out)])

    assert result.exit_code == 0, result.output
    [row] = json.loads(out.read_text())["rows"]
    assert row["source_hit"] is True  # the FAQ entry was indexed and retrieved


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_eval_answers_refuses_a_limit_below_one(limit: str) -> None:
    """--limit -1 quietly left out the last question ([:-1]); --limit 0 scored nothing and exited 0."""
    from assistant.cli import app

    result = CliRunner().invoke(app, ["--embedder", "hash", "--generator", "scripted", "eval", "answers", "--dataset", "demo", "--limit", limit])

    assert result.exit_code == 2 and "--limit" in result.output


def test_eval_answers_on_own_questions_without_kb_says_it_answers_from_the_demo_help_centre(tmp_path: Path) -> None:
    """Own questions with --data but no --kb were answered from the demo shop's articles without a word."""
    from assistant.cli import app

    questions = tmp_path / "own.jsonl"
    questions.write_text(json.dumps({"question": "How long does a password reset link work?", "answerable": True, "facts": ["30 minutes"]}) + "\n")
    result = CliRunner().invoke(app, ["--embedder", "hash", "--generator", "scripted", "eval", "answers", "--dataset", "demo",
                                      "--data", str(questions), "--json"])

    assert result.exit_code == 0, result.output
    assert "answering from the demo help centre" in " ".join(result.output.split()) and "give --kb FOLDER" in " ".join(result.output.split())


@pytest.mark.slow
def test_eval_answers_says_when_the_model_was_fine_tuned_on_the_questions_it_is_asked(tmp_path: Path) -> None:
    """`train lm-data --split all` (or report) data trains the model on the report questions, and `eval
    answers` reported their figures as held out; `train lm`'s manifest said "trained_on": "train" whatever
    the data. Now the manifest lists the SQuAD question ids, and the evaluation counts those it asks."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from assistant.cli import app
    from tests.conftest import prepared_model

    tokenizer = AutoTokenizer.from_pretrained(prepared_model("smollm2-135m"))
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=1, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    base = tmp_path / "tiny"
    LlamaForCausalLM(config).save_pretrained(base)
    tokenizer.save_pretrained(base)
    squad = squad_file(tmp_path)
    runner = CliRunner()
    notes = {}
    for split in ("all", "train"):
        data, model = tmp_path / f"{split}.jsonl", tmp_path / f"model-{split}"
        assert runner.invoke(app, ["train", "lm-data", "--squad", str(squad), "--split", split, "--out", str(data)]).exit_code == 0
        trained = runner.invoke(app, ["train", "lm", "--data", str(data), "--out", str(model), "--base-dir", str(base), "--max-steps", "1",
                                         "--eval-data", str(data)])  # nothing held out of training
        assert trained.exit_code == 0, trained.output
        ids = json.loads((model / "assistant_manifest.json").read_text())["data"]["squad_split"]["question_ids"]
        assert ids == sorted(json.loads(line)["source"].removeprefix("squad2:") for line in data.read_text().splitlines())
        result = runner.invoke(app, ["--answer-mode", "generative", "eval", "answers", "--dataset", "squad2", "--data", str(squad),
                                     "--model-dir", str(model), "--limit", "2", "--max-new-tokens", "2", "--json"])
        assert result.exit_code == 0, result.output
        notes[split] = (json.loads(result.stdout.strip().splitlines()[-1])["summary"].get("trained_on"), " ".join(result.stderr.split()))
    learnt, said = notes["all"]
    assert learnt == 2 and f"model-all was fine-tuned on 2 of these 2 questions, so these figures are not held out" in said
    learnt, said = notes["train"]
    assert learnt == 0 and "not held out" not in said


def test_train_lm_data_that_is_a_folder_or_missing_is_one_line(tmp_path: Path) -> None:
    """`train lm --data FOLDER` ended in a traceback (IsADirectoryError); a missing file gave a bare errno line."""
    from assistant.cli import app

    for data, message in ((tmp_path, "is a folder; give a JSONL file of training examples"), (tmp_path / "no.jsonl", "no training data file")):
        result = CliRunner().invoke(app, ["train", "lm", "--data", str(data), "--out", str(tmp_path / "model")])
        assert result.exit_code == 1 and message in " ".join(result.output.split())
        assert isinstance(result.exception, SystemExit)  # said and exited, not raised (IsADirectoryError)


def test_a_decline_bias_is_not_saved_when_chosen_on_the_report_questions(tmp_path: Path) -> None:
    """--save-decline-bias on the default split (report) wrote a bias chosen on the very questions every
    later report is made of; the help says to choose it on --split tune, and nothing stopped it."""
    from assistant.cli import app

    model = tmp_path / "model"
    model.mkdir()
    for split in ("report", "all"):
        args = ["--generator", "scripted", "eval", "answers", "--dataset", "squad2", "--data", str(squad_file(tmp_path)),
                "--model-dir", str(model), "--decline-sweep", "--save-decline-bias", "--split", split]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1 and "use --split tune" in " ".join(result.output.split())
    assert list(model.iterdir()) == []
