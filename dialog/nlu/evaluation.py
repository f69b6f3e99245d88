"""Evaluating intent models: test-set metrics, out-of-scope metrics, k-fold cross-validation."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from dialog.nlu.classifier import IntentClassifier
from dialog.nlu.data import OOS_LABEL, Example, stratified_folds
from dialog.nlu.metrics import classification_metrics, oos_metrics
from dialog.nlu.predict import decide
from dialog.nlu.threshold import ThresholdChoice, choose_threshold
from dialog.nlu.training import TrainSettings, train_intents


def evaluate_classifier(classifier: IntentClassifier, examples: Sequence[Example]) -> dict[str, Any]:
    """Metrics of ``classifier`` on ``examples``.

    ``accuracy``/``macro_f1``/``per_intent`` use the best class, no threshold (oos counts as a class
    where the model has one, and as always-wrong where it has not). ``with_threshold`` applies the
    saved out-of-scope threshold: in-scope accuracy counts a rejected in-scope message as wrong.
    """
    started = time.perf_counter()
    texts = [e.text for e in examples]
    truth = [e.label for e in examples]
    probs = classifier.probabilities(texts)
    labels = classifier.labels
    plain = decide(probs, labels, threshold=0.0)
    thresholded = decide(probs, labels, threshold=classifier.threshold)
    seconds = time.perf_counter() - started
    order = sorted(set(labels) | set(truth))
    if OOS_LABEL in order:  # oos last, so the matrix reads in-scope first
        order = [label for label in order if label != OOS_LABEL] + [OOS_LABEL]
    metrics = classification_metrics(truth, plain.labels(), labels=order)
    result: dict[str, Any] = {
        "n": len(examples),
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
        "per_intent": metrics["per_intent"],
        "threshold": classifier.threshold,
        "with_threshold": oos_metrics(truth, thresholded.labels()),
        "predict_seconds": round(seconds, 2),
        "labels": metrics["labels"],
        "confusion": metrics["confusion"],
    }
    if OOS_LABEL in truth:
        result["without_threshold"] = oos_metrics(truth, plain.labels())
    return result


def rechoose_threshold(classifier: IntentClassifier, valid: Sequence[Example], objective: str) -> ThresholdChoice:
    """Choose the out-of-scope threshold of a trained model again, on validation data, for ``objective``."""
    probs = classifier.probabilities([e.text for e in valid])
    raw = decide(probs, classifier.labels, threshold=0.0)
    truth = [e.label for e in valid]
    correct = np.array([p == t for p, t in zip(raw.intents, truth, strict=True)])
    is_oos = np.array([t == OOS_LABEL for t in truth])
    return choose_threshold(raw.confidence, correct, is_oos, raw.predicted_oos, objective)


def cross_validate(
    examples: Sequence[Example],
    folds: int,
    base: Path | str | None,
    settings: TrainSettings,
    progress: bool = True,
    on_fold: Callable[[int, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Stratified k-fold cross-validation: train on k-1 folds (a validation split carved from them),
    test on the held-out fold; per-fold and mean (standard deviation) accuracy and macro-F1."""
    parts = stratified_folds(examples, folds, settings.seed)
    per_fold = []
    with tempfile.TemporaryDirectory(prefix="intent-cv-") as work:
        for i, held_out in enumerate(parts):
            train = [e for j, part in enumerate(parts) if j != i for e in part]
            result = train_intents(train, Path(work) / f"fold{i}", base=base, settings=replace(settings, seed=settings.seed + i),
                                   progress=progress, bar_label=f"fold {i + 1}/{folds}", keep_bar=False)  # on_fold's line stays instead
            metrics = evaluate_classifier(IntentClassifier(result.folder, device=settings.device), held_out)
            fold = {"fold": i + 1, "n": metrics["n"], "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"],
                    "train_seconds": result.manifest["train_seconds"]}
            per_fold.append(fold)
            if on_fold:
                on_fold(i + 1, fold)

    def summary(key: str) -> dict[str, float]:
        values = [f[key] for f in per_fold]
        return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}

    return {"folds": folds, "per_fold": per_fold, "accuracy": summary("accuracy"), "macro_f1": summary("macro_f1")}
