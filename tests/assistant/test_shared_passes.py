"""Concurrent callers of a model share its forward passes, one pass at a time, each getting its own rows."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.shared_passes import SharedPasses


class GatedModel:
    """A fake forward pass: a row of (len(text), number in the text) per text, and a record of each call.
    Its first call waits for ``release``, so that others can queue behind it; a text "bad" raises."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.inside, self.release = threading.Event(), threading.Event()
        self.running = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.running += 1
        assert self.running == 1, "two passes at once"
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.inside.set()
            assert self.release.wait(30)
        self.running -= 1
        if "bad" in texts:
            raise ValueError("cannot read 'bad'")
        return np.array([[len(t), int(t.split()[-1]) if t[-1].isdigit() else -1] for t in texts], dtype=np.float32)


def queue_behind_first_pass(passes: SharedPasses, model: GatedModel, groups: list[list[str]]) -> dict[int, object]:
    """Run ``groups[0]`` and, while its pass is running, every other group from its own thread; returns each
    group's rows (or the exception it raised) by position."""
    results: dict[int, object] = {}

    def call(number: int) -> None:
        try:
            results[number] = passes.run(groups[number])
        except Exception as error:  # noqa: BLE001
            results[number] = error

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert model.inside.wait(30)
    others = [threading.Thread(target=call, args=(n,)) for n in range(1, len(groups))]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 30
    while len(passes._queue) < len(others) and time.monotonic() < deadline:
        time.sleep(0.01)
    model.release.set()
    for thread in [first, *others]:
        thread.join(30)
    return results


def test_callers_queued_behind_a_pass_share_the_next_one_and_get_their_own_rows() -> None:
    model = GatedModel()
    passes = SharedPasses(model)
    groups = [["first 0"]] + [[f"caller {n}", f"again {n}"] for n in range(1, 11)]

    results = queue_behind_first_pass(passes, model, groups)

    assert len(model.calls) == 2 == passes.passes  # not 11: the ten waiting callers shared one pass
    assert sorted(model.calls[1]) == sorted(text for group in groups[1:] for text in group)
    for number, group in enumerate(groups):
        assert np.array_equal(results[number], model(group)), number  # each caller's own rows, in its order


def test_a_pass_takes_waiting_callers_only_up_to_max_texts() -> None:
    model = GatedModel()
    passes = SharedPasses(model, max_texts=4)
    groups = [["first 0"]] + [[f"caller {n}", f"again {n}"] for n in range(1, 6)]

    results = queue_behind_first_pass(passes, model, groups)

    assert [len(call) for call in model.calls] == [1, 4, 4, 2]
    assert all(isinstance(results[n], np.ndarray) and len(results[n]) == 2 for n in range(1, 6))


def test_a_bad_text_fails_only_its_own_caller() -> None:
    model = GatedModel()
    passes = SharedPasses(model)
    groups = [["first 0"], ["fine 1"], ["bad"], ["fine 3"]]

    results = queue_behind_first_pass(passes, model, groups)

    assert isinstance(results[2], ValueError) and "bad" in str(results[2])
    assert results[1][0, 1] == 1 and results[3][0, 1] == 3  # the joined pass failed; each then ran alone


def test_a_lone_caller_runs_at_once_and_a_large_one_alone() -> None:
    model = GatedModel()
    model.release.set()
    passes = SharedPasses(model, max_texts=2)

    assert passes.run(["a 1"]).tolist() == [[3, 1]]
    assert passes.run([f"t {n}" for n in range(5)]).shape == (5, 2)  # more than max_texts: one pass of its own
    assert model.calls == [["a 1"], [f"t {n}" for n in range(5)]]


def test_an_exclusive_holder_keeps_passes_out_until_it_is_done() -> None:
    model = GatedModel()
    model.release.set()
    passes = SharedPasses(model)
    done = threading.Event()

    with passes.exclusive():
        waiting = threading.Thread(target=lambda: (passes.run(["x 1"]), done.set()))
        waiting.start()
        assert not done.wait(0.2)  # held: the other caller waits
        assert model.calls == []
    waiting.join(30)
    assert done.is_set() and model.calls == [["x 1"]]


def test_errors_that_stop_the_program_reach_every_caller_in_the_pass() -> None:
    def interrupted(texts: list[str]) -> np.ndarray:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        SharedPasses(interrupted).run(["a"])
