"""Fine-tuning an intent classifier from an encoder folder with the transformers Trainer.

AdamW with linear warm-up and decay, label smoothing, evaluation on a validation split after every
epoch, early stopping, and the best epoch's weights kept. The out-of-scope threshold is then chosen
on the same validation split, and the folder is saved with its manifest (see ``manifest.py``).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dialog.nlu.data import OOS_LABEL, Example, IntentDataError, check_examples, stratified_split
from assistant.output_folder import OutputFolder
from dialog.nlu.manifest import FORMAT_VERSION, MANIFEST_FILE, describe_base, now_utc, packaged_encoder_dir, write_manifest
from dialog.nlu.threshold import check_threshold, choose_threshold, given_threshold

log = logging.getLogger(__name__)


@dataclass
class TrainSettings:
    """Hyper-parameters of intent fine-tuning; the defaults were chosen on a Banking77 validation split."""

    epochs: float = 5.0
    learning_rate: float = 1e-4
    batch_size: int = 32
    warmup: float = 0.1  # share of all steps spent warming the learning rate up
    weight_decay: float = 0.01
    label_smoothing: float = 0.1
    head: str = "mean-cosine"  # or "cls" (stock BertForSequenceClassification)
    logit_scale: float = 20.0  # mean-cosine head only
    centroid_init: bool = True  # mean-cosine head only: start from class centroids
    max_length: int = 64
    val_fraction: float = 0.1  # carved from the training data when no validation split is given
    patience: int = 2  # epochs without a better validation accuracy before stopping
    seed: int = 0
    oos_objective: str = "auto"
    oos_threshold: float | None = None  # set by hand: used instead of choosing one for oos_objective
    device: str = "auto"  # auto, cpu or cuda
    max_steps: int = -1  # >0 stops after this many optimizer steps (smoke tests)
    refit: bool = False  # after choosing on validation, train again on all examples up to the best epoch
    distill_weight: float = 0.5  # with teachers: share of the loss that matches their probabilities
    distill_temperature: float = 2.0  # with teachers: softening of both distributions


@dataclass(frozen=True)
class TrainResult:
    folder: Path
    manifest: dict[str, Any]


DEVICES = ("auto", "cpu", "cuda")


def resolve_device(setting: str) -> str:
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting not in DEVICES:
        raise ValueError(f"device must be auto, cpu or cuda, not {setting!r}")
    if setting == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for but no CUDA GPU is available; use --device cpu or auto")
    return setting


def _encode(tokenizer: Any, examples: Sequence[Example], label2id: dict[str, int], max_length: int) -> list[dict[str, Any]]:
    encoded = tokenizer([e.text for e in examples], truncation=True, max_length=max_length)
    return [
        {"input_ids": ids, "attention_mask": mask, "labels": label2id[e.label]}
        for ids, mask, e in zip(encoded["input_ids"], encoded["attention_mask"], examples, strict=True)
    ]


def _training_arguments(settings: TrainSettings, output_dir: Path, device: str, progress: bool, evaluate: bool) -> Any:
    """Trainer arguments: AdamW with linear warm-up and decay; with ``evaluate``, validation after every
    epoch (or after ``max_steps``) and the best checkpoint kept."""
    from transformers import TrainingArguments

    by_steps = settings.max_steps > 0
    every = "steps" if by_steps else "epoch"
    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=settings.epochs,
        max_steps=settings.max_steps,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=128,
        warmup_steps=settings.warmup,
        lr_scheduler_type="linear",
        optim="adamw_torch",
        weight_decay=settings.weight_decay,
        label_smoothing_factor=settings.label_smoothing,
        eval_strategy=every if evaluate else "no",
        save_strategy=every if evaluate else "no",
        eval_steps=max(settings.max_steps, 1) if by_steps and evaluate else None,
        save_steps=max(settings.max_steps, 1) if by_steps and evaluate else None,
        logging_strategy=every,
        logging_steps=1,
        load_best_model_at_end=evaluate,
        metric_for_best_model="accuracy" if evaluate else None,
        greater_is_better=True,
        save_total_limit=1,
        save_only_model=True,
        train_sampling_strategy="group_by_length",
        remove_unused_columns=False,  # rows hold only model inputs, plus the teachers' probabilities when distilling
        report_to="none",
        disable_tqdm=not progress,
        use_cpu=device == "cpu",
        seed=settings.seed,
        dataloader_pin_memory=device == "cuda",
    )


def _new_model(base_dir: Path, labels: list[str], settings: TrainSettings, rows: list[dict[str, Any]], collator: Any, device: str) -> Any:
    """A fresh classifier on the encoder in ``base_dir``, its intent vectors at the centroids of ``rows``."""
    from transformers import set_seed

    from dialog.nlu.modeling import build_model

    set_seed(settings.seed)
    model = build_model(base_dir, labels, head=settings.head, logit_scale=settings.logit_scale)
    if settings.head == "mean-cosine" and settings.centroid_init:
        _centroid_init(model, rows, collator, device)
    return model


def bar_without_log_lines(
    trainer: Any, label: str = "training", keep: bool = True, log_line: Callable[[dict[str, Any]], str | None] | None = None,
) -> None:
    """Give the Trainer one labelled bar over its steps and none of its raw log dictionaries
    ("{'loss': '0.5451', 'grad_norm': ...}"): ``log_line`` may turn a log entry into one readable line
    instead (written above the bar). The validation pass after each epoch draws no second bar nested
    under it (its cursor moves garbled the lines printed between). ``keep=False`` clears the bar when
    training ends, for runs that print their own line afterwards (cross-validation folds). Without a bar
    (``progress=False``: ``--json``, tests) the Trainer's own printing of those dictionaries goes too."""
    from tqdm.auto import tqdm
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    class LabelledBar(ProgressCallback):
        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.is_world_process_zero:
                self.training_bar = tqdm(total=state.max_steps, desc=label, unit="step", leave=keep, dynamic_ncols=True)
            self.current_step = 0

        def on_prediction_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            return None

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            line = log_line(logs) if log_line and logs else None
            if line and self.training_bar is not None:
                self.training_bar.write(line)

    if trainer.pop_callback(ProgressCallback) is not None:
        trainer.add_callback(LabelledBar())
    trainer.pop_callback(PrinterCallback)


