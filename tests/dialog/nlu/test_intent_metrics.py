"""Threshold selection and metrics (pure numpy), and the confusion-matrix plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dialog.nlu.metrics import classification_metrics, oos_metrics, plot_confusion
from dialog.nlu.predict import decide
from dialog.nlu.threshold import DEFAULT_THRESHOLD, MIN_OOS_TO_CHOOSE, choose_threshold, given_threshold, parse_objective


def test_classification_metrics_by_hand() -> None:
    true = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "a"]
    m = classification_metrics(true, pred)
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["per_intent"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2, "predicted": 2}
    assert m["per_intent"]["b"]["precision"] == pytest.approx(2 / 3) and m["per_intent"]["b"]["recall"] == 1.0
    assert m["per_intent"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}
    assert m["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert m["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]


def test_oos_metrics() -> None:
    true = ["a", "a", "b", "oos", "oos"]
    pred = ["a", "oos", "b", "oos", "a"]
    m = oos_metrics(true, pred)
    assert m["in_scope_accuracy"] == pytest.approx(2 / 3)
    assert m["oos_recall"] == 0.5 and m["oos_precision"] == 0.5 and m["in_scope_rejected"] == pytest.approx(1 / 3)


def test_threshold_objectives() -> None:
    # in-scope: confident and right, except one unsure and wrong; out-of-scope: mostly unsure
    conf = np.array([0.9, 0.95, 0.8, 0.4, 0.3, 0.5, 0.85, 0.2])
    correct = np.array([True, True, True, False, False, False, False, False])
    is_oos = np.array([False, False, False, False, True, True, True, True])
    balanced = choose_threshold(conf, correct, is_oos, objective="balanced")
    assert 0.5 < balanced.threshold <= 0.8
    assert balanced.in_scope_accuracy == 0.75 and balanced.oos_recall == 0.75
    recall = choose_threshold(conf, correct, is_oos, objective="recall:0.5")
    assert recall.oos_recall >= 0.5 and recall.threshold == pytest.approx(0.3 + 1e-9)
    strict = choose_threshold(conf, correct, is_oos, objective="recall:1.0")
    assert strict.oos_recall == 1.0 and strict.in_scope_accuracy < 0.75
    auto = choose_threshold(conf, correct, is_oos)
    assert auto.objective == "default"  # 4 out-of-scope examples are too few for balanced, 4 in-scope ones for reject:0.05 (below)


def test_reject_objective_without_oos_examples() -> None:
    conf = np.linspace(0.01, 1.0, 100)
    choice = choose_threshold(conf, np.ones(100, bool), np.zeros(100, bool), objective="auto")
    assert choice.objective == "reject:0.02" and choice.oos_recall is None
    assert (conf < choice.threshold).sum() == 2 and choice.in_scope_accuracy == pytest.approx(0.98)
    with pytest.raises(ValueError, match="needs out-of-scope examples"):
        choose_threshold(conf, np.ones(100, bool), np.zeros(100, bool), objective="balanced")


def _validation(in_scope: int, oos: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validation predictions: in-scope examples mostly confident and right, out-of-scope ones mostly unsure."""
    rng = np.random.default_rng(seed)
    conf = np.concatenate([rng.uniform(0.2, 1.0, in_scope), rng.uniform(0.05, 0.9, oos)])
    correct = np.concatenate([conf[:in_scope] > 0.3, np.zeros(oos, bool)])
    return conf, correct, np.arange(in_scope + oos) >= in_scope


def test_auto_with_few_oos_examples_bounds_in_scope_rejection_and_says_why() -> None:
    """The demo's validation split: 40 in scope, 3 out of scope. `balanced` there let one message decide."""
    conf, correct, is_oos = _validation(40, 3)
    choice = choose_threshold(conf, correct, is_oos)
    assert choice.objective == "reject:0.05"
    assert choice.note is not None and "only 3 out-of-scope validation example(s)" in choice.note and "--oos-threshold" in choice.note
    assert (conf[~is_oos] < choice.threshold).sum() <= 2  # at most 5 % of the 40 in-scope messages turned away
    assert choice.oos_recall is not None  # still reported for the 3
    assert choose_threshold(conf, correct, is_oos, objective="balanced").note is None  # asked for by name: as asked


