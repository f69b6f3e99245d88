"""Intent classification metrics (pure numpy) and the confusion-matrix plot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dialog.nlu.data import OOS_LABEL


def confusion_matrix(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Counts (len(labels), len(labels)): row = true label, column = predicted label."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(true, predicted, strict=True):
        matrix[index[t], index[p]] += 1
    return matrix


def classification_metrics(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> dict:
    """Accuracy, macro-F1 and per-label precision/recall/F1/support.

    ``labels`` fixes the order (default: sorted union of true and predicted labels). Macro-F1 averages
    over the labels that occur in ``true``.
    """
    if len(true) != len(predicted):
        raise ValueError(f"{len(true)} true labels but {len(predicted)} predictions")
    labels = list(labels) if labels is not None else sorted(set(true) | set(predicted))
    matrix = confusion_matrix(true, predicted, labels)
    hits = np.diag(matrix).astype(float)
    support = matrix.sum(1)
    predicted_count = matrix.sum(0)
    precision = np.divide(hits, predicted_count, out=np.zeros_like(hits), where=predicted_count > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(hits), where=both > 0)
    present = support > 0
    return {
        "n": int(len(true)),
        "accuracy": float(hits.sum() / max(len(true), 1)),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_intent": {
            label: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]), "support": int(support[i]),
                    "predicted": int(predicted_count[i])}
            for i, label in enumerate(labels)
        },
        "labels": labels,
        "confusion": matrix.tolist(),
    }


def oos_metrics(true: Sequence[str], predicted: Sequence[str], oos_label: str = OOS_LABEL) -> dict:
    """In-scope accuracy (a rejected in-scope message counts as wrong) and out-of-scope recall/precision/F1."""
    true_arr, pred_arr = np.asarray(true, dtype=object), np.asarray(predicted, dtype=object)
    is_oos, flagged = true_arr == oos_label, pred_arr == oos_label
    in_scope = ~is_oos
    recall = float(flagged[is_oos].mean()) if is_oos.any() else None
    precision = None  # undefined without out-of-scope examples
    if is_oos.any():
        precision = float(is_oos[flagged].mean()) if flagged.any() else 0.0
    f1 = None
    if recall is not None and precision is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "in_scope_n": int(in_scope.sum()),
        "oos_n": int(is_oos.sum()),
        "in_scope_accuracy": float((true_arr == pred_arr)[in_scope].mean()) if in_scope.any() else None,
        "in_scope_rejected": float(flagged[in_scope].mean()) if in_scope.any() else None,
        "oos_recall": recall,
        "oos_precision": precision,
        "oos_f1": f1,
    }


def plot_confusion(matrix: np.ndarray, labels: Sequence[str], path: Path | str, title: str = "Intent confusion matrix") -> Path:
    """Save a row-normalized confusion matrix as a PNG (readable up to ~150 labels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix, dtype=float)
    rows = matrix.sum(1, keepdims=True)
    normalized = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    n = len(labels)
    size = min(max(6.0, 0.16 * n + 3), 30.0)
    font = max(2.0, min(9.0, 400.0 / max(n, 1)))
    fig, ax = plt.subplots(figsize=(size, size), dpi=120)
    image = ax.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), labels, rotation=90, fontsize=font)
    ax.set_yticks(range(n), labels, fontsize=font)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    if n <= 20:
        for i in range(n):
            for j in range(n):
                if matrix[i, j]:
                    ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=font,
                            color="white" if normalized[i, j] > 0.5 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true label's examples")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
