"""A writer on another machine cannot be seen writing a file on a network share, so a change of files on a network
file system waits for more quiet looks (``NETWORK_QUIET_LOOKS``) before it is ingested than a local change (2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_files
from retrieval import watch as watch_module
from retrieval.watch import NETWORK_QUIET_LOOKS, QUIET_LOOKS, Settling, on_network_share, snapshot

MOUNTS = """/dev/sda1 / ext4 rw,relatime 0 0
server:/export/kb /mnt/kb nfs4 rw,relatime 0 0
//nas/help /mnt/help\\040centre cifs rw 0 0
user@host:/docs /home/ops/remote fuse.sshfs rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


def test_files_on_nfs_smb_and_fuse_mounts_are_on_a_network_share() -> None:
    files = ["/mnt/kb/a.md", "/mnt/kbx/a.md", "/mnt/help centre/faq.csv", "/home/ops/remote/b.md", "/tmp/c.md", "/srv/d.md"]

    assert on_network_share(files, MOUNTS) == ["/mnt/kb/a.md", "/mnt/help centre/faq.csv", "/home/ops/remote/b.md"]
    assert on_network_share(["/mnt/kb/a.md"], "") == []  # no mount table: nothing is known to be remote


def looks_until_counted(root: Path, remote: bool, monkeypatch: pytest.MonkeyPatch) -> int:
    """Looks after an edit (the files unchanged from then on) until the change is counted."""
    monkeypatch.setattr(watch_module, "on_network_share", lambda paths: list(paths) if remote else [])
    settling = Settling(snapshot([root]))
    settling.previous = snapshot([root])
    (root / "a.md").write_text("# A\nOne, copied from another machine.")
    for look in range(1, 20):
        if settling.look(snapshot([root])) == "change":
            return look
    return 0


def test_a_change_on_a_network_share_waits_for_more_quiet_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\nOne."})

    assert looks_until_counted(root, remote=False, monkeypatch=monkeypatch) == 1 + QUIET_LOOKS  # the look that saw it, then 2
    assert looks_until_counted(root, remote=True, monkeypatch=monkeypatch) == 1 + NETWORK_QUIET_LOOKS
