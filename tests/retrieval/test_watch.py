"""`assistant ingest --watch`: the polling loop (retrieval/watch.py) with a scripted clock, and the command
in a process of its own, indexing an edited article again until Ctrl-C or a service manager stops it."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from cli_helpers import FAKES
from conftest import write_files
from retrieval.watch import QUIET_LOOKS, WRITING_LOOKS, Snapshot, open_for_writing, snapshot, watch
import waiting


class Stop(Exception):
    """Ends a scripted watch."""


class ScriptedClock:
    """A sleep that runs the next step (an edit, or nothing) each time, counting the ticks, and stops the
    watch when no steps are left."""

    def __init__(self, steps: list[Callable[[], object]]) -> None:
        self.steps, self.tick = list(steps), 0

    def sleep(self, _: float) -> None:
        if self.tick == len(self.steps):
            raise Stop
        self.steps[self.tick]()
        self.tick += 1


def run_watch(root: Path, steps: list[Callable[[], object]], indexed: Snapshot | None = None) -> tuple[list[int], list[list[str]]]:
    """The ticks after which the watch indexed again, and what it said had become empty."""
    clock = ScriptedClock(steps)
    ticks: list[int] = []
    emptied: list[list[str]] = []
    with pytest.raises(Stop):
        watch([root], 1.0, lambda: ticks.append(clock.tick), emptied.append, sleep=clock.sleep, indexed=indexed)
    return ticks, emptied


def nothing() -> None:
    return None


def test_a_change_is_indexed_once_the_files_stayed_the_same_for_two_more_looks(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne.", "b.md": "# B\nTwo."})
    edit = lambda: (root / "a.md").write_text("# A\nOne, edited.")  # noqa: E731
    add = lambda: (root / "c.md").write_text("# C\nThree, still being copied")  # noqa: E731
    grow = lambda: (root / "c.md").write_text("# C\nThree, still being copied, and the rest of it.")  # noqa: E731

    ticks, emptied = run_watch(root, [nothing, edit, nothing, nothing, nothing, add, grow, nothing, nothing, nothing])

    assert ticks == [4, 9]  # after the edit had settled; after the copy had stopped growing
    assert emptied == []


def test_a_copy_that_stalls_for_a_whole_interval_half_way_is_indexed_once_it_is_complete(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne."})
    start = lambda: (root / "big.md").write_text("# Big\nThe first half")  # noqa: E731
    finish = lambda: (root / "big.md").write_text("# Big\nThe first half, and the second half.")  # noqa: E731
    seen: list[str] = []
    clock = ScriptedClock([start, nothing, finish, nothing, nothing])

    with pytest.raises(Stop):
        watch([root], 1.0, lambda: seen.append((root / "big.md").read_text()), lambda _: None, sleep=clock.sleep)

    assert seen == ["# Big\nThe first half, and the second half."]  # not the half seen while the copy stalled


def test_a_copy_that_stalls_for_longer_than_the_quiet_looks_is_indexed_once_its_writer_closes_it(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne."})
    copy = (root / "big.md").open("w")  # a cp reading from a slow source: the file stays open while it waits
    start = lambda: (copy.write("# Big\nThe first half"), copy.flush())  # noqa: E731
    finish = lambda: (copy.write(", and the second half."), copy.close())  # noqa: E731
    seen: list[str] = []
    clock = ScriptedClock([start, nothing, nothing, nothing, nothing, nothing, finish, nothing, nothing, nothing])

    try:
        with pytest.raises(Stop):
            watch([root], 1.0, lambda: seen.append((root / "big.md").read_text()), lambda _: None, sleep=clock.sleep)
    finally:
        copy.close()

    assert seen == ["# Big\nThe first half, and the second half."]  # five quiet looks half-way were not the end of it


def test_a_file_held_open_for_writing_indefinitely_does_not_keep_other_changes_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # a process that never closes its file (a log written into the folder): every other change waited for it forever
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne."})
    held = (root / "held.md").open("w")
    start = lambda: (held.write("# Held\nWritten now and then"), held.flush())  # noqa: E731
    edit = lambda: (root / "a.md").write_text("# A\nOne, edited.")  # noqa: E731
    seen: list[tuple[int, str]] = []
    clock = ScriptedClock([start, edit] + [nothing] * (QUIET_LOOKS + WRITING_LOOKS + 5))

    try:
        with pytest.raises(Stop), caplog.at_level(logging.INFO, logger="retrieval.watch"):
            watch([root], 1.0, lambda: seen.append((clock.tick, (root / "a.md").read_text())), lambda _: None, sleep=clock.sleep)
    finally:
        held.close()

    assert [text for _, text in seen] == ["# A\nOne, edited."]  # indexed once, with the file still open
    assert seen[0][0] > WRITING_LOOKS  # after waiting for the writer a while, as for a copy that stalls
    assert any(r.levelno == logging.WARNING and "held.md" in r.getMessage() for r in caplog.records)


def test_open_for_writing_names_the_files_a_process_is_writing(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"written.md": "# A", "read.md": "# B", "closed.md": "# C"})
    names = [str(root / name) for name in ("written.md", "read.md", "closed.md")]
    with (root / "written.md").open("a"), (root / "read.md").open():
        (root / "closed.md").open("a").close()

        assert open_for_writing(names) == [str(root / "written.md")]
    assert open_for_writing(names) == []


def test_a_partial_download_growing_beside_the_files_holds_the_ingest_back(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne."})
    edit = lambda: (root / "a.md").write_text("# A\nOne, edited.")  # noqa: E731
    grow = lambda n: lambda: (root / "manual.pdf.crdownload").write_bytes(b"%PDF" + b"x" * n)  # noqa: E731
    done = lambda: (root / "manual.pdf.crdownload").rename(root / "manual.pdf")  # noqa: E731

    ticks, _ = run_watch(root, [edit, grow(1), grow(2), grow(3), done, nothing, nothing])

    assert len(ticks) == 1 and ticks[0] > 5  # once, with the download complete, not with the edit alone half-way through it


def test_a_change_made_while_the_first_ingest_ran_is_indexed(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne."})
    before_the_ingest = snapshot([root])
    (root / "a.md").write_text("# A\nOne, edited while the ingest ran.")

    ticks, _ = run_watch(root, [nothing, nothing, nothing], indexed=before_the_ingest)

    assert ticks == [2]


def test_hidden_files_are_not_changes(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne."})
    swap = lambda: write_files(root, {".a.md.swp": "editor", ".git/index": "x"})  # noqa: E731

    ticks, _ = run_watch(root, [swap, nothing, nothing])

    assert ticks == []


def test_a_folder_that_became_empty_is_reported_once_and_not_indexed(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne.", "sub/b.md": "# B\nTwo."})
    unmount = lambda: [path.unlink() for path in root.rglob("*.md")]  # noqa: E731
    mount_again = lambda: write_files(root, {"a.md": "# A\nOne, edited.", "sub/b.md": "# B\nTwo."})  # noqa: E731

    ticks, emptied = run_watch(root, [unmount, nothing, nothing, nothing, mount_again, nothing, nothing])

    assert emptied == [[str(root)]]
    assert ticks == [7]  # the files are back, one of them changed


def test_a_snapshot_has_the_files_ingest_reads(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne.", ".hidden.md": "no", "sub/b.txt": "Two."})

    files = snapshot([root, tmp_path / "missing"])

    assert sorted(files[str(root)]) == [str(root / "a.md"), str(root / "sub" / "b.txt")]
    assert files[str(tmp_path / "missing")] == {}


class Lines:
    """The lines a child process prints on ``stream``, read in a thread as they come."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(iter(stream.readline, "")), daemon=True)
        self._reader.start()

    def wait_for(self, text: str) -> None:
        waiting.wait_for(lambda: any(text in line for line in self.lines), f"a line with {text!r}", seconds=120)

    def rest(self) -> list[str]:
        """Every line, once the stream has ended."""
        self._reader.join(60)
        return self.lines


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "service-stop"])
def test_ingest_watch_indexes_an_edited_article_again_until_stopped(tmp_path: Path, kb_dir: Path, stop: signal.Signals) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {"ASSISTANT_DATA_DIR": str(data_dir), "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "assistant.cli", *FAKES, "ingest", str(kb_dir), "--watch", "0.2"]
    watcher = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C as in a terminal: a suite started in the background (`make test &`) runs with SIGINT ignored, and
        # a child inherits that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    said: list[str] = []
    try:
        while not said or not said[-1].startswith("Watching"):  # the first ingest is done and the files are seen
            said.append(watcher.stderr.readline())
            assert said[-1], "".join(said)  # the watcher ended
        printed = Lines(watcher.stdout)
        (kb_dir / "shipping" / "shipping-costs.md").write_text("# Shipping\n\nStandard shipping now takes two days.\n", encoding="utf-8")
        printed.wait_for("1 changed")  # the round's summary, printed after the save (not the save alone: a stop between missed it)
    finally:
        watcher.send_signal(stop)
        stderr = "".join(said) + watcher.stderr.read()
        watcher.wait(60)

    assert watcher.returncode == 0, stderr
    stdout = printed.rest()
    assert "Indexed 1 new" not in stdout[-1] and "0 new, 1 changed" in stdout[-1]
    assert "Files changed; indexing again." in stderr and "Stopped watching" in stderr


def test_ingest_watch_says_the_notes_of_an_unchanged_file_once_not_after_every_edit(tmp_path: Path, kb_dir: Path) -> None:
    copy = (kb_dir / "shipping" / "shipping-costs.md").read_text(encoding="utf-8")
    write_files(kb_dir, {"shipping/shipping-costs-copy.md": copy})  # a duplicate: a note on each ingest
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {"ASSISTANT_DATA_DIR": str(data_dir), "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "assistant.cli", *FAKES, "ingest", str(kb_dir), "--watch", "0.2"]
    watcher = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said: list[str] = []
    try:
        while not said or not said[-1].startswith("Watching"):
            said.append(watcher.stderr.readline())
            assert said[-1], "".join(said)
        printed = Lines(watcher.stdout)
        (kb_dir / "returns" / "return-policy.md").write_text("# Returns\n\nReturns are free for 60 days.\n", encoding="utf-8")
        printed.wait_for("1 changed")
    finally:
        watcher.send_signal(signal.SIGTERM)
        stderr = "".join(said) + watcher.stderr.read()
        watcher.wait(60)

    assert "0 new, 1 changed" in printed.rest()[-1]
    assert stderr.count("shipping/shipping-costs duplicates shipping/shipping-costs-copy") == 1, stderr
    assert "1 note(s) as in the last round, not repeated" in stderr
