"""Every relative link and image in README.md and docs/*.md names a file that exists, and every #anchor a heading
of the page it points to (as GitHub makes heading ids), so the front door and the docs lead nowhere broken."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and ![alt](target), the text holding at most one level of [brackets]
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)


def slug(heading: str) -> str:
    """GitHub's id of a heading: lower case, punctuation dropped (backticks too), spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The ids of a page's headings; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    ids = set()
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", page.read_text()), re.MULTILINE):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        ids.add(base if count == 0 else f"{base}-{count}")
    return ids


def relative_links(page: Path) -> list[str]:
    """The link targets of a page outside code (fenced blocks and `spans`) that are not URLs."""
    text = re.sub(r"`[^`\n]*`", "", FENCE.sub("", page.read_text()))
    return [t for t in LINK.findall(text) if not re.match(r"^([a-z][a-z0-9+.-]*:|//)", t)]


def broken(page: Path) -> list[str]:
    """The page's relative links whose file or heading is missing, each with the reason."""
    found = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            found.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            found.append(f"{target}: no such heading in {dest.name}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_and_anchors_resolve(page: Path) -> None:
    assert broken(page) == []


def test_the_check_finds_a_missing_file_and_a_missing_heading(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## Staff take over\n\n## Staff take over\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\nSee [ok](other.md#staff-take-over), [second](other.md#staff-take-over-1), [here](#page),\n"
        "![gone](screenshots/gone.png), [bad anchor](other.md#staff-takeover), [web](https://example.com/x.md),\n"
        "`[code](nowhere.md)` and\n\n```\n[fenced](nowhere.md)\n```\n"
    )
    assert broken(page) == [
        "screenshots/gone.png: no such file",
        "other.md#staff-takeover: no such heading in other.md",
    ]


def test_the_readme_links_to_the_docs_and_screenshots() -> None:
    links = relative_links(ROOT / "README.md")
    assert "docs/screenshots/chat.png" in links
    assert any(link.startswith("docs/dialog.md#") for link in links)
