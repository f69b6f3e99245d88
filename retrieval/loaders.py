"""Turn files and folders into Documents. Files that cannot be read are skipped with a reason.

Supported: Markdown (``.md``, ``.markdown``), plain text (``.txt``), HTML (``.html``, ``.htm``, see
``html_loader``), PDF (see ``pdf_loader``) and FAQ files in CSV or JSON (``question``/``answer`` fields).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.documents import Document, detect_language
from retrieval.errors import UnreadableFile

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
FAQ_SUFFIXES = {".csv", ".json"}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | FAQ_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024  # text, Markdown, HTML and FAQ files
MAX_PDF_BYTES = 100 * 1024 * 1024  # PDFs carry images and fonts, so they may be larger
FAQ_COLUMNS = ("question", "answer")  # default FAQ column names (case-insensitive); see load_paths
_FRONT_MATTER_TAGS = re.compile(r"\A---\s*\n(?:.*\n)*?tags:\s*\[?([^\]\n]*)\]?\s*\n(?:.*\n)*?---\s*\n", re.IGNORECASE)

__all__ = ["LoadReport", "UnreadableFile", "load_file", "load_paths", "SUPPORTED_SUFFIXES"]


@dataclass
class LoadReport:
    """What a load produced: documents, and every file skipped with the reason why."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    files_read: int = 0
    empty_folders: list[str] = field(default_factory=list)  # folders given that hold no supported file


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_size(path: Path, limit: int) -> None:
    """UnreadableFile naming the file's size and the limit when it is larger than ``limit`` bytes."""
    size = path.stat().st_size
    if size > limit:
        raise UnreadableFile(f"file too large: {_megabytes(size)}, the limit is {limit // (1024 * 1024)} MB")


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; UnreadableFile if it is too large or binary (NUL bytes near the start)."""
    check_size(path, limit)
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise UnreadableFile("binary file (contains NUL bytes)")
    return raw


def read_text_file(path: Path) -> str:
    """The file's text; UnreadableFile if it is binary, empty, too large or not UTF-8."""
    raw = read_bytes(path)
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


def folder_tags(doc_id: str) -> tuple[str, ...]:
    """The top folder of a document id (``billing/refunds`` -> ``billing``) as a tag."""
    return (doc_id.split("/")[0],) if "/" in doc_id else ()


def split_tags(value: str) -> tuple[str, ...]:
    return tuple(t.strip().strip("'\"") for t in re.split(r"[,;|]", value) if t.strip().strip("'\""))


def load_markdown(path: Path, doc_id: str) -> Document:
    text = read_text_file(path)
    tags = folder_tags(doc_id)
    front = _FRONT_MATTER_TAGS.match(text)
    if front:  # YAML front matter with a tags: line (list or comma-separated)
        tags = tuple(dict.fromkeys(tags + split_tags(front.group(1))))
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    title = match.group(1) if match else path.stem.replace("-", " ").replace("_", " ").capitalize()
    return Document(doc_id=doc_id, title=title, text=text, source=str(path.resolve()), language=detect_language(text), tags=tags)


def load_plain_text(path: Path, doc_id: str) -> Document:
    text = read_text_file(path)
    title = text.strip().splitlines()[0][:120]
    return Document(
        doc_id=doc_id, title=title, text=text, source=str(path.resolve()), language=detect_language(text), tags=folder_tags(doc_id)
    )


def _faq_rows(path: Path, text: str, columns: tuple[str, str] = FAQ_COLUMNS) -> list[dict[str, str]]:
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
    question, answer = (c.strip().lower() for c in columns)
    if not rows or not {question, answer} <= {str(key).strip().lower() for key in rows[0] if key}:
        raise UnreadableFile(f"an FAQ file needs '{question}' and '{answer}' columns")
    rows = [{str(k).strip().lower(): str(v or "").strip() for k, v in row.items() if k} for row in rows]
    return [{**row, "question": row.get(question, ""), "answer": row.get(answer, "")} for row in rows]