def test_auto_with_enough_oos_examples_is_balanced_as_before() -> None:
    """CLINC150 (100 out-of-scope validation messages) and Banking77-OOS keep what their published numbers used."""
    for oos in (MIN_OOS_TO_CHOOSE, 100):
        conf, correct, is_oos = _validation(300, oos, seed=oos)
        auto, balanced = choose_threshold(conf, correct, is_oos), choose_threshold(conf, correct, is_oos, objective="balanced")
        assert auto == balanced and auto.objective == "balanced" and auto.note is None
    conf, correct, is_oos = _validation(300, MIN_OOS_TO_CHOOSE - 1)
    assert choose_threshold(conf, correct, is_oos).objective == "reject:0.05"


@pytest.mark.parametrize(("in_scope", "oos", "rule"), [(3, 1, "reject:0.05"), (19, 3, "reject:0.05"), (49, 0, "reject:0.02")])
def test_auto_keeps_the_default_when_the_split_is_too_small_to_choose_on(in_scope: int, oos: int, rule: str) -> None:
    """A single out-of-scope example among 3 in-scope ones chose 0.0: `reject:0.05` of fewer than 20 in-scope
    messages may turn none away, so "choosing" saved a threshold that never turns anything away."""
    conf, correct, is_oos = _validation(in_scope, oos)
    choice = choose_threshold(conf, correct, is_oos)
    assert choice.threshold == DEFAULT_THRESHOLD > 0 and choice.objective == "default"
    assert choice.note is not None and f"only {in_scope} in-scope and {oos} out-of-scope validation examples" in choice.note
    needed = round(1 / float(rule.partition(":")[2]))  # in-scope messages of which F is one message
    assert f"'{rule}' {needed} in-scope ones" in choice.note and "--oos-threshold" in choice.note
    assert choice.in_scope_accuracy == pytest.approx((correct & (conf >= DEFAULT_THRESHOLD))[~is_oos].mean())  # measured for it
    named = choose_threshold(conf, correct, is_oos, objective=rule)  # named outright: used as given, and said
    assert named.threshold == 0.0 and named.objective == rule
    assert named.note is not None and f"'{rule}' of {in_scope} in-scope validation examples may turn none" in named.note
    assert "no message is out of scope by the threshold" in named.note and "--oos-threshold" in named.note
    enough = choose_threshold(*_validation(needed, oos))
    assert enough.objective == rule and enough.threshold > 0  # enough to turn one away: chosen as before
    assert choose_threshold(*_validation(needed, oos), objective=rule).note is None  # named, with enough: nothing to say


def test_a_threshold_given_by_hand_is_kept_and_measured() -> None:
    conf, correct, is_oos = _validation(40, 3)
    choice = given_threshold(0.5, conf, correct, is_oos)
    assert choice.threshold == 0.5 and choice.objective == "set by hand"
    assert choice.in_scope_accuracy == pytest.approx((correct & (conf >= 0.5))[~is_oos].mean())
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            given_threshold(bad, conf, correct, is_oos)


def test_objective_parsing() -> None:
    assert parse_objective("recall:0.7") == ("recall", 0.7)
    for bad in ("recall", "recall:2", "precision:0.5", "balanced:1"):
        with pytest.raises(ValueError, match="unknown out-of-scope objective"):
            parse_objective(bad)


def test_decide_with_oos_class_and_threshold() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.2, 0.2, 0.6], [0.4, 0.35, 0.25]])
    d = decide(probs, ["a", "b", "oos"], threshold=0.5, top_k=2)
    assert d.intents == ["a", "a", "a"]  # best in-scope intent, even when out of scope
    assert d.predicted_oos.tolist() == [False, True, False]
    assert d.out_of_scope.tolist() == [False, True, True]
    assert d.labels() == ["a", "oos", "oos"]
    assert d.rankings[1] == (("oos", pytest.approx(0.6)), ("a", pytest.approx(0.2)))


def test_plot_is_written(tmp_path: Path) -> None:
    path = plot_confusion(np.array([[3, 1], [0, 4]]), ["a", "b"], tmp_path / "plots" / "cm.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
