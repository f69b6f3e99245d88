"""Knowledge distillation: train one intent model to match the averaged probabilities of trained ones.

Several models trained with different seeds, averaged, are more accurate than each of them but cost
that many forward passes. ``train intents --teacher A --teacher B`` trains one model of the usual size
on the same labels, with a loss that mixes the usual cross-entropy against the labels and the
Kullback-Leibler divergence from the teachers' averaged probabilities (both softened by a temperature,
after Hinton et al., 2015).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dialog.nlu.data import IntentDataError

TEACHER_KEY = "teacher_probs"


def teacher_probabilities(teachers: Sequence[Path | str], texts: Sequence[str], labels: Sequence[str], device: str = "auto") -> np.ndarray:
    """(len(texts), len(labels)) mean probabilities of the ``teachers``, columns in ``labels`` order.

    Every teacher must have been trained on exactly these labels."""
    from dialog.nlu.classifier import IntentClassifier

    total = np.zeros((len(texts), len(labels)))
    for path in teachers:
        teacher = IntentClassifier(path, device=device)
        if teacher.labels != list(labels):
            missing = sorted(set(labels) ^ set(teacher.labels))
            raise IntentDataError(f"teacher {path} was trained on other labels than the training data ({', '.join(missing[:5]) or 'another order'})")
        total += teacher.probabilities(texts)
    return total / len(teachers)


def distillation_loss(logits: Any, labels: Any, teacher: Any | None, weight: float, temperature: float, label_smoothing: float) -> Any:
    """``(1 - weight)`` x cross-entropy on the labels + ``weight`` x T² x KL(teacher || student) at temperature T.

    ``teacher`` holds probabilities (rows summing to one); without it, the cross-entropy alone."""
    import torch.nn.functional as F

    hard = F.cross_entropy(logits, labels, label_smoothing=label_smoothing)
    if teacher is None:
        return hard
    soft_teacher = F.softmax(teacher.clamp_min(1e-12).log() / temperature, dim=-1)
    soft = F.kl_div(F.log_softmax(logits / temperature, dim=-1), soft_teacher, reduction="batchmean") * temperature**2
    return (1 - weight) * hard + weight * soft


def distilling_trainer(weight: float, temperature: float, label_smoothing: float) -> type:
    """A transformers ``Trainer`` whose loss is ``distillation_loss``; rows carry ``TEACHER_KEY``."""
    from transformers import Trainer

    class DistillingTrainer(Trainer):
        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, **kwargs: Any) -> Any:
            labels = inputs.pop("labels")
            teacher = inputs.pop(TEACHER_KEY, None)
            outputs = model(**inputs)
            loss = distillation_loss(outputs.logits, labels, teacher, weight, temperature, label_smoothing)
            return (loss, outputs) if return_outputs else loss

    return DistillingTrainer