def run_trainer(trainer: Any) -> Any:
    """``trainer.train()``; on Ctrl-C its progress bars are closed before the interrupt goes on, so that
    they are not drawn once more, after the command's "stopped; nothing was saved" line, at exit."""
    from transformers.trainer_callback import ProgressCallback

    try:
        return trainer.train()
    except KeyboardInterrupt:
        for callback in trainer.callback_handler.callbacks:
            if isinstance(callback, ProgressCallback):
                for bar in (callback.training_bar, callback.prediction_bar):
                    if bar is not None:
                        bar.close()
        raise


def _refit(
    base_dir: Path, labels: list[str], settings: TrainSettings, rows: list[dict[str, Any]], tokenizer: Any, collator: Any,
    device: str, stop_epoch: float, output_dir: Path, progress: bool, keep_bar: bool = True,
) -> tuple[Any, int]:
    """A new model trained on ``rows`` (training and validation examples) with the same schedule,
    stopped after ``stop_epoch`` epochs; returns it and its number of optimizer steps."""
    from transformers import Trainer, TrainerCallback

    class StopAfterEpoch(TrainerCallback):
        def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if (state.epoch or 0) >= stop_epoch - 1e-6:
                control.should_training_stop = True

    model = _new_model(base_dir, labels, settings, rows, collator, device)
    args = _training_arguments(settings, output_dir, device, progress, evaluate=False)
    trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=collator, processing_class=tokenizer, callbacks=[StopAfterEpoch()])
    bar_without_log_lines(trainer, "training again on all examples", keep=keep_bar)
    output = run_trainer(trainer)
    return trainer.model, int(output.global_step)


def _centroid_init(model: Any, rows: list[dict[str, Any]], collator: Any, device: str) -> None:
    from dialog.nlu.modeling import init_from_centroids

    ordered = sorted(rows, key=lambda r: len(r["input_ids"]))
    batches = [collator(ordered[i : i + 128]) for i in range(0, len(ordered), 128)]
    model.to(device)
    init_from_centroids(
        model,
        [{k: b[k] for k in ("input_ids", "attention_mask")} for b in batches],  # the model's inputs only
        [b["labels"] for b in batches],
    )


