"""Choosing the out-of-scope threshold on validation data, for a stated objective.

A message is out of scope when the classifier's best in-scope probability is below the threshold
(or when its best guess is the ``oos`` class itself, where the training data has one). Objectives:

- ``balanced``: maximize the mean of in-scope accuracy and out-of-scope recall;
- ``f1``: maximize the F1 of the out-of-scope class;
- ``recall:R``: the lowest threshold whose out-of-scope recall reaches R (keeps in-scope accuracy as
  high as that recall allows);
- ``reject:F``: for validation data without out-of-scope examples, the highest threshold that rejects
  at most a fraction F of the in-scope examples.

``auto`` is ``balanced`` when the validation data has at least ``MIN_OOS_TO_CHOOSE`` out-of-scope
examples, ``reject:0.05`` when it has fewer (a note says so), and ``reject:0.02`` when it has none. When
that ``reject:F`` could not turn away even one in-scope validation message (fewer than 1/F of them: 20 for
``reject:0.05``, 50 for ``reject:0.02``), the split is too small to choose on at all: ``auto`` then keeps
``DEFAULT_THRESHOLD`` (objective ``"default"``) and a note says so. It used to save 0, which turns nothing away.
A ``reject:F`` named outright is used as given on such a split: it saves 0, and a note says what that means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_WITHOUT_OOS = "reject:0.02"
DEFAULT_WITH_OOS = "balanced"
DEFAULT_FEW_OOS = "reject:0.05"
# Below this many out-of-scope validation examples, one message moves out-of-scope recall by more than 10
# points, and ``balanced`` weighs it like (in-scope examples / out-of-scope examples) in-scope ones: with the
# demo's 3 among 43 (one weighing as much as 13), a retrain on 11 more rows moved the threshold from 0.29
# to 0.78. ``auto`` then bounds the in-scope messages turned away instead, which all in-scope examples decide.
MIN_OOS_TO_CHOOSE = 10
# Kept by ``auto`` when the validation split is too small to choose a threshold on (see the module's docstring):
# a stand-in, not measured on the team's data. A best in-scope probability under 0.3 means no intent got even
# a third of the probability; the demo's 19 intents got 0.293 from ``balanced`` on its first split (the Makefile
# keeps 0.29). Anything measured replaces it: --oos-threshold, or `assistant models set-oos-threshold`.
DEFAULT_THRESHOLD = 0.3
DEFAULT_OBJECTIVE = "default"  # the objective recorded for DEFAULT_THRESHOLD
SET_BY_HAND = "set by hand"  # the objective recorded for a threshold given with --oos-threshold


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    objective: str  # the resolved objective, e.g. "balanced" or "reject:0.02"
    in_scope_accuracy: float
    oos_recall: float | None
    oos_precision: float | None
    note: str | None = None  # why the objective differs from the one asked for, e.g. too few out-of-scope examples


def parse_objective(objective: str) -> tuple[str, float | None]:
    """('recall', 0.7) for 'recall:0.7'; a ValueError names the accepted forms."""
    name, _, value = objective.partition(":")
    if name in ("balanced", "f1", "auto") and not value:
        return name, None
    if name in ("recall", "reject") and value:
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if 0 <= number <= 1:
            return name, number
    raise ValueError(f"unknown out-of-scope objective {objective!r}; use auto, balanced, f1, recall:R or reject:F (R, F between 0 and 1)")


def oos_decisions(confidence: np.ndarray, predicted_oos: np.ndarray, threshold: float) -> np.ndarray:
    """True where a message is judged out of scope."""
    return predicted_oos | (confidence < threshold)


def _rates(threshold: float, confidence: np.ndarray, correct: np.ndarray, predicted_oos: np.ndarray, is_oos: np.ndarray) -> tuple[float, float | None, float | None]:
    flagged = oos_decisions(confidence, predicted_oos, threshold)
    in_scope = ~is_oos
    accuracy = float((correct & ~flagged)[in_scope].mean()) if in_scope.any() else 0.0
    if not is_oos.any():
        return accuracy, None, None
    recall = float(flagged[is_oos].mean())
    precision = float(is_oos[flagged].mean()) if flagged.any() else 0.0
    return accuracy, recall, precision


def choose_threshold(
    confidence: np.ndarray,
    correct: np.ndarray,
    is_oos: np.ndarray,
    predicted_oos: np.ndarray | None = None,
    objective: str = "auto",
) -> ThresholdChoice:
    """The threshold that best meets ``objective`` on validation predictions.

    ``confidence``: best in-scope probability per example; ``correct``: the best in-scope intent is the
    true one (False for out-of-scope examples); ``is_oos``: the true label is out of scope;
    ``predicted_oos``: the classifier's own best guess is the ``oos`` class.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    is_oos = np.asarray(is_oos, dtype=bool)
    predicted_oos = np.zeros_like(is_oos) if predicted_oos is None else np.asarray(predicted_oos, dtype=bool)
    name, value = parse_objective(objective)
    has_oos = bool(is_oos.any())
    note = None
    if name == "auto":
        objective, note = _auto_objective(int(is_oos.sum()))
        name, value = parse_objective(objective)
        in_scope = int((~is_oos).sum())
        if name == "reject" and value and np.floor(value * in_scope) < 1:  # it would save 0: nothing turned away
            note = _too_few_note(in_scope, int(is_oos.sum()), value)
            rates = _rates(DEFAULT_THRESHOLD, confidence, correct, predicted_oos, is_oos)
            return ThresholdChoice(DEFAULT_THRESHOLD, DEFAULT_OBJECTIVE, *rates, note=note)
    if name in ("balanced", "f1", "recall") and not has_oos:
        raise ValueError(f"objective {objective!r} needs out-of-scope examples in the validation data; use reject:F instead")

    # Candidate thresholds: 0 (never reject) and just above each observed confidence.
    candidates = np.concatenate([[0.0], np.unique(confidence) + 1e-9])
    if name == "reject":
        in_scope_conf = np.sort(confidence[~is_oos])
        allowed = int(np.floor(value * len(in_scope_conf)))  # how many in-scope examples may be rejected
        threshold = float(in_scope_conf[allowed]) if allowed < len(in_scope_conf) else float(in_scope_conf[-1]) + 1e-9
        threshold = 0.0 if allowed == 0 else threshold
        if allowed == 0 and note is None:  # named outright: used as given, but saving 0 is said, as auto's default is
            note = _turns_none_away_note(len(in_scope_conf), value)
        return ThresholdChoice(threshold, objective, *_rates(threshold, confidence, correct, predicted_oos, is_oos), note=note)

    best_threshold, best_score = 0.0, -np.inf
    for threshold in candidates:
        accuracy, recall, precision = _rates(float(threshold), confidence, correct, predicted_oos, is_oos)
        assert recall is not None and precision is not None
        if name == "balanced":
            score = (accuracy + recall) / 2
        elif name == "f1":
            score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        else:  # recall:R -- the first (lowest) threshold that reaches it
            if recall >= value - 1e-12:
                best_threshold, best_score = float(threshold), 1.0
                break
            continue
        if score > best_score + 1e-12:
            best_threshold, best_score = float(threshold), score
    if name == "recall" and best_score < 0:
        best_threshold = float(candidates[-1])  # unreachable by thresholding alone: reject everything
    return ThresholdChoice(best_threshold, objective, *_rates(best_threshold, confidence, correct, predicted_oos, is_oos))


