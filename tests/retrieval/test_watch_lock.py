"""Servers sharing one index folder and a watch lock: one of them watches the knowledge base's folders and
ingests a change, not each of them; when it stops, another takes over and ingests what changed meanwhile."""

from __future__ import annotations

from pathlib import Path

from retrieval.watch import FolderWatch, Snapshot, differing, snapshot, watch_lock_path


class Server:
    """A server's watch of ``folder``, its ingest recording the files in ``index`` (what the shared index holds)."""

    def __init__(self, folder: Path, index: dict[str, Snapshot], lock: Path | None) -> None:
        self.folder, self.index = folder, index
        self.watch = FolderWatch(lambda: [folder], self.ingest, interval=60, changed=self.changed, lock=lock)

    def ingest(self) -> None:
        self.index["files"] = snapshot([self.folder])

    def changed(self, current: Snapshot) -> list[str]:
        return differing(self.index["files"], current)

    def looks(self, count: int = 3) -> int:
        """``count`` looks; the ingests made so far."""
        for _ in range(count):
            self.watch.look()
        return self.watch.ingests


def test_only_the_server_holding_the_lock_ingests_and_another_takes_over_when_it_stops(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nOne.\n")
    index = {"files": snapshot([folder])}
    lock = watch_lock_path(tmp_path / "index")
    first, second = Server(folder, index, lock), Server(folder, index, lock)

    assert (first.looks(), second.looks()) == (0, 0)  # the folder holds what the index records
    assert first.watch.watching and not second.watch.watching
    (folder / "a.md").write_text("# A\n\nOne, changed.\n")
    assert (first.looks(), second.looks()) == (1, 0)  # one ingest of the change, not one per server

    first.watch.stop()
    (folder / "a.md").write_text("# A\n\nOne, changed while the first server was stopping.\n")
    assert second.looks() == 1 and second.watch.watching
    assert index["files"] == snapshot([folder])
    second.watch.stop()


def test_without_a_lock_or_where_it_cannot_be_made_every_server_watches(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nOne.\n")
    index = {"files": snapshot([folder])}
    (tmp_path / "a-file").write_text("not a folder")
    unmakeable = tmp_path / "a-file" / ".index.watch.lock"  # as on a read-only share: no lock file can be made
    servers = [Server(folder, index, None), Server(folder, index, None), Server(folder, index, unmakeable), Server(folder, index, unmakeable)]

    (folder / "a.md").write_text("# A\n\nOne, changed.\n")

    ingests = [server.looks() for server in servers]

    assert all(server.watch.watching for server in servers)  # each looks, as servers did before the lock
    assert ingests[0] == 1  # the first to look ingests; the others then find the index in step


def test_the_watch_lock_sits_beside_the_folder_the_index_path_resolves_to(tmp_path: Path) -> None:
    (tmp_path / "shared" / "index").mkdir(parents=True)
    (tmp_path / "index").symlink_to(tmp_path / "shared" / "index")

    assert watch_lock_path(tmp_path / "index") == tmp_path / "shared" / ".index.watch.lock"
