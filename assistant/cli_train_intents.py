"""`assistant train intents` and `assistant train mlm`: the intent classifier and domain adaptation.

``train intents`` fine-tunes the packaged MiniLM (or an adapted copy, ``--base``) on a `text,label`
CSV; ``train mlm`` continues masked-LM training of the encoder on knowledge-base text and saves a
folder usable as ``--base``. The work is in ``dialog.nlu``; these commands only parse and print.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from assistant.cli_common import err, out, run_guarded, settings_from, stopped_note
from assistant.cli_train import train_app, transformers_bars_off
from assistant.wording import counted

# Training options shared with `assistant eval intents` (which trains when given no --model).
Epochs = Annotated[float, typer.Option(min=0.01, help="Passes over the training data (early stopping may end sooner).")]
LearningRate = Annotated[float, typer.Option("--learning-rate", "--lr", help="Peak AdamW learning rate (linear warm-up, then linear decay).")]
BatchSize = Annotated[int, typer.Option(min=1, help="Examples per optimizer step.")]
Head = Annotated[str, typer.Option(help="mean-cosine (mean pooling, cosine scores, starts from class centroids) or cls (stock BertForSequenceClassification).")]
ValFraction = Annotated[float, typer.Option(help="Share of each intent held out for validation (early stopping, threshold) when there is no validation split.")]
Patience = Annotated[int, typer.Option(min=1, help="Stop after this many epochs without a better validation accuracy.")]
Seed = Annotated[int, typer.Option(help="Random seed (split, head, shuffling).")]
# dialog.nlu.threshold.DEFAULT_THRESHOLD, written out for the help below: that module brings numpy, which `--help` does
# not need (tests/test_ops_cli_imports.py checks that the two agree)
DEFAULT_THRESHOLD = 0.3
Objective = Annotated[str, typer.Option(help=f"How the out-of-scope threshold is chosen on validation data: auto, balanced, f1, recall:R, reject:F. auto: balanced with 10 or more out-of-scope validation examples, else reject:0.05 (reject:0.02 with none); when the split has too few in-scope examples for that to turn away even one (under 20, or 50), nothing can be chosen and the default {DEFAULT_THRESHOLD:g} is kept, as the output says. With `eval intents --model`, a value other than auto chooses it again on the dataset's validation split.")]
LabelSmoothing = Annotated[float, typer.Option(min=0.0, max=0.5, help="Label smoothing of the cross-entropy loss.")]
Base = Annotated[Optional[Path], typer.Option(help="Encoder folder to start from; default: the packaged MiniLM (or a `train mlm` output).")]
Device = Annotated[str, typer.Option(help="auto (CUDA when available), cpu or cuda.")]
Refit = Annotated[bool, typer.Option(help="After choosing the best epoch and the threshold on validation data, train again on all examples (training + validation) for that many epochs and save that model (twice the time).")]
Teachers = Annotated[Optional[list[Path]], typer.Option("--teacher", help="Distil: a trained intent model folder on the same labels (repeat for several); the new model also learns their averaged probabilities. Not with --refit.")]


def check_common(values: dict[str, Any]) -> None:
    """The options `train intents`, `eval intents` and `train mlm` share, checked before any data is read:
    a learning rate of 0 trained nothing and saved the model as if it had learnt, a negative one failed in
    the optimizer, and a bad --val-fraction or --device only once the data was read."""
    from dialog.nlu.training import DEVICES

    if values["learning_rate"] <= 0:
        raise ValueError(f"--lr must be above 0, not {values['learning_rate']:g}")
    if "val_fraction" in values and not 0 < values["val_fraction"] < 1:
        raise ValueError(f"--val-fraction must be between 0 and 1 (e.g. 0.1), not {values['val_fraction']:g}")
    if values["device"] not in DEVICES:
        raise ValueError(f"--device must be one of {', '.join(DEVICES)}, not {values['device']!r}")


def train_settings(**values: Any) -> Any:
    """TrainSettings from CLI values; invalid ones fail with one line."""
    from dialog.nlu.modeling import HEADS
    from dialog.nlu.threshold import parse_objective
    from dialog.nlu.training import TrainSettings

    def check() -> None:
        check_common(values)
        parse_objective(values["oos_objective"])
        if values.get("oos_threshold") is not None and values["oos_objective"] != "auto":
            raise ValueError("give either --oos-threshold or --oos-objective, not both")
        if values["head"] not in HEADS:
            raise ValueError(f"--head must be one of {', '.join(HEADS)}, not {values['head']!r}")

    run_guarded(check)
    return TrainSettings(**values)


@contextmanager
def progress_to_stderr() -> Iterator[None]:
    """The Trainer writes its log lines to stdout; send them to stderr so that --json prints only JSON.
    transformers' own bars (loading weights, writing each epoch's checkpoint) are off meanwhile: the
    training bar and one line per epoch say how far it is."""
    with transformers_bars_off(), redirect_stdout(sys.stderr):
        yield


def default_intent_dir(ctx: typer.Context) -> Path:
    settings = settings_from(ctx)
    return Path(settings.intent_model or settings.data_dir / "models" / "intents")


def print_epoch(metrics: dict[str, float]) -> None:
    """One line per epoch, written above the training bar (the bar is cleared, then drawn again below it:
    printed plainly, the line ran on from the bar's own, "4/8 [00:09<00:09]epoch 1.00: ...")."""
    from tqdm import tqdm

    with tqdm.external_write_mode(file=sys.stderr):
        err.print(f"epoch {metrics['epoch']:.2f}: validation accuracy {metrics['accuracy']:.4f}, loss {metrics['loss']:.4f}", highlight=False)


def threshold_text(validation: dict[str, Any]) -> str:
    """The threshold and how it came about, e.g. "0.2633 (reject:0.05, 3 out-of-scope validation examples)"."""
    from dialog.nlu.threshold import DEFAULT_OBJECTIVE

    oos = validation["oos_examples"]
    if validation["objective"] == DEFAULT_OBJECTIVE:
        return f"{validation['threshold']:.4f} (default: {validation['n'] - oos} in-scope and {oos} out-of-scope validation examples are too few to choose on)"
    few_oos = f", {counted(oos, 'out-of-scope validation example')}" if validation.get("threshold_note") else ""
    return f"{validation['threshold']:.4f} ({validation['objective']}{few_oos})"


@train_app.command("intents")
def train_intents_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(help="UTF-8 CSV with a header row and exactly the columns text,label; a label named oos marks out-of-scope examples.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Model folder; default: the intent_model setting (data/models/intents).")] = None,
    base: Base = None,
    epochs: Epochs = 5.0,
    learning_rate: LearningRate = 1e-4,
    batch_size: BatchSize = 32,
    head: Head = "mean-cosine",
    val_fraction: ValFraction = 0.1,
    patience: Patience = 2,
    label_smoothing: LabelSmoothing = 0.1,
    oos_objective: Objective = "auto",
    oos_threshold: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="Set the out-of-scope threshold by hand (a best in-scope probability below it is out of scope) instead of choosing one for --oos-objective; e.g. the earlier model's, to keep it across retrains.")] = None,
    seed: Seed = 0,
    device: Device = "auto",
    refit: Refit = False,
    teachers: Teachers = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the saved manifest as one JSON object.")] = False,
) -> None:
    """Fine-tune the intent classifier on a text,label CSV and save a self-describing model folder.

    A share of each intent is held out for validation: the best epoch is kept, training stops early when validation accuracy stops improving, and the out-of-scope threshold is chosen there.

    The folder holds the transformers model, its tokenizer and intent_manifest.json (base encoder and its sha256, labels, threshold and objective, settings, validation metrics, time, device).
    """
    from dialog.nlu.data import read_csv
    from dialog.nlu.manifest import describe_files
    from dialog.nlu.training import intent_output, train_intents

    target = out_dir or default_intent_dir(ctx)
    run_guarded(intent_output(target).check)  # before anything else: a wrong --out is refused at once
    settings = train_settings(
        epochs=epochs, learning_rate=learning_rate, batch_size=batch_size, head=head, val_fraction=val_fraction,
        patience=patience, label_smoothing=label_smoothing, oos_objective=oos_objective, oos_threshold=oos_threshold, seed=seed,
        device=device, refit=refit,
    )
    examples = run_guarded(lambda: read_csv(data))
    labels = sorted({e.label for e in examples})
    err.print(f"{counted(len(examples), 'example')}, {counted(len(labels), 'intent')} from {data}; saving to {target}", highlight=False)
    with progress_to_stderr(), stopped_note(target, "intent model"):
        result = run_guarded(lambda: train_intents(examples, target, base=base, settings=settings, on_epoch=print_epoch,
                                                   teachers=teachers or (), data={"files": describe_files([data])}))
    manifest = result.manifest
    if manifest["oos"].get("note"):
        err.print(f"Out-of-scope threshold {manifest['oos']['threshold']:.4f}: {manifest['oos']['note']}", highlight=False)
    if as_json:
        sys.stdout.write(json.dumps({"folder": str(result.folder), **manifest}) + "\n")
        return
    validation = manifest["validation"]
    table = Table("", "value", title=f"intent model saved in {result.folder}")
    table.add_row("intents", str(len(manifest["labels"])))
    table.add_row("training data", f"{data} (sha256 {manifest['data']['files'][0]['sha256'][:12]}…)")
    table.add_row("train / validation examples", f"{manifest['training']['train_examples']} / {manifest['training']['valid_examples']}")
    table.add_row("base encoder", f"{manifest['base']['name']} (sha256 {manifest['base']['sha256'][:12]}…)")
    table.add_row("validation accuracy", f"{validation['accuracy']:.4f}")
    table.add_row("validation macro-F1", f"{validation['macro_f1']:.4f}")
    table.add_row("out-of-scope threshold", threshold_text(validation))
    best_epoch = manifest["training"]["best_epoch"]
    table.add_row("best epoch / epochs run", f"{'-' if best_epoch is None else f'{best_epoch:g}'} / {manifest['training']['epochs_run']:g}")
    if manifest["training"].get("refit"):
        refit_info = manifest["training"]["refit"]
        table.add_row("saved model", f"trained again on all {counted(refit_info['examples'], 'example')} for {counted(float(refit_info['epochs']), 'epoch')}")
    if manifest["training"].get("teachers"):
        table.add_row("distilled from", ", ".join(manifest["training"]["teachers"]))
    table.add_row("training time", f"{manifest['train_seconds']:.0f} s on {manifest['device']}")
    out.print(table)