def _auto_objective(oos_examples: int) -> tuple[str, str | None]:
    """The objective ``auto`` stands for with this many out-of-scope validation examples, and a note when it
    is not the one meant for data with out-of-scope examples."""
    if oos_examples == 0:
        return DEFAULT_WITHOUT_OOS, None
    if oos_examples < MIN_OOS_TO_CHOOSE:
        return DEFAULT_FEW_OOS, (
            f"only {oos_examples} out-of-scope validation example(s), fewer than the {MIN_OOS_TO_CHOOSE} {DEFAULT_WITH_OOS!r} "
            f"needs to be stable: the threshold turns away at most {float(DEFAULT_FEW_OOS.partition(':')[2]):.0%} of the in-scope "
            "validation messages instead (set another with --oos-threshold or --oos-objective)"
        )
    return DEFAULT_WITH_OOS, None


def _too_few_note(in_scope: int, oos: int, reject: float) -> str:
    """Why ``auto`` kept DEFAULT_THRESHOLD: neither objective can choose on this few validation examples."""
    needed = int(np.ceil(1 / reject - 1e-9))
    return (
        f"only {in_scope} in-scope and {oos} out-of-scope validation examples, too few to choose a threshold on "
        f"({DEFAULT_WITH_OOS!r} needs {MIN_OOS_TO_CHOOSE} out-of-scope ones, 'reject:{reject:g}' {needed} in-scope ones to turn "
        f"away even one): the default {DEFAULT_THRESHOLD:g} is kept instead, not measured on your data (set one with "
        "--oos-threshold, e.g. the running model's, or train on more examples)"
    )


def _turns_none_away_note(in_scope: int, reject: float) -> str:
    """Why a named ``reject:F`` saved 0: a fraction F of this few in-scope examples is not one message."""
    needed = int(np.ceil(1 / reject - 1e-9))
    return (
        f"'reject:{reject:g}' of {in_scope} in-scope validation examples may turn none of them away ({needed} are needed to "
        "turn away one): the threshold is 0, so no message is out of scope by the threshold (set one with --oos-threshold, "
        "or train on more examples)"
    )


def check_threshold(threshold: float) -> None:
    """ValueError unless ``threshold`` is a probability (0-1)."""
    if not 0 <= threshold <= 1:
        raise ValueError(f"the out-of-scope threshold must be between 0 and 1, not {threshold}")


def given_threshold(
    threshold: float, confidence: np.ndarray, correct: np.ndarray, is_oos: np.ndarray, predicted_oos: np.ndarray | None = None,
) -> ThresholdChoice:
    """A threshold set by hand, with its rates on the validation predictions (arguments as ``choose_threshold``)."""
    check_threshold(threshold)
    is_oos = np.asarray(is_oos, dtype=bool)
    predicted_oos = np.zeros_like(is_oos) if predicted_oos is None else np.asarray(predicted_oos, dtype=bool)
    rates = _rates(float(threshold), np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool), predicted_oos, is_oos)
    return ThresholdChoice(float(threshold), SET_BY_HAND, *rates)
