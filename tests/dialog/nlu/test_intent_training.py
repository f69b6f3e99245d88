"""Fine-tuning smoke tests on a tiny model: the loss falls, the weights change, the folder describes
itself and loads back behind the IntentDetector protocol."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from dialog.nlu.base import Understanding
from dialog.nlu.classifier import IntentClassifier
from dialog.nlu.manifest import MANIFEST_FILE, load_manifest
from dialog.nlu.training import TrainSettings, train_intents

from nlu_fixtures import minilm_dir, tiny_base, toy_examples  # noqa: F401 (fixtures)


def _settings(**extra: object) -> TrainSettings:
    base = dict(epochs=12, learning_rate=5e-3, batch_size=8, patience=12, device="cpu", warmup=0.0, label_smoothing=0.0)
    return TrainSettings(**{**base, **extra})


@pytest.fixture(scope="module")
def trained(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("models") / "intents"
    examples = toy_examples()
    result = train_intents(examples, out, base=tiny_base, settings=_settings(), valid=examples, progress=False)
    return result.folder, result.manifest


def test_loss_falls_and_weights_change(trained: tuple[Path, dict], tiny_base: Path) -> None:
    from safetensors.torch import load_file

    folder, manifest = trained
    losses = [h["loss"] for h in manifest["history"] if "loss" in h]
    assert len(losses) >= 2 and losses[-1] < losses[0] * 0.7, losses
    before = load_file(tiny_base / "model.safetensors")
    after = load_file(folder / "model.safetensors")
    key = "encoder.layer.0.attention.self.query.weight"
    assert not torch.allclose(before[key], after["bert." + key])
    assert manifest["validation"]["accuracy"] >= 0.9


def test_manifest_describes_the_folder(trained: tuple[Path, dict], tiny_base: Path) -> None:
    folder, manifest = trained
    saved = json.loads((folder / MANIFEST_FILE).read_text())
    assert saved == load_manifest(folder)
    assert saved["labels"] == ["greet", "refund", "shipping"]
    assert saved["base"]["name"] == tiny_base.name and len(saved["base"]["sha256"]) == 64
    assert saved["oos"]["objective"] == "default" and 0 <= saved["oos"]["threshold"] <= 1  # 24 in scope: under reject:0.02's 50
    assert saved["training"]["learning_rate"] == 5e-3 and saved["training"]["train_examples"] == 24
    assert saved["device"] == "cpu" and saved["train_seconds"] > 0 and saved["created"].endswith("Z")
    assert {"accuracy", "macro_f1", "threshold", "with_threshold"} <= set(saved["validation"])


def test_reloaded_classifier_understands(trained: tuple[Path, dict]) -> None:
    folder, _ = trained
    classifier = IntentClassifier(folder, device="cpu")
    result = classifier.understand("i want a refund for my order")
    assert isinstance(result, Understanding)
    assert result.intent == "refund" and result.source == "classifier"
    assert len(result.ranking) == 3 and result.ranking[0][0] == "refund"
    assert result.confidence == pytest.approx(result.ranking[0][1])
    assert abs(sum(p for _, p in result.ranking) - 1.0) < 1e-4
    batch = classifier.understand_batch(["hello there", "where is my parcel"])
    assert [u.intent for u in batch] == ["greet", "shipping"]
    strict = IntentClassifier(folder, device="cpu", threshold=1.01)
    assert strict.understand("hello").out_of_scope


def test_cls_head_and_oos_class(tiny_base: Path, tmp_path: Path) -> None:
    """The stock BertForSequenceClassification head trains too; an `oos` label becomes out-of-scope."""
    from dialog.nlu.data import Example

    examples = toy_examples() + [Example(t, "oos") for t in ["what is the weather", "tell me a joke", "who won the game",
                                                             "play some music", "what time is it", "book a flight"]]
    result = train_intents(examples, tmp_path / "m", base=tiny_base, settings=_settings(head="cls", epochs=20, oos_objective="balanced"),
                           valid=examples, progress=False)
    assert result.manifest["oos"]["class_in_training"] and result.manifest["oos"]["objective"] == "balanced"
    classifier = IntentClassifier(result.folder, device="cpu")
    understood = classifier.understand_batch(["tell me a joke", "refund my order please"])
    assert understood[0].out_of_scope and not understood[1].out_of_scope


def test_constructor_is_cheap_and_missing_model_is_clear(tmp_path: Path) -> None:
    from dialog.nlu.classifier import IntentModelMissing

    classifier = IntentClassifier(tmp_path / "nowhere")  # nothing is read yet
    with pytest.raises(IntentModelMissing, match="assistant train intents"):
        classifier.understand("hello")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IntentModelMissing, match="not an intent model folder"):
        IntentClassifier(tmp_path / "empty").warm_up()


def test_incomplete_folder_is_reported(trained: tuple[Path, dict], tmp_path: Path) -> None:
    import shutil

    from dialog.nlu.classifier import IntentModelInvalid

    copy = tmp_path / "copy"
    shutil.copytree(trained[0], copy)
    (copy / "model.safetensors").unlink()
    with pytest.raises(IntentModelInvalid, match="incomplete: missing model.safetensors"):
        IntentClassifier(copy).warm_up()
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    del manifest["labels"]
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(IntentModelInvalid, match="lacks labels"):
        load_manifest(copy)


def test_mlm_adaptation_gives_a_usable_base(tiny_base: Path, tmp_path: Path) -> None:
    from dialog.nlu.manifest import describe_files
    from dialog.nlu.mlm import MlmSettings, read_texts, train_mlm

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "returns.md").write_text("# Returns\n\nYou can return most items within 45 days of delivery.\n\n"
                                   "- Opened software cannot be returned to the shop.\n" * 3)
    (kb / "faq.csv").write_text("question,answer\nHow much is shipping?,Standard shipping costs five dollars.\n")
    texts = read_texts([kb])
    assert "You can return most items within 45 days of delivery." in texts
    assert "Opened software cannot be returned to the shop." in texts and "Returns" not in texts
    assert "Standard shipping costs five dollars." in texts
    manifest = train_mlm(texts * 8, tmp_path / "adapted", base=tiny_base,
                         settings=MlmSettings(epochs=5, learning_rate=5e-3, batch_size=8, device="cpu"), progress=False,
                         data={"files": describe_files([kb])})
    assert manifest["eval_mlm_loss_after"] < manifest["eval_mlm_loss_before"]
    assert manifest["data"] == {"files": [{"path": str(kb.resolve())}]}
    result = train_intents(toy_examples(), tmp_path / "intents", base=tmp_path / "adapted",
                           settings=_settings(epochs=2, max_steps=-1), valid=toy_examples(), progress=False)
    assert result.manifest["base"]["name"] == "adapted"
    assert result.manifest["base"]["adapted_from"]["name"] == tiny_base.name


def test_refit_trains_again_on_all_examples_up_to_the_best_epoch(tiny_base: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    examples = toy_examples()
    train, valid = examples[::2], examples[1::2]
    settings = _settings(epochs=4, patience=4)
    plain = train_intents(train, tmp_path / "plain", base=tiny_base, settings=settings, valid=valid, progress=False)
    refit = train_intents(train, tmp_path / "refit", base=tiny_base, settings=_settings(epochs=4, patience=4, refit=True),
                          valid=valid, progress=False)

    info = refit.manifest["training"]["refit"]
    assert plain.manifest["training"]["refit"] is None
    assert info["examples"] == len(examples) and info["epochs"] == plain.manifest["training"]["best_epoch"]
    assert info["steps"] == round(info["epochs"] * 3)  # 24 examples in batches of 8: 3 steps an epoch
    assert refit.manifest["oos"]["threshold"] == plain.manifest["oos"]["threshold"]  # chosen on validation, before the refit
    key = "bert.encoder.layer.0.attention.self.query.weight"
    assert not torch.allclose(load_file(plain.folder / "model.safetensors")[key], load_file(refit.folder / "model.safetensors")[key])
    assert IntentClassifier(refit.folder, device="cpu").understand("i want my money back").intent == "refund"


def test_distillation_loss_mixes_labels_and_teacher() -> None:
    from dialog.nlu.distill import distillation_loss

    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    labels = torch.tensor([0, 1])
    hard = torch.nn.functional.cross_entropy(logits, labels)
    assert torch.allclose(distillation_loss(logits, labels, None, 0.5, 2.0, 0.0), hard)
    # a teacher that agrees with the student exactly adds nothing: the loss is half the cross-entropy
    agreeing = torch.softmax(logits, dim=-1)
    assert torch.allclose(distillation_loss(logits, labels, agreeing, 0.5, 1.0, 0.0), 0.5 * hard, atol=1e-6)
    # the KL term grows as the teacher moves away from the student; weight 1 is that term alone
    far = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert distillation_loss(logits, labels, far, 1.0, 2.0, 0.0) > distillation_loss(logits, labels, agreeing, 1.0, 2.0, 0.0) + 1.0


def test_distilled_model_learns_from_its_teachers(tiny_base: Path, tmp_path: Path) -> None:
    from dialog.nlu.data import Example

    # a teacher taught a permutation of the labels: a student that follows the teacher alone (weight 1)
    # must learn the permutation, which proves the teacher's probabilities reach the loss
    swap = {"refund": "greet", "greet": "shipping", "shipping": "refund"}
    examples = toy_examples()
    swapped = [Example(e.text, swap[e.label]) for e in examples]
    teacher = train_intents(swapped, tmp_path / "teacher", base=tiny_base, settings=_settings(), valid=swapped, progress=False)
    result = train_intents(examples, tmp_path / "student", base=tiny_base, settings=_settings(seed=1, distill_weight=1.0),
                           valid=swapped, progress=False, teachers=[teacher.folder, teacher.folder])
    assert result.manifest["training"]["teachers"] == [str(teacher.folder)] * 2
    losses = [h["loss"] for h in result.manifest["history"] if "loss" in h]
    assert losses[-1] < losses[0] * 0.7, losses
    student = IntentClassifier(result.folder, device="cpu")
    assert [student.understand(t).intent for t in ("i want my money back", "hello there", "track my parcel")] == ["greet", "shipping", "refund"]


def test_teachers_must_share_the_labels(trained: tuple[Path, dict], tiny_base: Path, tmp_path: Path) -> None:
    from dialog.nlu.data import Example, IntentDataError

    folder, _ = trained
    other = toy_examples() + [Example(t, "cancel") for t in ("cancel my order", "stop the order", "cancel it please", "i want to cancel")]
    with pytest.raises(IntentDataError, match="other labels"):
        train_intents(other, tmp_path / "student", base=tiny_base, settings=_settings(), valid=other, progress=False, teachers=[folder])
    with pytest.raises(ValueError, match="cannot be combined"):
        train_intents(toy_examples(), tmp_path / "student", base=tiny_base, settings=_settings(refit=True), progress=False, teachers=[folder])


@pytest.mark.parametrize(("model_type", "message"), [("llama", "is a llama model, not a BERT encoder"),
                                                     ("intent-bert", "is an intent model, not a BERT encoder")])
def test_a_base_that_is_not_a_bert_encoder_is_refused(tmp_path: Path, model_type: str, message: str) -> None:
    """A generator folder as --base loaded as BERT with every weight new: a random encoder trained without
    a word (validation accuracy 0.58 on a shop file); an intent model folder crashed with a TypeError."""
    from dialog.nlu.manifest import describe_base

    (tmp_path / "config.json").write_text(json.dumps({"model_type": model_type}))
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    with pytest.raises(ValueError, match=message):
        describe_base(tmp_path)
    with pytest.raises(ValueError, match=message):
        train_intents(toy_examples(), tmp_path / "out", base=tmp_path, settings=_settings(epochs=1, max_steps=-1), progress=False)
    assert not (tmp_path / "out").exists()


def test_the_packaged_encoder_is_a_valid_base(minilm_dir: Path) -> None:
    from dialog.nlu.manifest import describe_base

    assert describe_base(minilm_dir)["name"] == "all-minilm-l6-v2"


def test_ctrl_c_closes_the_training_bar_before_the_stop_is_reported(tiny_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The Trainer's bar was left open on Ctrl-C and drawn once more at exit, after `train intents` had
    said "stopped; nothing was saved" (`61%|██████ | 17/28` under the error line)."""
    from transformers import TrainerCallback

    class CtrlC(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            if state.global_step == 2:
                raise KeyboardInterrupt

    try:
        train_intents(toy_examples(), tmp_path / "m", base=tiny_base, settings=_settings(epochs=3), valid=toy_examples(), callbacks=[CtrlC()])
    except KeyboardInterrupt:  # where the CLI prints its line: the traceback still holds the bar
        written = capsys.readouterr().err
    else:
        pytest.fail("the interrupt did not come through")
    last = written.rsplit("\r", 1)[-1]
    assert re.search(r"\d+/\d+ \[", last) and written.endswith("\n")  # the training bar's last state, its line closed
    assert not (tmp_path / "m").exists()


def test_training_without_a_bar_prints_no_raw_log_dictionaries(tiny_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`eval intents --folds K` trains each fold without a bar, and the Trainer then printed its raw logs
    ("{'loss': '0.8744', 'grad_norm': '2.204', ...}", three per epoch) between the fold lines."""
    train_intents(toy_examples(), tmp_path / "m", base=tiny_base, settings=_settings(epochs=2), valid=toy_examples(), progress=False)
    written = capsys.readouterr()
    assert "'loss'" not in written.out + written.err and "'train_runtime'" not in written.out + written.err


def test_a_base_folder_that_does_not_exist_is_said_so(tmp_path: Path) -> None:
    """`--base` with a mistyped path said "encoder folder X has no config.json", as if the folder were there."""
    from dialog.nlu.manifest import describe_base

    with pytest.raises(FileNotFoundError, match=r"no encoder folder .*typo; --base takes"):
        describe_base(tmp_path / "typo")
