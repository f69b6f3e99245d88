"""`assistant train intents`, `train mlm` and `eval intents` through typer's runner."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialog.nlu.classifier import IntentClassifier
from dialog.nlu.manifest import load_manifest

from cli_helpers import flat, invoke, runner  # noqa: F401 (fixtures)
from nlu_fixtures import TOY_INTENTS, minilm_dir, tiny_base  # noqa: F401 (fixtures)


def _toy_csv(folder: Path) -> Path:
    lines = ["text,label"] + [f"{text},{label}" for label, texts in TOY_INTENTS.items() for text in texts]
    path = folder / "toy.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_help_explains_the_commands(runner: CliRunner) -> None:
    for command in (["train", "intents"], ["train", "mlm"], ["eval", "intents"]):
        result = invoke(runner, *command, "--help")
        assert result.exit_code == 0, result.output
    text = flat(invoke(runner, "eval", "intents", "--help").output)
    assert "--folds" in text and "--plot" in text and "out-of-scope" in text
    assert "text,label" in flat(invoke(runner, "train", "intents", "--help").output)
    import typer.main

    from assistant.cli import app

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    mlm = {p.name: p.help for p in commands["train"].commands["mlm"].params}
    assert "no early stopping" in mlm["epochs"] and "head" not in mlm["seed"]  # the help was train intents' (neither applies)
    assert "intent classifier" in commands["eval"].help  # it said "Evaluate retrieval on public datasets."


def test_bad_csv_is_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,label,notes\nhi,greet,x\n", encoding="utf-8")
    result = invoke(runner, "train", "intents", str(path))
    assert result.exit_code == 1
    assert "unknown column(s): notes" in flat(result.output) and "Traceback" not in result.output
    path.write_bytes(b"text,label\nhi,greet\n\xff\xfe,greet\n")
    assert "not UTF-8 text" in flat(invoke(runner, "train", "intents", str(path)).output)


def test_a_folder_given_for_the_csv_is_named_a_folder_not_missing(runner: CliRunner, tmp_path: Path) -> None:
    toy = _toy_csv(tmp_path)
    for command in (["train", "intents", str(tmp_path)], ["eval", "intents", "--dataset", "csv", "--data", str(tmp_path), "--folds", "2"]):
        result = invoke(runner, *command)
        assert result.exit_code == 1
        text = flat(result.output)
        assert "is a folder; give the file itself, e.g." in text and str(toy) in text and "not found" not in text


def test_eval_needs_a_model_or_folds_for_a_csv(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(_toy_csv(tmp_path)))
    assert result.exit_code == 1 and "needs --model" in flat(result.output)
    missing = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(_toy_csv(tmp_path)), "--model", str(tmp_path / "none"))
    assert missing.exit_code == 1 and "no intent model at" in flat(missing.output)
    bad = invoke(runner, "eval", "intents", "--dataset", "snips", "--data", str(tmp_path))
    assert bad.exit_code == 1 and "unknown dataset" in flat(bad.output)
    objective = invoke(runner, "train", "intents", str(_toy_csv(tmp_path)), "--oos-objective", "precision:1")
    assert objective.exit_code == 1 and "unknown out-of-scope objective" in flat(objective.output)
    toy = str(_toy_csv(tmp_path))
    folds = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", toy, "--folds", "2", "--teacher", str(tmp_path))
    assert folds.exit_code == 1 and "cannot be combined with --folds" in flat(folds.output)
    trained = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", toy, "--model", str(tmp_path), "--teacher", str(tmp_path))
    assert trained.exit_code == 1 and "nothing is trained here" in flat(trained.output)


def test_a_plot_path_that_cannot_be_written_is_refused_before_any_work(runner: CliRunner, tmp_path: Path) -> None:
    """A --plot below a file raised FileExistsError as a traceback, after training and evaluating."""
    toy = str(_toy_csv(tmp_path))
    for plot, message in ((tmp_path / "toy.csv" / "cm.png", "toy.csv is a file, so the plot cannot be saved below it"),
                          (tmp_path, "is a folder; give a file name (.png)")):
        result = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", toy, "--folds", "2", "--plot", str(plot))
        assert result.exit_code == 1 and message in flat(result.output) and "Traceback" not in result.output
        assert "fold 1" not in result.output  # nothing was trained


def test_train_then_eval_with_plot_and_folds(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    data = _toy_csv(tmp_path)
    model = tmp_path / "model"
    fast = ["--base", str(tiny_base), "--epochs", "4", "--lr", "5e-3", "--batch-size", "8", "--device", "cpu"]
    trained = invoke(runner, "train", "intents", str(data), "--out", str(model), "--json", *fast)
    assert trained.exit_code == 0, trained.output
    manifest = json.loads(trained.stdout.strip().splitlines()[-1])
    assert manifest["labels"] == ["greet", "refund", "shipping"] and Path(manifest["folder"]) == model
    # one readable line per epoch, not the Trainer's raw log dictionaries and a weights bar per checkpoint
    assert "epoch 1.00: validation accuracy" in trained.stderr
    assert "{'loss'" not in trained.stderr and "train_runtime" not in trained.stderr and "Writing model shards" not in trained.stderr
    # the folder says what it was trained on: the file, its size and digest, and how many examples
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    assert manifest["data"] == {"files": [{"path": str(data.resolve()), "bytes": data.stat().st_size, "sha256": digest}], "examples": 24}
    plot = tmp_path / "cm.png"
    evaluated = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(data), "--model", str(model),
                       "--plot", str(plot), "--folds", "2", "--json", *fast)
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert report["test"]["n"] == 24 and set(report["test"]["per_intent"]) == {"greet", "refund", "shipping"}
    assert {"precision", "recall", "f1", "support"} <= set(report["test"]["per_intent"]["greet"])
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert report["cross_validation"]["folds"] == 2 and len(report["cross_validation"]["per_fold"]) == 2
    again = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(data), "--model", str(model), "--oos-objective", "reject:0.1")
    assert again.exit_code == 1 and "no validation split to choose a threshold on" in flat(again.output)
    table = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(data), "--model", str(model))
    assert table.exit_code == 0, table.output  # the table on its training file ended in a TypeError traceback
    assert "model trained in" in table.output
    assert "macro-F1" in table.output and "weakest intents" in table.output
    assert "csv: 24 examples, the test set of --model" in table.stderr  # it said "24 train, 0 validation, 24 test"
    # the file it was trained on gives figures on learnt examples: said, and marked in the JSON
    assert "was trained on" in table.stderr and "not held out" in flat(table.stderr)
    assert report["test_is_training_data"] is True
    other = tmp_path / "new-messages.csv"
    other.write_text(data.read_text(encoding="utf-8") + "hello again my friend,greet\n", encoding="utf-8")
    superset = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(other), "--model", str(model), "--json")
    assert superset.exit_code == 0, superset.output
    # the training file with one message more gave figures on 24 learnt examples of 25 without a word
    assert "(the same file)" not in superset.stderr and "24 of these 25 messages are in" in flat(superset.stderr)
    assert json.loads(superset.stdout.strip().splitlines()[-1])["test_examples_learnt"] == 24
    (tmp_path / "unseen.csv").write_text("text,label\nhello again my friend,greet\nwhere is the parcel now,shipping\n", encoding="utf-8")
    fresh = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(tmp_path / "unseen.csv"), "--model", str(model))
    assert fresh.exit_code == 0, fresh.output
    assert "was trained on" not in fresh.stderr and "messages are in" not in fresh.stderr


OUT_OF_SCOPE = ["what is the weather", "tell me a joke", "who won the game", "play some music", "what time is it",
                "book a flight", "recommend a film", "how tall is everest"]
FAST = ["--epochs", "2", "--lr", "5e-3", "--batch-size", "8", "--device", "cpu"]


def test_too_few_validation_examples_to_choose_on_keep_the_default_threshold(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    """8 `oos` rows leave one in the validation split, beside 3 in-scope ones: `balanced` would let that one
    message set the threshold, and `reject:0.05` of 3 messages turns none away, so it saved 0.0000 (nothing
    ever out of scope by the threshold). The default is kept instead, and the output says why."""
    from dialog.nlu.threshold import DEFAULT_THRESHOLD

    data = _toy_csv(tmp_path)
    data.write_text(data.read_text(encoding="utf-8") + "".join(f"{text},oos\n" for text in OUT_OF_SCOPE), encoding="utf-8")
    result = invoke(runner, "train", "intents", str(data), "--out", str(tmp_path / "model"), "--base", str(tiny_base), *FAST)
    assert result.exit_code == 0, result.output
    said = flat(result.stderr)
    assert f"Out-of-scope threshold {DEFAULT_THRESHOLD:.4f}: only 3 in-scope and 1 out-of-scope validation examples, too few" in said
    assert "'reject:0.05' 20 in-scope ones to turn away even one" in said and "--oos-threshold" in said
    table = flat(result.stdout)
    assert f"{DEFAULT_THRESHOLD:.4f} (default: 3 in-scope and 1 out-of-scope validation examples are too few to choose on)" in table
    oos = load_manifest(tmp_path / "model")["oos"]
    assert oos["threshold"] == DEFAULT_THRESHOLD > 0 and oos["objective"] == "default" and not oos["set_by_hand"]
    assert "too few to choose a threshold on" in oos["note"]
    assert IntentClassifier(tmp_path / "model", device="cpu").threshold == DEFAULT_THRESHOLD
    assert f"the default {DEFAULT_THRESHOLD:g} is kept" in _option_help("train", "intents")["oos_objective"]


def _option_help(*command: str) -> dict[str, str]:
    """Each option's --help text of an `assistant` command, unwrapped."""
    import typer.main

    from assistant.cli import app

    found = typer.main.get_command(app)
    for name in command:
        found = found.commands[name]  # type: ignore[attr-defined]
    return {p.name: p.help or "" for p in found.params}  # type: ignore[attr-defined]


