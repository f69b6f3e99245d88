"""Batch inference for intent models and the decision rule shared by training and the classifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from dialog.nlu.data import OOS_LABEL


@torch.no_grad()
def probabilities(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    max_length: int = 64,
    batch_size: int = 64,
) -> np.ndarray:
    """Softmax probabilities (len(texts), num_labels); texts are batched by length to save padding."""
    if not texts:
        return np.zeros((0, model.config.num_labels), dtype=np.float32)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    result = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        batch = tokenizer([texts[i] for i in chunk], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        batch = {k: v.to(device) for k, v in batch.items()}
        logits = model(**batch).logits.float()  # (B, L)
        result[chunk] = torch.softmax(logits, dim=-1).cpu().numpy()
    model.train(was_training)
    return result


@dataclass(frozen=True)
class Decisions:
    """Per-example decisions from a probability matrix: best in-scope intent, its probability, out of scope."""

    intents: list[str]
    confidence: np.ndarray  # best in-scope probability, (N,)
    predicted_oos: np.ndarray  # the best class overall is the oos class, (N,)
    out_of_scope: np.ndarray  # predicted_oos or confidence below the threshold, (N,)
    rankings: list[tuple[tuple[str, float], ...]]

    def labels(self, oos_label: str = OOS_LABEL) -> list[str]:
        """The predicted label per example, ``oos_label`` where out of scope."""
        return [oos_label if oos else intent for intent, oos in zip(self.intents, self.out_of_scope, strict=True)]


def decide(probs: np.ndarray, labels: Sequence[str], threshold: float = 0.0, top_k: int = 3) -> Decisions:
    """Apply the out-of-scope rule: the oos class wins, or the best in-scope probability is below ``threshold``."""
    labels = list(labels)
    oos_index = labels.index(OOS_LABEL) if OOS_LABEL in labels else None
    in_scope = probs.copy()
    if oos_index is not None:
        in_scope[:, oos_index] = -1.0
    best = in_scope.argmax(1)  # (N,)
    confidence = in_scope[np.arange(len(probs)), best] if len(probs) else np.zeros(0)
    predicted_oos = probs.argmax(1) == oos_index if oos_index is not None else np.zeros(len(probs), dtype=bool)
    out_of_scope = predicted_oos | (confidence < threshold)
    top = np.argsort(-probs, axis=1)[:, :top_k]  # (N, k)
    rankings = [tuple((labels[j], float(row[j])) for j in order) for row, order in zip(probs, top, strict=True)]
    return Decisions([labels[i] for i in best], confidence, predicted_oos, out_of_scope, rankings)
