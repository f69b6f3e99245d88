"""Where a training command saves its model, and how an earlier model there is replaced.

A training command may write into a new or empty folder, or replace an earlier model folder of the
same kind (recognised by its manifest file). Anything else (a file, the user's own files, the working
folder) is refused before any training time is spent. The new model is written to a sibling folder
first and swapped in at the end, so a failed run leaves the earlier model whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class OutputFolderError(ValueError):
    """The folder named for a model cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class OutputFolder:
    """A model folder to write: ``manifest`` marks a folder as an earlier model of this kind (``what``,
    e.g. "intent model"); ``kind``, when given, must be the manifest's "kind" value as well (for a manifest
    name other folders share)."""

    path: Path
    manifest: str
    what: str
    kind: str | None = None

    def check(self) -> None:
        """OutputFolderError unless the folder is new, empty, or an earlier model of this kind."""
        path = Path(self.path)
        resolved, working = path.resolve(), Path.cwd().resolve()
        if resolved == working or resolved in working.parents:
            raise OutputFolderError(f"{path} is the working folder (or holds it); give the {self.what} a folder of its own")
        if path.is_file():
            raise OutputFolderError(f"{path} is a file; give a folder for the {self.what}")
        above = next((parent for parent in resolved.parents if parent.exists()), None)
        if above is not None and not above.is_dir():
            raise OutputFolderError(f"{above} is a file, so the folder {path} cannot be made")
        if path.is_dir() and any(path.iterdir()) and not self.holds_model():
            kind = f" of kind {self.kind!r}" if self.kind else ""
            raise OutputFolderError(
                f"{path} already holds files and is not an earlier {self.what} folder (no {self.manifest}{kind}); "
                "give a new or empty folder"
            )

    def holds_model(self) -> bool:
        """Whether the folder holds an earlier model of this kind (its manifest, with the right kind)."""
        manifest = Path(self.path) / self.manifest
        if not manifest.is_file():
            return False
        if self.kind is None:
            return True
        try:
            return json.loads(manifest.read_text(encoding="utf-8")).get("kind") == self.kind
        except (OSError, ValueError, AttributeError):
            return False

    def staging(self) -> Path:
        """A new empty sibling folder to write the model into (same file system, so the swap is a rename)."""
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.new-"))

    def replace_with(self, staging: Path) -> None:
        """Put the finished ``staging`` folder in place (checked again: the folder may have changed while
        training ran). An earlier model is moved aside first and deleted only once the new one is in place."""
        self.check()
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        share_like_new_files(Path(staging))
        swap_folder(Path(staging), path)


    def write(self, fill: Callable[[Path], None]) -> None:
        """Let ``fill`` write the model into a staging folder, then put it in place; the staging folder is
        removed when ``fill`` or the swap fails or is interrupted (Ctrl-C), so nothing half-written stays."""
        staging = self.staging()
        try:
            fill(staging)
            self.replace_with(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # already gone after the swap


def check_not_the_base(base_dir: Path, output_dir: Path, base_option: str) -> None:
    """Refuse an output folder that is the base model's folder or holds it: the base would be replaced by
    its own trained copy, lost for a retrain, and the manifest would name the new folder as its own base.
    ``base_option`` names where the base came from, for the message (e.g. "--base-dir, or the configured generator")."""
    base, output = Path(base_dir).resolve(), Path(output_dir).resolve()
    if output == base or output in base.parents:
        where = "is also the base model's folder" if output == base else f"holds the base model's folder {base_dir}"
        raise OutputFolderError(
            f"--out {output_dir} {where} ({base_option}): saving there would replace the base with its own trained copy; "
            f"give a new folder, e.g. --out {output_dir}-2"
        )


def share_like_new_files(folder: Path) -> None:
    """Give ``folder`` and everything in it the modes a new folder or file would get under the umask."""
    umask = os.umask(0)
    os.umask(umask)
    for entry in [folder, *folder.rglob("*")]:
        if entry.is_symlink():
            continue
        entry.chmod((0o777 if entry.is_dir() else 0o666) & ~umask)


def swap_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target`` by renames (same file system). An existing ``target`` is moved
    aside first (``.NAME.old-*`` beside it), put back if the second rename fails, and deleted only once
    ``new`` is in place."""
    aside = target.with_name(f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, aside)
    try:
        os.replace(new, target)
    except BaseException:
        if aside.exists() and not target.exists():
            os.replace(aside, target)  # the earlier folder back where it was
        raise
    shutil.rmtree(aside, ignore_errors=True)
