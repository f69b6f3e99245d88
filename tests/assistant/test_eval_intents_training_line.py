"""`assistant eval intents --model X` tells the model's recorded training time as such, not as this run's."""

from __future__ import annotations

from assistant.cli_eval_intents import recorded_training_line


def test_the_training_time_is_the_recorded_one_with_its_day_and_the_evaluation_its_own() -> None:
    model = {"train_seconds": 84.1, "device": "cpu", "created": "2026-12-06T08:02:35Z"}

    line = recorded_training_line(model, 21.5)

    assert line == "model trained in 84 s on cpu on 2026-12-06 (recorded when it was trained); this evaluation took 21.5 s"


def test_a_manifest_without_a_day_still_says_the_time_was_recorded() -> None:
    line = recorded_training_line({"train_seconds": 58, "device": "cpu", "created": None}, None)

    assert line == "model trained in 58 s on cpu (recorded when it was trained)"
