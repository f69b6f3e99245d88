"""The watcher's look (retrieval.watch.snapshot) and ingest's file list (retrieval.loaders.iter_files) walk a folder
the same way: hidden files and folders left out, links to files followed, links to folders and broken links not
(ingest names them), each file with its own size and modification time."""

from __future__ import annotations

import os
from pathlib import Path

from retrieval.loaders import file_stats, iter_files
from retrieval.watch import snapshot


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    for name, text in {
        "billing/refunds.md": "# Refunds\nSeven days.", "billing-old/refunds.md": "# Old", "a/b/c/deep.md": "# Deep",
        "faq.csv": "question,answer\nHi?,Hello.\n", ".hidden.md": "# Hidden", ".git/config.md": "# Git",
        "billing/.drafts/draft.md": "# Draft",
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "shared.md").write_text("# Shared text", encoding="utf-8")
    (root / "linked.md").symlink_to(outside / "shared.md")
    (root / "folder-link").symlink_to(outside, target_is_directory=True)
    (root / "broken.md").symlink_to(tmp_path / "nowhere.md")
    return root


def test_the_watchers_look_sees_the_files_ingest_reads_with_their_own_sizes_and_times(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    skipped: list[tuple[str, str]] = []
    files = list(iter_files(root, skipped))
    assert [str(path.relative_to(root)) for path in files] == [
        "a/b/c/deep.md", "billing/refunds.md", "billing-old/refunds.md", "faq.csv", "linked.md",
    ]  # sorted as paths: "billing/" before "billing-old/"
    assert skipped == [
        (str(root / "broken.md"), "broken link (its target does not exist)"),
        (str(root / "folder-link"), "link to a folder, not followed; ingest that folder itself to index it"),
    ]
    looked = snapshot([root])[str(root)]
    assert set(looked) == {str(path) for path in files}
    for path in files:
        status = os.stat(path)  # a link: its target's
        assert looked[str(path)] == (status.st_size, status.st_mtime_ns)
    assert looked[str(root / "linked.md")][0] == len("# Shared text")


def test_a_single_file_and_a_missing_folder(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    single = root / "faq.csv"
    assert list(iter_files(single)) == [single]
    assert [path for path, _ in file_stats(single)] == [str(single)]
    assert snapshot([tmp_path / "gone"]) == {str(tmp_path / "gone"): {}}