def test_threshold_set_by_hand_when_training_and_afterwards(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    data, model = _toy_csv(tmp_path), tmp_path / "model"
    train = ["train", "intents", str(data), "--out", str(model), "--base", str(tiny_base), *FAST]
    result = invoke(runner, *train, "--oos-threshold", "0.42")
    assert result.exit_code == 0, result.output
    assert "0.4200 (set by hand)" in flat(result.stdout)
    manifest = load_manifest(model)
    assert manifest["oos"]["threshold"] == 0.42 and manifest["oos"]["objective"] == "set by hand" and manifest["oos"]["set_by_hand"]
    assert manifest["validation"]["threshold"] == 0.42  # the validation figures are for that threshold
    assert IntentClassifier(model, device="cpu").threshold == 0.42
    out_of_range = invoke(runner, *train, "--oos-threshold", "1.5")
    assert out_of_range.exit_code == 2 and "less than or equal to 1" in flat(out_of_range.output)
    both = invoke(runner, *train, "--oos-threshold", "0.3", "--oos-objective", "balanced")
    assert both.exit_code == 1 and "give either --oos-threshold or --oos-objective, not both" in flat(both.output)
    assert load_manifest(model)["oos"]["threshold"] == 0.42  # nothing retrained by a refused command

    # an existing folder: another threshold without training again
    changed = invoke(runner, "models", "set-oos-threshold", "0.3", "--model", str(model))
    assert changed.exit_code == 0, changed.output
    assert f"Out-of-scope threshold of {model}: 0.3000 (was 0.4200, set by hand)" in flat(changed.stdout)
    oos = load_manifest(model)["oos"]
    assert oos["threshold"] == 0.3 and oos["set_by_hand"] and oos["previous"]["threshold"] == 0.42
    assert IntentClassifier(model, device="cpu").threshold == 0.3 and load_manifest(model)["labels"] == manifest["labels"]
    assert invoke(runner, "models", "set-oos-threshold", "2", "--model", str(model)).exit_code == 2
    missing = invoke(runner, "models", "set-oos-threshold", "0.3", "--model", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and "no intent model at" in flat(missing.output)


def test_train_with_refit_says_what_was_saved(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    fast = ["--base", str(tiny_base), "--epochs", "2", "--lr", "5e-3", "--batch-size", "8", "--device", "cpu"]
    result = invoke(runner, "train", "intents", str(_toy_csv(tmp_path)), "--out", str(tmp_path / "model"), "--refit", *fast)

    assert result.exit_code == 0, result.output
    assert "trained again on all 24 examples for" in flat(result.stdout)


def test_distil_from_teachers_says_so_and_rejects_refit(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    fast = ["--base", str(tiny_base), "--epochs", "2", "--lr", "5e-3", "--batch-size", "8", "--device", "cpu"]
    data = _toy_csv(tmp_path)
    teacher = tmp_path / "teacher"
    assert invoke(runner, "train", "intents", str(data), "--out", str(teacher), *fast).exit_code == 0
    student = invoke(runner, "train", "intents", str(data), "--out", str(tmp_path / "student"), "--teacher", str(teacher), *fast)
    assert student.exit_code == 0, student.output
    assert "distilled from" in flat(student.stdout) and "teacher" in flat(student.stdout)
    both = invoke(runner, "train", "intents", str(data), "--out", str(tmp_path / "x"), "--teacher", str(teacher), "--refit", *fast)
    assert both.exit_code == 1 and "cannot be combined" in flat(both.output)


def test_extra_out_of_scope_messages_join_the_training_data(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    outliers = tmp_path / "outliers.txt"
    outliers.write_text("\n".join(["who painted the mona lisa", "what is the capital of peru", "how tall is mount everest",
                                     "when did the war end", "what is a prime number", "who wrote hamlet"]) + "\n", encoding="utf-8")
    fast = ["--base", str(tiny_base), "--epochs", "1", "--lr", "5e-3", "--batch-size", "8", "--device", "cpu"]
    result = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(_toy_csv(tmp_path)), "--folds", "2",
                    "--extra-oos", str(outliers), "--json", *fast)

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["extra_oos"]["train_oos_examples"] == 6
    assert "6 extra out-of-scope training messages" in flat(result.stderr)
    # the 24 toy examples and the 6 out-of-scope messages were split into the folds together
    assert sum(fold["n"] for fold in report["cross_validation"]["per_fold"]) == 30
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    bad = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(_toy_csv(tmp_path)), "--folds", "2", "--extra-oos", str(empty))
    assert bad.exit_code == 1 and "holds no messages" in flat(bad.output) and "Traceback" not in bad.output


def _toy_clinc(folder: Path) -> Path:
    """A CLINC150-format file (train, val and test splits, each with out-of-scope messages) from the toy intents."""
    def rows(part: slice) -> list[list[str]]:
        return [[text, label] for label, texts in TOY_INTENTS.items() for text in texts[part]]

    outside = [["what is the capital of peru", "oos"], ["set an alarm", "oos"], ["play some jazz", "oos"], ["how tall is everest", "oos"]]
    data = {"train": rows(slice(0, 6)), "val": rows(slice(6, 7)), "test": rows(slice(7, 8)),
            "oos_train": outside[:2], "oos_val": outside[2:3], "oos_test": outside[3:]}
    path = folder / "data_full.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_given_threshold_replaces_the_models_own(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    fast = ["--base", str(tiny_base), "--epochs", "2", "--lr", "5e-3", "--batch-size", "8", "--device", "cpu"]
    data, model = str(_toy_clinc(tmp_path)), tmp_path / "model"
    common = ["eval", "intents", "--dataset", "clinc150", "--data", data]
    untrained = invoke(runner, *common, "--threshold", "0.5")  # nothing trained yet to give it to
    assert untrained.exit_code == 1 and "applies to a trained --model" in flat(untrained.output)
    trained = invoke(runner, *common, "--out", str(model), "--refit", "--json", *fast)
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.stdout.strip().splitlines()[-1])["model"]["training"]["refit"]["examples"] == 24

    rejects_all = invoke(runner, *common, "--model", str(model), "--threshold", "1.0", "--json")
    report = json.loads(rejects_all.stdout.strip().splitlines()[-1])
    assert report["threshold_given"] == 1.0 and report["test"]["threshold"] == 1.0
    assert report["test"]["with_threshold"]["in_scope_accuracy"] == 0.0 and report["test"]["with_threshold"]["oos_recall"] == 1.0
    keeps_all = json.loads(invoke(runner, *common, "--model", str(model), "--threshold", "0", "--json").stdout.strip().splitlines()[-1])
    assert keeps_all["test"]["with_threshold"]["in_scope_rejected"] == 0.0

    both = invoke(runner, *common, "--model", str(model), "--threshold", "0.2", "--oos-objective", "recall:0.5")
    assert both.exit_code == 1 and "not both" in flat(both.output)
    rechosen = invoke(runner, *common, "--model", str(model), "--oos-objective", "recall:0.5")
    assert rechosen.exit_code == 1 and "trained again on the validation split" in flat(rechosen.output)


def test_ctrl_c_says_nothing_was_saved_and_the_earlier_model_stays(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C ended training with exit status 130 and no word on what became of the model folder."""
    import dialog.nlu.training as training

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "train_intents", interrupted)
    earlier = tmp_path / "model"
    earlier.mkdir()
    (earlier / "intent_manifest.json").write_text("{}")

    result = invoke(runner, "train", "intents", str(_toy_csv(tmp_path)), "--out", str(earlier))
    assert result.exit_code == 130
    assert f"stopped; nothing was saved: the earlier intent model in {earlier} is as it was" in flat(result.output)
    assert (earlier / "intent_manifest.json").read_text() == "{}"
    fresh = invoke(runner, "train", "intents", str(_toy_csv(tmp_path)), "--out", str(tmp_path / "new"))
    assert fresh.exit_code == 130 and f"{tmp_path / 'new'} was not written" in flat(fresh.output)


def test_the_weakest_intents_leave_out_those_the_test_file_never_mentions(capsys: pytest.CaptureFixture[str]) -> None:
    """A team's own CSV covering 2 of the model's 19 intents listed 10 intents with support 0 as the weakest, at F1 0."""
    from assistant.cli_eval_intents import _print_report

    def row(f1: float, support: int, predicted: int) -> dict:
        return {"precision": f1, "recall": f1, "f1": f1, "support": support, "predicted": predicted}

    report = {"n": 5, "accuracy": 0.8, "macro_f1": 0.8, "threshold": 0.3,
              "with_threshold": {"in_scope_accuracy": 0.8, "oos_recall": None, "in_scope_rejected": 0.0},
              "per_intent": {"invoice": row(1.0, 3, 3), "payment": row(0.67, 2, 1), "greet": row(0.0, 0, 0), "refund": row(0.0, 0, 1)}}

    _print_report("intents on csv", report, top=10)

    text = capsys.readouterr().out
    assert "invoice" in text and "payment" in text
    assert "refund" in text  # predicted once where it was not meant: a real weakness
    assert "greet" not in text


def test_a_file_of_new_messages_may_hold_one_message_of_an_intent(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    """With --model the whole file is the test set: nothing is learnt from it, so one message of an intent is
    enough (it was refused with "every label needs at least 2 examples", a rule for training data)."""
    model = tmp_path / "model"
    trained = invoke(runner, "train", "intents", str(_toy_csv(tmp_path)), "--out", str(model), "--base", str(tiny_base), *FAST)
    assert trained.exit_code == 0, trained.output
    new_messages = tmp_path / "new-messages.csv"
    new_messages.write_text("text,label\nhi there friend,greet\nI want my money back,refund\nwhen does my parcel ship,shipping\n", encoding="utf-8")

    evaluated = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(new_messages), "--model", str(model), "--json")

    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout.strip().splitlines()[-1])["test"]["n"] == 3


def test_train_mlm_shows_a_labelled_bar_and_loss_lines_not_raw_log_dictionaries(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    """`train mlm` wrote the Trainer's raw logs ("{'loss': '9.878', 'grad_norm': '65.23', ...}" and the
    train_runtime summary) and an unlabelled evaluation bar before and after training."""
    kb = tmp_path / "kb"
    kb.mkdir()
    lines = [f"Parcel number {i} leaves the warehouse within two working days." for i in range(24)]
    (kb / "shipping.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke(runner, "train", "mlm", str(kb), "--out", str(tmp_path / "adapted"), "--base", str(tiny_base),
                    "--epochs", "2", "--batch-size", "8", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "{'loss'" not in result.stderr and "train_runtime" not in result.stderr and "grad_norm" not in result.stderr
    assert "epoch 1.00: training loss" in result.stderr and "epoch 2.00: training loss" in result.stderr
    bars = [part for part in result.stderr.replace("\n", "\r").split("\r") if "|" in part and "/" in part]
    assert bars and all(part.startswith("masked-LM training:") for part in bars)  # the one bar, labelled
    assert "Adapted encoder saved in" in flat(result.stdout)


def test_folds_show_one_labelled_bar_per_fold_and_no_nested_bars(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    """`eval intents --folds K` drew each fold's training bar with the validation bar nested under it
    (cursor-up escapes, "[A"), which garbled the fold lines; neither bar said which fold it was."""
    result = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(_toy_csv(tmp_path)), "--folds", "2",
                    "--base", str(tiny_base), "--epochs", "2", "--batch-size", "8", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "\x1b[A" not in result.stderr
    bars = [part for part in result.stderr.replace("\n", "\r").split("\r") if "|" in part and "/" in part]
    assert {part.split(":")[0] for part in bars} == {"fold 1/2", "fold 2/2"}
    assert "fold 1/2: accuracy" in result.stderr and "fold 2/2: accuracy" in result.stderr


@pytest.mark.parametrize(
    ("option", "says"),
    [
        (["--lr", "0"], "--lr must be above 0, not 0"),  # trained nothing and saved the model as if it had learnt
        (["--lr", "-1"], "--lr must be above 0, not -1"),  # "Invalid learning rate: -1.0" from the optimizer
        (["--val-fraction", "1.5"], "--val-fraction must be between 0 and 1 (e.g. 0.1), not 1.5"),
        (["--device", "gpu"], "--device must be one of auto, cpu, cuda, not 'gpu'"),
    ],
)
def test_bad_training_options_are_refused_before_the_data_is_read(runner: CliRunner, tmp_path: Path, option: list[str], says: str) -> None:
    missing = str(tmp_path / "not-written-yet.csv")
    for command in (["train", "intents", missing], ["eval", "intents", "--dataset", "csv", "--data", missing, "--folds", "2"]):
        result = invoke(runner, *command, *option)
        assert result.exit_code == 1 and says in flat(result.output) and "not found" not in result.output
    if "--val-fraction" not in option:  # train mlm has no validation split
        result = invoke(runner, "train", "mlm", str(tmp_path / "kb"), "--out", str(tmp_path / "enc"), *option)
        assert result.exit_code == 1 and says in flat(result.output) and "not found" not in result.output


def test_a_test_file_with_intents_the_model_lacks_says_so(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    """A file of new messages with an intent the model was never trained on (a new one, or a misspelt one)
    gave figures in which every such message counted as wrong, without a word about why."""
    model = tmp_path / "model"
    trained = invoke(runner, "train", "intents", str(_toy_csv(tmp_path)), "--out", str(model), "--base", str(tiny_base), *FAST)
    assert trained.exit_code == 0, trained.output
    (tmp_path / "new.csv").write_text("text,label\nhello my friend,greet\nwhere is it now,shiping\nhow long does it take,shiping\n"
                                      "is the sky blue,oos\n", encoding="utf-8")
    result = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(tmp_path / "new.csv"), "--model", str(model), "--json")
    assert result.exit_code == 0, result.output
    assert f"note: 2 of these 4 messages carry intents {model} was not trained on: shiping (2); they count as wrong" in flat(result.stderr)
    assert json.loads(result.stdout.strip().splitlines()[-1])["test_labels_not_in_model"] == {"shiping": 2}
    # one such message is said in the singular ("1 of these 3 messages carry intents ...; they count as wrong" before)
    (tmp_path / "one.csv").write_text("text,label\nhello my friend,greet\nwhere is it now,shiping\nis the sky blue,oos\n", encoding="utf-8")
    result = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(tmp_path / "one.csv"), "--model", str(model))
    assert f"note: 1 of these 3 messages carries an intent {model} was not trained on: shiping (1); it counts as wrong" in flat(result.stderr)


def test_ctrl_c_during_cross_validation_says_it_stopped(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C during `eval intents --folds K` cleared the fold's bar and ended with exit status 130 and not a word."""
    import dialog.nlu.evaluation as evaluation

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluation, "cross_validate", interrupted)
    result = invoke(runner, "eval", "intents", "--dataset", "csv", "--data", str(_toy_csv(tmp_path)), "--folds", "2")
    assert result.exit_code == 130
    assert "stopped; no figures were reported" in flat(result.output) and "Traceback" not in result.output


def test_each_epoch_line_starts_a_line_of_its_own_above_the_bar(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    """The epoch lines ran on from the bar's: "training: 50%|█████ | 4/8 [00:09<00:09]epoch 1.00: validation ..."."""
    result = invoke(runner, "train", "intents", str(_toy_csv(tmp_path)), "--out", str(tmp_path / "model"), "--base", str(tiny_base),
                    "--epochs", "2", "--batch-size", "8", "--device", "cpu")
    assert result.exit_code == 0, result.output
    shown = [line.rsplit("\r", 1)[-1] for line in result.stderr.split("\n") if "validation accuracy" in line]  # what a terminal shows
    assert len(shown) == 2 and all(line.startswith("epoch ") for line in shown), shown


def test_train_mlm_refuses_to_write_over_its_own_base(runner: CliRunner, tmp_path: Path, tiny_base: Path) -> None:
    """`train mlm --base X --out X`, X an earlier `train mlm` folder, replaced the base with its continuation,
    whose manifest then named the folder as its own base."""
    import shutil

    earlier = tmp_path / "encoder-mlm"
    shutil.copytree(tiny_base, earlier)  # an encoder with the manifest `train mlm` writes
    (earlier / "encoder_manifest.json").write_text("{}", encoding="utf-8")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in earlier.iterdir())
    (tmp_path / "kb.md").write_text("Parcels leave the warehouse within two working days.\nReturns are free within thirty days.\n",
                                    encoding="utf-8")
    for out in (earlier, tmp_path / "." / "encoder-mlm"):
        result = invoke(runner, "train", "mlm", str(tmp_path / "kb.md"), "--base", str(earlier), "--out", str(out), "--device", "cpu")
        assert result.exit_code == 1
        assert f"--out {out} is also the base model's folder (--base): saving there would replace the base" in flat(result.output)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in earlier.iterdir()) == before