def evaluate_split(model: Any, tokenizer: Any, examples: Sequence[Example], labels: Sequence[str], settings: TrainSettings) -> dict[str, Any]:
    """Validation metrics and the chosen out-of-scope threshold for one split."""
    from dialog.nlu.metrics import classification_metrics, oos_metrics
    from dialog.nlu.predict import decide, probabilities

    probs = probabilities(model, tokenizer, [e.text for e in examples], settings.max_length)
    raw = decide(probs, labels, threshold=0.0)
    truth = [e.label for e in examples]
    is_oos = np.array([t == OOS_LABEL for t in truth])
    correct = np.array([p == t for p, t in zip(raw.intents, truth, strict=True)])
    if settings.oos_threshold is not None:
        choice = given_threshold(settings.oos_threshold, raw.confidence, correct, is_oos, raw.predicted_oos)
    else:
        choice = choose_threshold(raw.confidence, correct, is_oos, raw.predicted_oos, settings.oos_objective)
    final = decide(probs, labels, threshold=choice.threshold)
    plain = classification_metrics(truth, raw.labels(), labels=sorted(set(labels) | {OOS_LABEL} if is_oos.any() else labels))
    return {
        "n": len(examples),
        "accuracy": plain["accuracy"],  # argmax, no threshold
        "macro_f1": plain["macro_f1"],
        "threshold": choice.threshold,
        "objective": choice.objective,
        "oos_examples": int(is_oos.sum()),
        "threshold_note": choice.note,
        "with_threshold": oos_metrics(truth, final.labels()),
    }


def intent_output(out_dir: Path | str) -> OutputFolder:
    """Where an intent model is saved: a new or empty folder, or an earlier intent model folder."""
    return OutputFolder(Path(out_dir), MANIFEST_FILE, "intent model")