@train_app.command("mlm")
def train_mlm_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Knowledge-base text: Markdown/text files, CSV files (text, question or answer columns), or folders of them.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Encoder folder; default: data/models/encoder-mlm.")] = None,
    base: Base = None,
    epochs: Annotated[float, typer.Option(min=0.01, help="Passes over the text lines (no early stopping; 0.1 for a quick try).")] = 3.0,
    learning_rate: LearningRate = 5e-5,
    batch_size: BatchSize = 32,
    seed: Annotated[int, typer.Option(help="Random seed (held-out lines, masking, shuffling).")] = 0,
    device: Device = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the saved encoder manifest as one JSON object.")] = False,
) -> None:
    """Adapt the encoder to your domain: continue masked-language-model training on knowledge-base text.

    15 % of the tokens of each text line are masked and predicted (the decoder is tied to the input embeddings, so only the small head transform is new). Pass the output folder as --base to `assistant train intents`.
    """
    from dialog.nlu.manifest import describe_files
    from dialog.nlu.mlm import MlmSettings, encoder_output, read_texts, train_mlm

    settings = settings_from(ctx)
    target = out_dir or settings.data_dir / "models" / "encoder-mlm"
    run_guarded(encoder_output(target).check)  # before anything else: a wrong --out is refused at once
    run_guarded(lambda: check_common({"learning_rate": learning_rate, "device": device}))
    texts = run_guarded(lambda: read_texts(paths))
    err.print(f"{len(texts)} text lines; saving the adapted encoder to {target}", highlight=False)
    mlm_settings = MlmSettings(epochs=epochs, learning_rate=learning_rate, batch_size=batch_size, seed=seed, device=device)
    with progress_to_stderr(), stopped_note(target, "adapted encoder"):
        manifest = run_guarded(lambda: train_mlm(texts, target, base=base, settings=mlm_settings, data={"files": describe_files(paths)}))
    if as_json:
        sys.stdout.write(json.dumps({"folder": str(target), **manifest}) + "\n")
        return
    out.print(
        f"Adapted encoder saved in {target}: masked-LM loss on held-out lines {manifest['eval_mlm_loss_before']:.3f} → "
        f"{manifest['eval_mlm_loss_after']:.3f}, {manifest['train_seconds']:.0f} s on {manifest['device']}. "
        f"Use it with: assistant train intents DATA.csv --base {target}",
        highlight=False,
    )
