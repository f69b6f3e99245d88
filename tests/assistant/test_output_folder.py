"""OutputFolder: what a training command may write to, and how an earlier model there is replaced."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from assistant.output_folder import OutputFolder, OutputFolderError


def folder(path: Path, kind: str | None = None) -> OutputFolder:
    return OutputFolder(path, "model_manifest.json", "test model", kind=kind)


def earlier_model(path: Path, kind: str = "test") -> Path:
    path.mkdir(parents=True)
    (path / "model_manifest.json").write_text(json.dumps({"kind": kind}))
    (path / "weights.bin").write_text("old")
    return path


def test_new_empty_and_earlier_model_folders_may_be_written(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for path in (tmp_path / "new", tmp_path / "new" / "deeper", tmp_path / "empty", earlier_model(tmp_path / "old")):
        folder(path).check()
    folder(earlier_model(tmp_path / "typed", kind="generator"), kind="generator").check()


@pytest.mark.parametrize(
    ("make", "kind", "message"),
    [
        (lambda p: (p.mkdir(), (p / "notes.txt").write_text("precious")), None, "already holds files and is not an earlier test model folder"),
        (lambda p: p.write_text("a file"), None, "is a file; give a folder for the test model"),
        (lambda p: earlier_model(p, kind="other"), "generator", "(no model_manifest.json of kind 'generator')"),
    ],
)
def test_other_folders_and_files_are_refused_and_left_alone(tmp_path: Path, make, kind: str | None, message: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out"
    make(target)
    before = sorted(p.name for p in tmp_path.rglob("*"))

    with pytest.raises(OutputFolderError, match=re.escape(message)):
        folder(target, kind=kind).check()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_the_working_folder_and_a_path_below_a_file_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    earlier_model(tmp_path / "model")
    monkeypatch.chdir(tmp_path / "model")  # even a model folder: `--out .` would move the working folder away
    for path in (Path("."), Path(".."), tmp_path):
        with pytest.raises(OutputFolderError, match="is the working folder"):
            folder(path).check()
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputFolderError, match="afile is a file, so the folder"):
        folder(tmp_path / "afile" / "out").check()


def test_replacing_an_earlier_model_swaps_it_whole_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = folder(earlier_model(tmp_path / "out"))
    staging = target.staging()
    assert staging.parent == tmp_path and staging.name.startswith(".out.new-") and not any(staging.iterdir())
    (staging / "model_manifest.json").write_text(json.dumps({"kind": "test"}))
    (staging / "weights.bin").write_text("new")

    target.replace_with(staging)

    assert (tmp_path / "out" / "weights.bin").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failed_swap_leaves_the_earlier_model_in_place(tmp_path: Path) -> None:
    target = folder(earlier_model(tmp_path / "out"))

    with pytest.raises(OSError):
        target.replace_with(tmp_path / "never-written")

    assert (tmp_path / "out" / "weights.bin").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_the_folder_is_checked_again_before_the_swap(tmp_path: Path) -> None:
    target = folder(tmp_path / "out")
    target.check()
    staging = target.staging()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("written while training ran")

    with pytest.raises(OutputFolderError):
        target.replace_with(staging)
    assert (tmp_path / "out" / "notes.txt").is_file()


def test_the_saved_model_is_readable_like_any_new_file(tmp_path: Path) -> None:
    """The staging folder is private (mkdtemp) and transformers writes its weights owner-only; the saved
    folder is not, so that a server running as another user can load the model."""
    target = folder(tmp_path / "out")
    staging = target.staging()
    (staging / "model.safetensors").write_text("weights")
    (staging / "model.safetensors").chmod(0o600)
    (staging / "1_Pooling").mkdir(mode=0o700)
    (staging / "1_Pooling" / "config.json").write_text("{}")
    old_umask = os.umask(0o022)
    try:
        target.replace_with(staging)
    finally:
        os.umask(old_umask)

    saved = tmp_path / "out"
    for path, mode in [(saved, 0o755), (saved / "model.safetensors", 0o644), (saved / "1_Pooling", 0o755),
                       (saved / "1_Pooling" / "config.json", 0o644)]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


def test_an_interrupted_write_leaves_the_earlier_model_and_no_staging_folder(tmp_path: Path) -> None:
    target = folder(earlier_model(tmp_path / "out"))

    def fill(staging: Path) -> None:
        (staging / "weights.bin").write_text("half of the new")
        raise KeyboardInterrupt  # Ctrl-C while the new model is being saved

    with pytest.raises(KeyboardInterrupt):
        target.write(fill)

    assert (tmp_path / "out" / "weights.bin").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    target.write(lambda staging: (staging / "model_manifest.json").write_text(json.dumps({"kind": "test"})))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["model_manifest.json"]
