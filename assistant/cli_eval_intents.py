"""`assistant eval intents`: accuracy, macro-F1, per-intent precision/recall, out-of-scope detection,
a confusion-matrix plot and k-fold cross-validation, on a public dataset or a team's own CSV."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from assistant.cli_common import err, fail, out, run_guarded, stopped_note
from assistant.cli_eval import eval_app
from assistant.cli_train_intents import (
    Base,
    BatchSize,
    Device,
    Epochs,
    Head,
    LabelSmoothing,
    LearningRate,
    Objective,
    Patience,
    Refit,
    Seed,
    Teachers,
    ValFraction,
    print_epoch,
    progress_to_stderr,
    train_settings,
)
from assistant.wording import counted

DATASET_CHOICES = ("banking77", "clinc150", "banking77-oos", "csv")


def _load(dataset: str, data: Path, test_only: bool = False) -> Any:
    """The dataset; a csv file that is only a test set (``test_only``: --model) may hold one message of an intent."""
    from dialog.nlu.data import IntentDataset, load_public, read_csv

    if dataset == "csv":
        examples = read_csv(data, min_per_label=1 if test_only else 2)
        return IntentDataset("csv", train=examples, test=examples)
    return load_public(dataset, data)


def _with_extra_oos(loaded: Any, path: Path) -> Any:
    """``loaded`` with the messages of ``path`` added to its train split as out-of-scope examples."""
    from dataclasses import replace

    from dialog.nlu.data import OOS_LABEL, Example, read_messages

    messages = run_guarded(lambda: read_messages(path))
    err.print(f"{len(messages)} extra out-of-scope training messages from {path}", highlight=False)
    return replace(loaded, train=[*loaded.train, *(Example(m, OOS_LABEL) for m in messages)])


def _check_plot_path(plot: Path) -> None:
    """A --plot path that cannot be written is refused in one line: a folder, or a file where a folder must be."""
    if plot.is_dir():
        fail(f"--plot {plot} is a folder; give a file name (.png)")
    above = next((parent for parent in plot.resolve().parents if parent.exists()), None)
    if above is not None and not above.is_dir():
        fail(f"--plot {plot}: {above} is a file, so the plot cannot be saved below it")


def trained_on(manifest: dict[str, Any], data: Path) -> bool:
    """Whether the file ``data`` is one the model was trained on (its manifest records the file's sha256)."""
    from dialog.nlu.manifest import sha256_file

    if not Path(data).is_file():
        return False
    digest = sha256_file(Path(data))
    return any(entry.get("sha256") == digest for entry in manifest.get("data", {}).get("files", []))


def learnt_count(manifest: dict[str, Any], examples: Any) -> tuple[int, list[str]]:
    """How many of ``examples`` are texts of the files the model was trained on (case and spacing ignored,
    as training compares texts), and those files; only files still at their recorded path with their
    recorded sha256 can be read, so (0, []) when none is."""
    from dialog.nlu.data import text_key
    from dialog.nlu.manifest import sha256_file
    from dialog.text_files import csv_rows, decode_utf8

    learnt: set[str] = set()
    files = []
    for entry in manifest.get("data", {}).get("files", []):
        path = Path(str(entry.get("path", "")))
        try:
            if not path.is_file() or sha256_file(path) != entry.get("sha256"):
                continue
            rows = csv_rows(decode_utf8(path.read_bytes()))
            header = [cell.strip().lower() for cell in next(rows, (0, 0, []))[2]]
            column = header.index("text")
            learnt |= {text_key(row[column]) for _, _, row in rows if len(row) > column}
            files.append(str(path))
        except (OSError, ValueError):  # unreadable now: nothing can be said of it
            continue
    return sum(text_key(e.text) in learnt for e in examples), files


@contextmanager
def stopped_evaluation(out_dir: Path | None) -> Iterator[None]:
    """Ctrl-C: one line saying so, exit status 130 (the folds' bar was cleared and nothing followed it). A
    model being trained into --out is left as it was (``stopped_note``)."""
    if out_dir is not None:
        with stopped_note(out_dir, "intent model"):
            yield
        return
    try:
        yield
    except KeyboardInterrupt:
        err.print()  # a progress bar may have been cut off mid-line
        fail("stopped; no figures were reported", code=130)


def unknown_labels(manifest: dict[str, Any], examples: list[Any]) -> dict[str, int]:
    """Labels of ``examples`` the model was not trained on (out-of-scope aside), with their counts, most first."""
    from collections import Counter

    from dialog.nlu.data import OOS_LABEL

    known = set(manifest["labels"]) | {OOS_LABEL}
    return dict(Counter(e.label for e in examples if e.label not in known).most_common())


def _print_report(title: str, report: dict[str, Any], top: int) -> None:
    summary = Table("metric", "value", title=title)
    summary.add_row("examples", str(report["n"]))
    summary.add_row("accuracy (best class, no threshold)", f"{report['accuracy']:.4f}")
    summary.add_row("macro-F1", f"{report['macro_f1']:.4f}")
    oos = report["with_threshold"]
    summary.add_row("out-of-scope threshold", f"{report['threshold']:.4f}")
    if oos["in_scope_accuracy"] is not None:
        summary.add_row("in-scope accuracy (with threshold)", f"{oos['in_scope_accuracy']:.4f}")
    if oos["oos_recall"] is not None:
        summary.add_row("out-of-scope recall", f"{oos['oos_recall']:.4f}")
        summary.add_row("out-of-scope precision", f"{oos['oos_precision']:.4f}")
    else:
        summary.add_row("in-scope messages rejected", f"{oos['in_scope_rejected']:.4f}")
    out.print(summary)
    # an intent of the model that the test file neither holds nor got as a prediction has nothing to report (a
    # team's own file often covers a few of the model's intents): listed, it read as the weakest, at F1 0
    per_intent = sorted(((label, values) for label, values in report["per_intent"].items()
                         if values["support"] or values.get("predicted", 1)), key=lambda item: item[1]["f1"])
    table = Table("intent", "precision", "recall", "F1", "support", title=f"the {min(top, len(per_intent))} weakest intents (all in --json)")
    for label, values in per_intent[:top]:
        table.add_row(label, f"{values['precision']:.3f}", f"{values['recall']:.3f}", f"{values['f1']:.3f}", str(values["support"]))
    out.print(table)


@eval_app.command("intents")
def eval_intents(
    dataset: Annotated[str, typer.Option(help="banking77, clinc150, banking77-oos (folders in ../shared/data) or csv (your own text,label file).")],
    data: Annotated[Path, typer.Option(help="The dataset's folder (or clinc150's data_full.json, or the CSV file).")],
    model: Annotated[Optional[Path], typer.Option(help="Evaluate this trained model folder; without it a model is trained on the dataset's train split first.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where to keep the model trained here; default: a temporary folder.")] = None,
    folds: Annotated[int, typer.Option(min=0, help="k>=2: also run k-fold cross-validation on the training data (trains k models).")] = 0,
    plot: Annotated[Optional[Path], typer.Option(help="Save the test set's confusion matrix as a PNG here.")] = None,
    top: Annotated[int, typer.Option(min=0, help="How many of the weakest intents to list in the table.")] = 10,
    train_per_intent: Annotated[int, typer.Option(min=0, help="Train on at most this many examples per intent (random, seeded); 0: all. For quick runs on a CPU.")] = 0,
    threshold: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="With --model: use this out-of-scope threshold (a best in-scope probability below it is out of scope) instead of the model's own, e.g. one another model chose on validation data.")] = None,
    extra_oos: Annotated[Optional[Path], typer.Option(help="A text file of more out-of-scope training messages, one per line, added to the train split as `oos` (validation and test are untouched).")] = None,
    base: Base = None,
    epochs: Epochs = 5.0,
    learning_rate: LearningRate = 1e-4,
    batch_size: BatchSize = 32,
    head: Head = "mean-cosine",
    val_fraction: ValFraction = 0.1,
    patience: Patience = 2,
    label_smoothing: LabelSmoothing = 0.1,
    oos_objective: Objective = "auto",
    seed: Seed = 0,
    device: Device = "auto",
    refit: Refit = False,
    teachers: Teachers = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: dataset, model, test metrics (per intent too), out-of-scope metrics, timings.")] = False,
) -> None:
    """Measure an intent classifier on a dataset's full test split (never used for any choice).

    Reports accuracy and macro-F1 (best class), per-intent precision and recall, and, with the model's out-of-scope threshold (chosen on validation data at training time), in-scope accuracy with out-of-scope recall and precision.

    Without --model, a model is first trained on the train split (validation: the dataset's own split; Banking77 has none, so one is carved from train). For --dataset csv the whole file is the test set (give --model), or use --folds K for cross-validation.
    """
    from dialog.nlu.classifier import IntentClassifier
    from dialog.nlu.data import OOS_LABEL
    from dialog.nlu.evaluation import cross_validate, evaluate_classifier, rechoose_threshold
    from dialog.nlu.training import intent_output, train_intents

    if out_dir is not None and model is None:
        run_guarded(intent_output(out_dir).check)  # before any training time is spent
    if dataset not in DATASET_CHOICES:
        fail(f"unknown dataset {dataset!r}; choose one of: {', '.join(DATASET_CHOICES)}")
    if dataset == "csv" and model is None and folds < 2:
        fail("--dataset csv needs --model (a trained folder to test on the file) or --folds K (cross-validation)")
    if folds == 1:
        fail("--folds needs at least 2 folds")
    if teachers and folds >= 2:
        fail("--teacher cannot be combined with --folds: teachers trained on this data have seen every held-out fold")
    if teachers and model is not None:
        fail("--teacher applies to training; with --model nothing is trained here")
    if threshold is not None and model is None:
        fail("--threshold applies to a trained --model; when training here, choose it with --oos-objective")
    if threshold is not None and oos_objective != "auto":
        fail("give either --threshold or --oos-objective with --model, not both")
    if plot is not None:
        _check_plot_path(plot)  # before any training or evaluation time is spent
    settings = train_settings(
        epochs=epochs, learning_rate=learning_rate, batch_size=batch_size, head=head, val_fraction=val_fraction,
        patience=patience, label_smoothing=label_smoothing, oos_objective=oos_objective, seed=seed, device=device, refit=refit,
    )
    loaded = run_guarded(lambda: _load(dataset, data, test_only=model is not None and folds < 2))
    if train_per_intent:
        from dataclasses import replace

        from dialog.nlu.data import limit_per_label

        loaded = replace(loaded, train=limit_per_label(loaded.train, train_per_intent, seed))
    if extra_oos is not None:
        loaded = _with_extra_oos(loaded, extra_oos)
    if dataset == "csv":  # one file: the test set of --model, or the folds' data; never both train and test
        err.print(f"csv: {counted(len(loaded.test), 'example')}, {'the test set of --model' if model is not None else 'split into folds'}", highlight=False)
    else:
        err.print(f"{dataset}: {len(loaded.train)} train, {len(loaded.valid or [])} validation, {len(loaded.test)} test examples", highlight=False)
    result: dict[str, Any] = {"dataset": dataset, "data": str(data), "train_per_intent": train_per_intent or None}
    if extra_oos is not None:
        result["extra_oos"] = {"file": str(extra_oos), "train_oos_examples": sum(e.label == OOS_LABEL for e in loaded.train)}
    with stopped_evaluation(out_dir if model is None else None), tempfile.TemporaryDirectory(prefix="intent-eval-") as work, progress_to_stderr():
        if folds >= 2:
            err.print(f"{folds}-fold cross-validation on the training data")
            progress = not as_json
            result["cross_validation"] = run_guarded(lambda: cross_validate(
                loaded.train, folds, base, settings, progress=progress,
                on_fold=lambda i, f: err.print(f"fold {i}/{folds}: accuracy {f['accuracy']:.4f}, macro-F1 {f['macro_f1']:.4f}", highlight=False),
            ))
        if dataset != "csv" or model is not None:
            folder = model
            if folder is None:
                folder = out_dir or Path(work) / "model"
                err.print(f"training on the {dataset} train split (no --model given); saving to {folder}", highlight=False)
                run_guarded(lambda: train_intents(loaded.train, folder, base=base, settings=settings, valid=loaded.valid,
                                                  progress=True, on_epoch=print_epoch, teachers=teachers or (),
                                                  data={"dataset": dataset, "path": str(Path(data).resolve()), "split": "train"}))
            classifier = IntentClassifier(folder, device=device, threshold=threshold)  # None: the model's own
            manifest = run_guarded(lambda: classifier.manifest)
            if threshold is not None:
                result["threshold_given"] = threshold
                err.print(f"out-of-scope threshold {threshold:.4f} as given (the model's own: {manifest['oos']['threshold']:.4f})",
                          highlight=False)
            elif model is not None and oos_objective != "auto":  # a trained model, a new objective: choose again on validation data
                if not loaded.valid:
                    fail(f"{dataset} has no validation split to choose a threshold on; train with --oos-objective instead")
                if manifest.get("training", {}).get("refit"):
                    fail("this model was trained again on the validation split (--refit), so a threshold chosen there would be "
                         "chosen on data it has learnt; give --threshold instead (for example one a model without --refit chose)")
                choice = run_guarded(lambda: rechoose_threshold(classifier, loaded.valid, oos_objective))
                classifier = IntentClassifier(folder, device=device, threshold=choice.threshold)
                result["threshold_rechosen"] = {"objective": choice.objective, "threshold": choice.threshold, "on": "validation split",
                                                "in_scope_accuracy": choice.in_scope_accuracy, "oos_recall": choice.oos_recall,
                                                "oos_precision": choice.oos_precision}
                err.print(f"threshold chosen again on the validation split for {choice.objective}: {choice.threshold:.4f}", highlight=False)
            if model is not None and trained_on(manifest, data):
                result["test_is_training_data"] = True
                err.print(f"note: {folder} was trained on {data} (the same file), so these figures are on examples it has "
                          "learnt, not held out; for a fair figure use --folds K, or a file of messages it has not seen",
                          highlight=False)
            elif model is not None and dataset == "csv":
                learnt, files = learnt_count(manifest, loaded.test)
                if learnt:  # e.g. the training file with reviewed messages merged in: mostly learnt examples
                    result["test_examples_learnt"] = learnt
                    err.print(f"note: {learnt} of these {len(loaded.test)} messages {'is' if learnt == 1 else 'are'} in {', '.join(files)}, which {folder} was "
                              "trained on, so the figures are partly on examples it has learnt; for a fair figure use a file of "
                              "messages it has not seen", highlight=False)
            unknown = unknown_labels(manifest, loaded.test) if model is not None else {}
            if unknown:  # a test file with intents the model was never trained on: each such message counts as wrong
                result["test_labels_not_in_model"] = unknown
                shown = ", ".join(f"{label} ({count})" for label, count in list(unknown.items())[:10])
                wrong = sum(unknown.values())
                carry, they = ("carries an intent", "it counts") if wrong == 1 else ("carry intents", "they count")
                err.print(f"note: {wrong} of these {len(loaded.test)} messages {carry} {folder} was not trained on: "
                          f"{shown}{', …' if len(unknown) > 10 else ''}; {they} as wrong (check the spelling, or train a model "
                          "with them)", highlight=False)
            started = time.perf_counter()
            report = run_guarded(lambda: evaluate_classifier(classifier, loaded.test))
            result["model"] = {
                "folder": str(folder), "base": manifest["base"], "labels": len(manifest["labels"]), "oos": manifest["oos"],
                "training": manifest["training"], "validation": manifest["validation"],
                "train_seconds": manifest["train_seconds"], "device": manifest["device"], "created": manifest["created"],
            }
            result["test"] = {k: v for k, v in report.items() if k != "confusion"}
            for name, examples in (loaded.extra_tests or {}).items():
                extra = run_guarded(lambda: evaluate_classifier(classifier, examples))
                result[f"test_{name}"] = {"n": extra["n"], "with_threshold": extra["with_threshold"]}
            result["eval_seconds"] = round(time.perf_counter() - started, 1)
            if plot is not None:
                from dialog.nlu.metrics import plot_confusion

                try:
                    saved = plot_confusion(report["confusion"], report["labels"], plot, title=f"{dataset} test: confusion matrix")
                except OSError as error:  # the disk filled up, the folder went away meanwhile
                    fail(f"cannot write the plot {plot}: {error.strerror or error}")
                result["plot"] = str(saved)
                err.print(f"confusion matrix saved to {saved}", highlight=False)
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    if "test" in result:
        _print_report(f"intents on {dataset} (test split)", {**result["test"]}, top)
        for name in loaded.extra_tests or {}:  # not every test_ key: "test_is_training_data" is a flag
            wt = result[f"test_{name}"]["with_threshold"]
            out.print(f"{name}: out-of-scope recall {wt['oos_recall']:.4f}, precision {wt['oos_precision']:.4f}, "
                      f"in-scope accuracy {wt['in_scope_accuracy']:.4f}", highlight=False)
        out.print(recorded_training_line(result["model"], result.get("eval_seconds")), highlight=False)
    if "cross_validation" in result:
        cv = result["cross_validation"]
        out.print(f"{cv['folds']}-fold cross-validation: accuracy {cv['accuracy']['mean']:.4f} ± {cv['accuracy']['std']:.4f}, "
                  f"macro-F1 {cv['macro_f1']['mean']:.4f} ± {cv['macro_f1']['std']:.4f}", highlight=False)


def recorded_training_line(model: dict[str, Any], eval_seconds: float | None) -> str:
    """The model's training time as its manifest recorded it when it was trained (not this run), with the
    day, and how long this evaluation took."""
    day = str(model.get("created") or "")[:10]
    when = f" on {day}" if day else ""
    line = f"model trained in {model['train_seconds']:.0f} s on {model['device']}{when} (recorded when it was trained)"
    if eval_seconds is not None:
        line += f"; this evaluation took {eval_seconds:.1f} s"
    return line