def load_faq(path: Path, doc_id: str, columns: tuple[str, str] = FAQ_COLUMNS) -> list[Document]:
    """One Document per question/answer pair, so each FAQ entry is found and cited on its own.

    ``columns`` names the question and answer columns (JSON keys); optional columns: ``url``,
    ``language`` and ``tags`` (comma-separated).
    """
    documents = faq_documents(_faq_rows(path, read_text_file(path), columns), str(path.resolve()), doc_id)
    if not documents:
        raise UnreadableFile("no complete question/answer rows")
    return documents


def faq_documents(rows: Iterable[dict[str, str]], source: str, doc_id: str) -> list[Document]:
    """One FAQ Document per row with a non-empty ``question`` and ``answer`` (the evaluation's FAQ
    datasets go through here too, so they are indexed as a user's FAQ file is)."""
    documents = []
    for row in rows:
        if not row.get("question") or not row.get("answer"):  # a JSON entry may lack either key
            continue
        text = f"{row['question']}\n{row['answer']}"
        documents.append(
            Document(
                doc_id=f"{doc_id}#{slugify(row['question'])}",
                title=row["question"],
                text=row["answer"],
                source=source,
                kind="faq",
                url=row.get("url") or None,
                language=row.get("language") or detect_language(text),
                tags=tuple(dict.fromkeys(folder_tags(doc_id) + split_tags(row.get("tags") or ""))),
            )
        )
    return documents


def load_file(path: Path, doc_id: str, faq_columns: tuple[str, str] = FAQ_COLUMNS) -> list[Document]:
    """Documents from one file; UnreadableFile when it cannot be used."""
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return [load_markdown(path, doc_id)]
    if suffix in TEXT_SUFFIXES:
        return [load_plain_text(path, doc_id)]
    if suffix in FAQ_SUFFIXES:
        return load_faq(path, doc_id, faq_columns)
    if suffix in HTML_SUFFIXES:
        from retrieval.html_loader import load_html

        return [load_html(path, doc_id, read_bytes(path))]
    if suffix in PDF_SUFFIXES:
        from retrieval.pdf_loader import load_pdf

        check_size(path, MAX_PDF_BYTES)
        return [load_pdf(path, doc_id)]
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


def load_paths(
    paths: Iterable[Path], show_progress: bool = False, faq_columns: tuple[str, str] = FAQ_COLUMNS,
    bases: dict[Path, Path] | None = None,
) -> LoadReport:
    """Load every supported file under ``paths``; ids are paths relative to the given folder.

    ``show_progress`` shows a progress bar over the files while they are read; ``faq_columns`` names
    the question and answer columns of FAQ files; ``bases`` maps a path to the folder its ids are
    relative to instead (a subfolder or file of an ingested folder keeps that folder's ids).
    """
    report = LoadReport()
    todo: list[tuple[Path, str]] = []
    for root in paths:
        if not root.exists():
            report.skipped.append((str(root), "does not exist"))
            continue
        base = (bases or {}).get(root) or (root if root.is_dir() else root.parent)
        found = 0
        for path in iter_files(root):
            if path.suffix.lower() not in SUPPORTED_SUFFIXES and root.is_dir():
                report.skipped.append((str(path), f"unsupported file type {path.suffix or '(none)'}"))
                continue
            found += 1
            todo.append((path, path.relative_to(base).with_suffix("").as_posix()))
        if root.is_dir() and not found:
            report.empty_folders.append(str(root))
    for path, doc_id in _progress(todo, show_progress):
        report.files_read += 1
        try:
            report.documents.extend(load_file(path, doc_id, faq_columns))
        except (UnreadableFile, OSError) as error:
            report.skipped.append((str(path), str(error)))
    return report


def _progress(items: list[tuple[Path, str]], show: bool) -> Iterable[tuple[Path, str]]:
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="Reading files", unit="file")
