"""Turn files and folders into Documents. Files that cannot be read are skipped with a reason.

Supported: Markdown (``.md``, ``.markdown``), plain text (``.txt``), and FAQ files in CSV or JSON
(``question``/``answer`` fields). HTML and PDF loaders come with the retrieval work.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.documents import Document

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt"}
FAQ_SUFFIXES = {".csv", ".json"}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | FAQ_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class LoadReport:
    """What a load produced: documents, and every file skipped with the reason why."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    files_read: int = 0


class UnreadableFile(ValueError):
    """A file that is binary, empty, too large or malformed."""


def read_text_file(path: Path) -> str:
    """The file's text; UnreadableFile if it is binary, empty, too large or not UTF-8."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise UnreadableFile("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    if not text.strip():
        raise UnreadableFile("empty file")
    return text


def slugify(text: str, limit: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "entry"


def load_markdown(path: Path, doc_id: str) -> Document:
    text = read_text_file(path)
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    title = match.group(1) if match else path.stem.replace("-", " ").replace("_", " ").capitalize()
    return Document(doc_id=doc_id, title=title, text=text, source=str(path.resolve()))


def load_plain_text(path: Path, doc_id: str) -> Document:
    text = read_text_file(path)
    title = text.strip().splitlines()[0][:120]
    return Document(doc_id=doc_id, title=title, text=text, source=str(path.resolve()))


def _faq_rows(path: Path, text: str) -> list[dict[str, str]]:
    if path.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise UnreadableFile(f"invalid JSON: {error.msg} at line {error.lineno}") from None
        rows = data.get("faq", data.get("items")) if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise UnreadableFile('expected a JSON list of {"question": ..., "answer": ...} objects')
    if not rows or not {"question", "answer"} <= {key.strip().lower() for key in rows[0] if key}:
        raise UnreadableFile("an FAQ file needs 'question' and 'answer' columns")
    return [{str(k).strip().lower(): str(v or "").strip() for k, v in row.items() if k} for row in rows]


def load_faq(path: Path, doc_id: str) -> list[Document]:
    """One Document per question/answer pair, so each FAQ entry is found and cited on its own."""
    documents = []
    for row in _faq_rows(path, read_text_file(path)):
        if not row.get("question") or not row.get("answer"):  # a JSON entry may lack either key
            continue
        documents.append(
            Document(
                doc_id=f"{doc_id}#{slugify(row['question'])}",
                title=row["question"],
                text=row["answer"],
                source=str(path.resolve()),
                kind="faq",
                url=row.get("url") or None,
            )
        )
    if not documents:
        raise UnreadableFile("no complete question/answer rows")
    return documents


def load_file(path: Path, doc_id: str) -> list[Document]:
    """Documents from one file; UnreadableFile when it cannot be used."""
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return [load_markdown(path, doc_id)]
    if suffix in TEXT_SUFFIXES:
        return [load_plain_text(path, doc_id)]
    if suffix in FAQ_SUFFIXES:
        return load_faq(path, doc_id)
    raise UnreadableFile(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")


def iter_files(root: Path) -> Iterable[Path]:
    """Files under ``root`` (or ``root`` itself), sorted, skipping hidden files and folders."""
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            yield path


def load_paths(paths: Iterable[Path]) -> LoadReport:
    """Load every supported file under ``paths``; ids are paths relative to the given folder."""
    report = LoadReport()
    for root in paths:
        if not root.exists():
            report.skipped.append((str(root), "does not exist"))
            continue
        base = root if root.is_dir() else root.parent
        for path in iter_files(root):
            doc_id = path.relative_to(base).with_suffix("").as_posix()
            if path.suffix.lower() not in SUPPORTED_SUFFIXES and root.is_dir():
                report.skipped.append((str(path), f"unsupported file type {path.suffix or '(none)'}"))
                continue
            report.files_read += 1
            try:
                report.documents.extend(load_file(path, doc_id))
            except (UnreadableFile, OSError) as error:
                report.skipped.append((str(path), str(error)))
    return report