def train_intents(
    examples: Sequence[Example],
    out_dir: Path | str,
    base: Path | str | None = None,
    settings: TrainSettings | None = None,
    valid: Sequence[Example] | None = None,
    progress: bool = True,
    bar_label: str = "training",
    keep_bar: bool = True,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    callbacks: Sequence[Any] = (),
    teachers: Sequence[Path | str] = (),
    data: dict[str, Any] | None = None,
) -> TrainResult:
    """Fine-tune a classifier on ``examples`` and save it with its manifest in ``out_dir``.

    ``valid`` is the validation split (early stopping, threshold); without it ``settings.val_fraction``
    of each label is held out of ``examples``. ``progress`` shows a bar over the steps, named ``bar_label``
    and cleared at the end unless ``keep_bar``. With ``settings.refit``, a second model is then trained
    on training and validation examples together for the best epoch's number of epochs and saved
    instead; the threshold and validation metrics are the first model's. ``on_epoch`` receives each
    epoch's validation metrics; ``callbacks`` are extra transformers ``TrainerCallback`` objects.
    With ``teachers`` (trained model folders on the same labels), the model also learns their averaged
    probabilities on the training examples (``distill.py``). ``data`` says where the examples came from
    (e.g. the CSV file and its sha256); the manifest records it under "data".
    """
    import torch
    from transformers import AutoTokenizer, DataCollatorWithPadding, EarlyStoppingCallback, Trainer, TrainerCallback

    target = intent_output(out_dir)
    target.check()  # before any training time is spent
    settings = settings or TrainSettings()
    started = time.perf_counter()
    out_dir = Path(out_dir)
    base_dir = Path(base) if base else packaged_encoder_dir()
    base_info = describe_base(base_dir)
    device = resolve_device(settings.device)
    check_examples(examples)
    if settings.oos_threshold is not None:
        check_threshold(settings.oos_threshold)
    if teachers and settings.refit:
        raise ValueError("distilling from teachers and refitting on all examples cannot be combined; drop one of them")
    if valid is None:
        train, valid = stratified_split(examples, settings.val_fraction, settings.seed)
    else:
        train, valid = list(examples), list(valid)
        unknown = sorted({e.label for e in valid} - {e.label for e in train} - {OOS_LABEL})
        if unknown:
            raise IntentDataError(f"validation labels not in the training data: {', '.join(unknown[:10])}")
    labels = sorted({e.label for e in train})
    label2id = {label: i for i, label in enumerate(labels)}
    valid_known = [e for e in valid if e.label in label2id]  # oos examples only count when oos is a class

    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    train_rows = _encode(tokenizer, train, label2id, settings.max_length)
    valid_rows = _encode(tokenizer, valid_known, label2id, settings.max_length)
    collator = DataCollatorWithPadding(tokenizer)
    trainer_class = Trainer
    if teachers:  # before the new model: a teacher on other labels fails at once
        from dialog.nlu.distill import TEACHER_KEY, distilling_trainer, teacher_probabilities

        probs = teacher_probabilities(teachers, [e.text for e in train], labels, device)
        for row, row_probs in zip(train_rows, probs, strict=True):
            row[TEACHER_KEY] = row_probs.tolist()
        trainer_class = distilling_trainer(settings.distill_weight, settings.distill_temperature, settings.label_smoothing)
    model = _new_model(base_dir, labels, settings, train_rows, collator, device)

    def compute_metrics(prediction: Any) -> dict[str, float]:
        predicted = np.asarray(prediction.predictions).argmax(-1)
        return {"accuracy": float((predicted == np.asarray(prediction.label_ids)).mean())}

    class EpochReport(TrainerCallback):
        def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None, **kwargs: Any) -> None:
            if on_epoch and metrics:
                on_epoch({"epoch": float(state.epoch or 0), "accuracy": metrics.get("eval_accuracy", float("nan")),
                          "loss": metrics.get("eval_loss", float("nan"))})

    log_history: list[dict[str, Any]] = []
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}-train-") as work:
        args = _training_arguments(settings, Path(work) / "checkpoints", device, progress, evaluate=True)
        trainer = trainer_class(
            model=model,
            args=args,
            train_dataset=train_rows,
            eval_dataset=valid_rows,
            data_collator=collator,
            processing_class=tokenizer,
            compute_metrics=compute_metrics,
            callbacks=[EarlyStoppingCallback(early_stopping_patience=settings.patience), EpochReport(), *callbacks],
        )
        bar_without_log_lines(trainer, bar_label, keep=keep_bar)
        train_output = run_trainer(trainer)
        log_history = list(trainer.state.log_history)
        best_epoch = _best_epoch(log_history)
        model = trainer.model
        train_seconds = time.perf_counter() - started
        validation = evaluate_split(model, tokenizer, valid, labels, settings)
        refit = None
        if settings.refit:
            refit_started = time.perf_counter()
            stop_epoch = best_epoch or settings.epochs
            model, refit_steps = _refit(base_dir, labels, settings, train_rows + valid_rows, tokenizer, collator, device,
                                        stop_epoch, Path(work) / "refit", progress, keep_bar)
            refit = {"examples": len(train_rows) + len(valid_rows), "epochs": stop_epoch, "steps": refit_steps,
                     "seconds": round(time.perf_counter() - refit_started, 1)}
            train_seconds = time.perf_counter() - started

        staging = Path(work) / "model"
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        manifest = {
            "format_version": FORMAT_VERSION,
            "kind": "intent-classifier",
            "base": base_info,
            "labels": labels,
            "data": {**(data or {}), "examples": len(train) + len(valid)},
            "oos": {
                "label": OOS_LABEL,
                "class_in_training": OOS_LABEL in label2id,
                "threshold": validation["threshold"],
                "objective": validation["objective"],
                "set_by_hand": settings.oos_threshold is not None,
                "note": validation["threshold_note"],
                "score": "best in-scope softmax probability",
            },
            "training": {
                **asdict(settings),
                "device": device,
                "train_examples": len(train),
                "valid_examples": len(valid),
                "optimizer": "AdamW, linear warm-up and decay",
                "steps": int(train_output.global_step),
                "epochs_run": float(trainer.state.epoch or 0),
                "best_epoch": best_epoch,
                "training_loss": float(train_output.training_loss),
                "torch_threads": torch.get_num_threads(),
                "refit": refit,  # the saved model: trained again on training + validation examples
                "teachers": [str(t) for t in teachers],  # distilled from these models' averaged probabilities
            },
            "validation": validation,
            "history": [h for h in log_history if "eval_accuracy" in h or "loss" in h],
            "created": now_utc(),
            "train_seconds": round(train_seconds, 1),
            "device": device,
        }
        write_manifest(staging, manifest)
        target.replace_with(staging)
    return TrainResult(out_dir, manifest)


def _best_epoch(history: list[dict[str, Any]]) -> float | None:
    evals = [h for h in history if "eval_accuracy" in h]
    if not evals:
        return None
    return float(max(evals, key=lambda h: h["eval_accuracy"]).get("epoch", 0))
