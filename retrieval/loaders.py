"""Turn files and folders into Documents. Files that cannot be read are skipped with a reason.

Supported: Markdown (``.md``, ``.markdown``), plain text (``.txt``), HTML (``.html``, ``.htm``, see
``html_loader``), PDF (see ``pdf_loader``) and FAQ files in CSV or JSON (``question``/``answer`` fields).

An ingest parses a file only when its bytes changed (``retrieval.file_records``): a change to what a loader
gives for the same bytes (text, title, link, tags, language, ids) must bump ``file_records.READING_RULES``,
or files indexed before keep what the old rules gave until they are edited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from retrieval.chunking import first_heading, setext_to_atx
from retrieval.documents import Document, detect_language
from retrieval.errors import UnreadableFile
from retrieval.metadata import language_code, parse_tags, split_front_matter, web_link
from retrieval.synonyms import SYNONYMS_FILE

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
FAQ_SUFFIXES = {".csv", ".json"}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | FAQ_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024  # text, Markdown, HTML and FAQ files
MAX_PDF_BYTES = 100 * 1024 * 1024  # PDFs carry images and fonts, so they may be larger
FAQ_COLUMNS = ("question", "answer")  # default FAQ column names (case-insensitive); see load_paths
# UTF-32 before UTF-16: the UTF-32-LE mark begins with the UTF-16-LE one
_UNICODE_MARKS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))

__all__ = ["LoadReport", "UnreadableFile", "file_id", "load_file", "load_paths", "skip_reason", "SUPPORTED_SUFFIXES"]


@dataclass
class LoadReport:
    """What a load produced: documents, and every file skipped with the reason why."""

    documents: list[Document] = field(default_factory=list)  # with ``reuse``: a reused file's documents as the hook gave them
    skipped: list[tuple[str, str]] = field(default_factory=list)
    files_read: int = 0
    files_reused: int = 0  # with ``reuse``: files not parsed, their documents taken from the index
    digests: dict[str, str] = field(default_factory=dict)  # with ``reuse``: source -> sha256 of each file parsed with nothing to report
    empty_folders: list[str] = field(default_factory=list)  # folders given that hold no supported file
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file and row, what to check): loaded, but worth a look


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_size(path: Path, limit: int) -> None:
    """UnreadableFile naming the file's size and the limit when it is larger than ``limit`` bytes."""
    size = path.stat().st_size
    if size > limit:
        raise UnreadableFile(f"file too large: {_megabytes(size)}, the limit is {limit // (1024 * 1024)} MB")


def unicode_mark_encoding(raw: bytes) -> str | None:
    """``utf-16`` or ``utf-32`` when ``raw`` starts with that encoding's byte-order mark, else None."""
    return next((encoding for mark, encoding in _UNICODE_MARKS if raw.startswith(mark)), None)


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; UnreadableFile if it is too large or binary (NUL bytes near the start, unless
    it is UTF-16 or UTF-32 text with a byte-order mark, such as Excel's "Unicode text")."""
    check_size(path, limit)
    raw = path.read_bytes()
    if b"\x00" in raw[:8192] and not unicode_mark_encoding(raw):
        start = raw[:512]
        if start.count(b"\x00") * 5 >= len(start) * 2:  # about every other byte NUL: UTF-16 without its mark
            raise UnreadableFile("binary file (contains NUL bytes; UTF-16 text needs a byte-order mark, or save it as UTF-8)")
        raise UnreadableFile("binary file (contains NUL bytes)")
    return raw


READ_AS_WINDOWS_1252 = (
    "not UTF-8; read as Windows-1252 (Western European, as Excel and Notepad save text). If letters look wrong "
    "in answers, save the file as UTF-8"
)


def read_text_file(path: Path, notes: list[tuple[str, str]] | None = None) -> str:
    """The file's text; UnreadableFile if it is binary, empty or too large. UTF-8 is expected (UTF-16 and
    UTF-32 with a byte-order mark are read too); a file that is not UTF-8 is read as Windows-1252 when it
    decodes and looks like Western European text (``western_text``), with a note added to ``notes``, and is
    refused otherwise."""
    raw = read_bytes(path)
    encoding = unicode_mark_encoding(raw) or "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding != "utf-8-sig":
            raise UnreadableFile(f"not {encoding.upper()} text ({error.reason} at byte {error.start})") from None
        text = windows_1252_text(raw)
        if text is None:
            line = raw[: error.start].count(b"\n") + 1
            raise UnreadableFile(f"not UTF-8 text (byte 0x{raw[error.start]:02x} on line {line}); save it as UTF-8") from None
        if notes is not None:
            notes.append((str(path), READ_AS_WINDOWS_1252))
    if not text.strip():
        raise UnreadableFile("empty file")
    return text


# what Windows-1252 makes of other legacy encodings' letters: Icelandic letters (Turkish ğ ş ı in Windows-1254),
# a Latin-1 sign inside a word (Polish ż ł ą in Windows-1250 give "Za¿ó³æ")
_MISREAD_LETTERS = re.compile(r"[ðþÐÞÝý]|(?<=[^\W\d_])[\u00a0-\u00bf](?=[^\W\d_])")


def windows_1252_text(raw: bytes) -> str | None:
    """``raw`` read as Windows-1252 (the "ANSI" of Excel's CSV and Notepad in Western Europe and the
    Americas) when that decodes and looks like such text: at most a quarter of its letters outside ASCII
    (accents in mostly ASCII words: "Café", "Größe") and none of the letters other legacy encodings turn
    into. Cyrillic or Greek read this way gives words made wholly of accented letters, Polish or Turkish
    signs and Icelandic letters inside words; those, and text without a letter, are refused (None)."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined: another encoding (Shift-JIS, say)
        return None
    letters = [char for char in text if char.isalpha()]
    foreign = sum(1 for char in letters if not char.isascii())
    if not letters or foreign * 4 > len(letters) or _MISREAD_LETTERS.search(text):
        return None
    return text


# Latin letters that are no accented form of another, as they are spelt without accents ("Straße": "strasse")
_LATIN_SPELLINGS = {
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i", "ħ": "h", "Ħ": "H",
}


def without_accents(text: str) -> str:
    """``text`` with its Latin letters written without accents ("¿Envían a España?": "¿Envian a Espana?", "Ærø":
    "AEro", "Łódź": "Lodz"), decomposed letters too; other scripts' letters as they are ("Какой" keeps its й)."""
    letters = []
    for char in unicodedata.normalize("NFC", text):
        plain = _LATIN_SPELLINGS.get(char) or "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        letters.append(plain if plain.isascii() and plain.isalpha() else char)
    return "".join(letters)


def slugify(text: str, limit: int = 48) -> str:
    """``text`` as a short id: lower-case ASCII letters and digits joined by ``-``, Latin letters without their
    accents ("¿Envían a España?": ``envian-a-espana``); a text without Latin letters (Chinese, Russian) keeps
    its own letters and digits; ``entry`` when none are left."""
    return slugify_dropping_accents(without_accents(text), limit)


def slugify_dropping_accents(text: str, limit: int = 48) -> str:
    """The ids given before ``slugify`` kept accented letters: each one dropped as punctuation is
    ("¿Envían a España?": ``env-an-a-espa-a``). Links and stored citations made then hold such ids."""
    keep = r"[^a-z0-9]+" if re.search(r"[a-z]", text.lower()) else r"[\W_]+"
    slug = re.sub(keep, "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "entry"


def faq_entry_ids(questions: Iterable[str], slug: Callable[[str], str] = slugify) -> list[str]:
    """A unique id per FAQ entry of one file, from its question: ``slug(question)``, and when an
    earlier entry already has that id (questions that differ only in punctuation, or whose first 48
    characters agree) the slug plus 8 hex digits of the question's sha256; a repeated question gets
    ``-2``, ``-3`` in file order. Entries with a slug of their own keep it when others are added.
    ``slugify_dropping_accents`` as ``slug`` gives the ids of before (``faq_entry_aliases``)."""
    ids: list[str] = []
    used: set[str] = set()
    for question in questions:
        entry_id = slug(question)
        if entry_id in used:
            entry_id += "-" + hashlib.sha256(question.strip().encode("utf-8")).hexdigest()[:8]
        unique, number = entry_id, 2
        while unique in used:
            unique, number = f"{entry_id}-{number}", number + 1
        used.add(unique)
        ids.append(unique)
    return ids


def faq_entry_aliases(questions: list[str]) -> dict[str, str]:
    """The ids the entries of one FAQ file had before accented letters were kept (``slugify_dropping_accents``),
    each to the entry's id now, for those whose id changed. An old id that is another entry's id now stays
    that entry's, and is no alias."""
    ids = faq_entry_ids(questions)
    now = set(ids)
    before = faq_entry_ids(questions, slugify_dropping_accents)
    return {old: new for old, new in zip(before, ids) if old != new and old not in now}


_FaqFileIds = tuple[list[str], list[str], dict[str, str]]  # ids now, ids before (in file order), old id -> id now
_FAQ_IDS_CACHE: dict[tuple[str, tuple[str, str]], tuple[tuple[int, int, int], _FaqFileIds]] = {}
_FAQ_IDS_CACHE_FILES = 256  # FAQ files whose ids are kept; the oldest look is forgotten first
_faq_ids_lock = threading.Lock()


def _faq_file_ids(path: Path, faq_columns: tuple[str, str]) -> _FaqFileIds:
    """The entry ids of the FAQ file ``path`` now and before accented letters were kept, and its aliases
    (``faq_entry_aliases``). The file is read again only when its modification time, size or inode changed
    since the last look, so requests for unknown entries (a crawler's guesses, each a 404) do not parse it
    every time. UnreadableFile or OSError when it cannot be read."""
    status = path.stat()
    signature = (status.st_mtime_ns, status.st_size, status.st_ino)
    key = (str(path), tuple(faq_columns))
    with _faq_ids_lock:
        cached = _FAQ_IDS_CACHE.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    questions = [document.title for document in load_faq(path, "faq", faq_columns)]  # titles only
    found = (faq_entry_ids(questions), faq_entry_ids(questions, slugify_dropping_accents), faq_entry_aliases(questions))
    with _faq_ids_lock:
        _FAQ_IDS_CACHE.pop(key, None)
        _FAQ_IDS_CACHE[key] = (signature, found)
        while len(_FAQ_IDS_CACHE) > _FAQ_IDS_CACHE_FILES:
            del _FAQ_IDS_CACHE[next(iter(_FAQ_IDS_CACHE))]
    return found


def resolve_faq_id(
    documents: Mapping[str, Mapping], doc_id: str, faq_columns: tuple[str, str] = FAQ_COLUMNS
) -> str | None:
    """The id under which ``documents`` (an index's records: id -> info with its ``source``) holds the document
    ``doc_id`` names: ``doc_id`` itself (or an FAQ file's id, whose entries it holds), or the same FAQ entry under
    its other id, the one before accented letters were kept or the one after (a link given out before; an index
    built before). None when there is none, or the entry's file cannot be read to tell. The file is parsed once
per version (``_faq_file_ids``): unknown entries of an unchanged file read nothing."""
    if doc_id in documents or any(key.startswith(f"{doc_id}#") for key in documents):
        return doc_id
    file_part, hash_mark, entry = doc_id.rpartition("#")
    source = next((info.get("source") for key, info in documents.items() if key.startswith(f"{file_part}#")), None)
    if not hash_mark or not source:
        return None
    try:
        ids, before_ids, aliases = _faq_file_ids(Path(source), faq_columns)
    except (UnreadableFile, OSError):
        return None
    now = aliases.get(entry, entry)  # the entry's id today
    if now not in ids:
        return None
    before = before_ids[ids.index(now)]
    held = [f"{file_part}#{form}" for form in (now, before) if f"{file_part}#{form}" in documents]
    return held[0] if held else None


def shares_its_stem(path: Path) -> bool:
    """Whether another supported file beside ``path`` has its name but another type (``faq.json`` beside
    ``faq.csv``, ``faq.md`` beside ``faq.csv``); hidden files do not count."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return False
    stem = path.stem
    return any(
        name != path.name and not name.startswith(".") and Path(name).stem == stem
        and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
        for name in names
    )


def file_id(relative: PurePosixPath | Path, path: Path, recorded: Mapping[str, str] | None = None) -> str:
    """The id of the file ``path``, whose path relative to its root is ``relative``: that path without its
    suffix (``billing/refunds``), except for an FAQ file that shares its name with another supported file
    beside it (``faq.csv`` and ``faq.json``), whose id keeps its suffix (``faq.csv``), so the two files'
    entries are not one document's (``index remove faq`` took both, and ``/kb/faq`` showed one file's
    entries). Two articles of one name (``hours.md``, ``hours.html``: the same page exported twice) keep
    one id, and the ingest indexes one and says so.

    An id once given stays: ``recorded`` (resolved file -> the id its documents are indexed under,
    ``file_records.recorded_file_ids``) keeps an FAQ file's id when it is one of the two above, so adding
    ``faq.json`` beside an indexed ``faq.csv`` (``faq#...``) or taking it away again renames nothing;
    only the newcomer gets the suffixed id."""
    relative = PurePosixPath(Path(relative).as_posix())
    plain = relative.with_suffix("").as_posix()
    if path.suffix.lower() not in FAQ_SUFFIXES:
        return plain
    known = (recorded or {}).get(str(path.resolve()))
    if known in (plain, relative.as_posix()):
        return known
    return relative.as_posix() if shares_its_stem(path) else plain


def folder_tags(doc_id: str) -> tuple[str, ...]:
    """The top folder of a document id (``billing/refunds`` -> ``billing``) as a tag."""
    return (doc_id.split("/")[0],) if "/" in doc_id else ()


def load_markdown(path: Path, doc_id: str, notes: list[tuple[str, str]] | None = None) -> Document:
    """A Markdown article; its YAML front matter is metadata (``retrieval.metadata``), never text.

    The title is the front matter's ``title``, else the first ``#`` heading outside fenced code,
    else the file name.
    """
    front, text = split_front_matter(read_text_file(path, notes))
    if notes is not None:
        notes.extend((str(path), problem) for problem in front.problems)
    text = setext_to_atx(text)
    if not text.strip():
        raise UnreadableFile("no text after the front matter")
    title = front.title or first_heading(text) or path.stem.replace("-", " ").replace("_", " ").capitalize()
    return Document(
        doc_id=doc_id, title=title, text=text, source=str(path.resolve()), url=front.url,
        language=front.language or detect_language(text), tags=tuple(dict.fromkeys(folder_tags(doc_id) + front.tags)),
    )


def load_plain_text(path: Path, doc_id: str, notes: list[tuple[str, str]] | None = None) -> Document:
    text = read_text_file(path, notes)
    title = text.strip().splitlines()[0][:120]
    return Document(
        doc_id=doc_id, title=title, text=text, source=str(path.resolve()), language=detect_language(text), tags=folder_tags(doc_id)
    )


def _cell(value: object) -> str:
    """A CSV cell or JSON value as text; a JSON list (tags) becomes comma-separated text."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value if item is not None)
    return str(value).strip()


def csv_delimiter(header: str, columns: tuple[str, str]) -> str:
    """The delimiter of a CSV file whose first line is ``header``: ``,``, or ``;`` or a tab when only that
    splits the header into the question and answer ``columns`` (Excel saves CSV with ``;`` where the
    decimal mark is a comma, and "Unicode text" with tabs); failing that, the one giving the most columns."""
    wanted = {column.strip().lower() for column in columns}
    delimiters = (",", ";", "\t")
    for delimiter in delimiters:
        if wanted <= {cell.strip().strip('"').strip().lower() for cell in header.split(delimiter)}:
            return delimiter
    return max(delimiters, key=lambda delimiter: len(header.split(delimiter)))  # the first of equals: ","


def _located_rows(path: Path, text: str, columns: tuple[str, str] = FAQ_COLUMNS) -> list[tuple[str, dict]]:
    """The rows of a CSV or JSON FAQ file, each with where it is ("line 7", "entry 3") for messages."""
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text), delimiter=csv_delimiter(text.partition("\n")[0], columns))
        rows, start = [], 1
        try:
            reader.fieldnames  # reads the header
            start = reader.line_num + 1
            for row in reader:
                rows.append((f"line {reader.line_num}", row))
                start = reader.line_num + 1
        except csv.Error as error:  # e.g. a quote never closed runs past the csv module's field size limit
            raise UnreadableFile(f"the CSV row starting on line {start} cannot be read ({error}); is a quote there not closed?") from None
        return rows
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(f"invalid JSON: {error.msg} at line {error.lineno}") from None
    rows = data.get("faq", data.get("items")) if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise UnreadableFile('expected a JSON list of {"question": ..., "answer": ...} objects')
    return [(f"entry {number}", row) for number, row in enumerate(rows, start=1)]


_JSON_KINDS = {bool: "true or false", int: "a number", float: "a number", list: "a list", dict: "an object"}


def not_text(row: dict, names: tuple[str, ...]) -> str | None:
    """Why a JSON FAQ entry cannot be used when the values of its ``names`` keys (case-insensitive) are not
    text (``{"question": 42, "answer": ["a", "b"]}`` was indexed as the question "42"); None when each is
    text or missing (a CSV row's values always are)."""
    values = {str(key).strip().lower(): value for key, value in row.items() if key}
    odd = [(name, values[name]) for name in names if values.get(name) is not None and not isinstance(values[name], str)]
    if not odd:
        return None
    kinds = ", ".join(f"{name} is {_JSON_KINDS.get(type(value), type(value).__name__)}" for name, value in odd)
    return f"FAQ entry not indexed: {kinds}; the question and the answer must be text (in quotes)"


def _question_key(question: str) -> str:
    """A question as compared for repeats: case, spacing and closing punctuation ignored."""
    return " ".join(question.casefold().split()).rstrip("?!.:; ")


def _faq_rows(
    path: Path, text: str, columns: tuple[str, str] = FAQ_COLUMNS
) -> tuple[list[dict[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """(complete rows with ``question`` and ``answer`` keys, (file and row, why) for each row left out,
    (file and row, note) for each question that repeats an earlier one with a different answer)."""
    rows = _located_rows(path, text, columns)
    question, answer = (c.strip().lower() for c in columns)
    if not rows:
        raise UnreadableFile("no FAQ entries")
    if not {question, answer} <= {str(key).strip().lower() for key in rows[0][1] if key}:
        found = ", ".join(str(key).strip() for key in rows[0][1] if key and str(key).strip()) or "none"
        raise UnreadableFile(
            f"an FAQ file needs '{question}' and '{answer}' columns (it has: {found}; the faq_columns setting names others)"
        )
    header = len([key for key in rows[0][1] if key is not None])
    complete, left_out, notes = [], [], []
    first_seen: dict[str, tuple[str, str]] = {}  # question key -> (location, answer)
    for location, row in rows:
        where = f"{path} ({location})"
        fields = {str(k).strip().lower(): _cell(v) for k, v in row.items() if k}
        fields.update(question=fields.get(question, ""), answer=fields.get(answer, ""))
        if not any(fields.values()) and not row.get(None):
            continue  # an empty row (spreadsheets export them)
        if row.get(None):  # csv.DictReader puts the fields beyond the header under None
            left_out.append((where, f"{header + len(row[None])} fields where the header has {header}; quote a value that contains a comma"))
        elif why := not_text(row, (question, answer)):
            left_out.append((where, why))
        elif not fields["question"] or not fields["answer"]:
            left_out.append((where, f"FAQ row without {'a question' if not fields['question'] else 'an answer'}"))
        else:
            complete.append(fields)
            earlier = first_seen.setdefault(_question_key(fields["question"]), (location, fields["answer"]))
            if earlier[0] != location and earlier[1] != fields["answer"]:
                notes.append((where, f"repeats the question of {earlier[0]} with another answer; both are indexed, "
                                     "so customers may be told either: keep one"))
    return complete, left_out, notes


def faq_file_title(path: Path, columns: tuple[str, str] = FAQ_COLUMNS) -> str | None:
    """The title an FAQ file gives itself, for the help centre's list and the file's page: a JSON object's
    ``title`` key (``{"title": "Shipping questions", "faq": [...]}``), else a ``title`` column (JSON key of the
    entries) holding one text: on the first row with the other rows' cells empty, or the same on every row.
    None without one (a column of differing texts titles the entries, not the file) or when the file cannot be read."""
    try:
        text = read_text_file(path)
        if path.suffix.lower() == ".json":
            data = json.loads(text)
            if isinstance(data, dict) and isinstance(data.get("title"), str) and data["title"].strip():
                return " ".join(data["title"].split())
        rows = _located_rows(path, text, columns)
    except (UnreadableFile, OSError, ValueError, RecursionError):
        return None
    titles = {
        " ".join(value.split()) for _, row in rows for key, value in row.items()
        if key and str(key).strip().lower() == "title" and isinstance(value, str) and value.strip()
    }
    return titles.pop() if len(titles) == 1 else None


def load_faq(
    path: Path, doc_id: str, columns: tuple[str, str] = FAQ_COLUMNS, skipped: list[tuple[str, str]] | None = None,
    notes: list[tuple[str, str]] | None = None,
) -> list[Document]:
    """One Document per question/answer pair, so each FAQ entry is found and cited on its own.

    ``columns`` names the question and answer columns (JSON keys); optional columns: ``url``,
    ``language`` and ``tags`` (comma-separated, or a JSON list); a ``title`` column titles the file
    (``faq_file_title``), not its entries. Rows left out (no question or
    answer, too many fields) are added to ``skipped`` as (file and line, reason); a question asked again
    with another answer is added to ``notes``.
    """
    read_notes: list[tuple[str, str]] = []
    rows, left_out, repeats = _faq_rows(path, read_text_file(path, read_notes), columns)
    if skipped is not None:
        skipped.extend(left_out)
    if notes is not None:
        notes.extend(read_notes + repeats)
    documents = faq_documents(rows, str(path.resolve()), doc_id)
    if not documents:
        raise UnreadableFile("no complete question/answer rows")
    return documents


def faq_documents(rows: Iterable[dict[str, str]], source: str, doc_id: str) -> list[Document]:
    """One FAQ Document per row with a non-empty ``question`` and ``answer``, with ids
    ``<doc_id>#<entry id>`` (``faq_entry_ids``; the evaluation's FAQ datasets go through here too, so
    they are indexed as a user's FAQ file is)."""
    rows = [row for row in rows if row.get("question") and row.get("answer")]  # a JSON entry may lack either key
    documents = []
    for row, entry_id in zip(rows, faq_entry_ids(row["question"] for row in rows)):
        text = f"{row['question']}\n{row['answer']}"
        documents.append(
            Document(
                doc_id=f"{doc_id}#{entry_id}",
                title=row["question"],
                text=row["answer"],
                source=source,
                kind="faq",
                url=web_link(row.get("url")),
                language=language_code(row.get("language")) or detect_language(text),  # de-DE, DE: de, as elsewhere
                tags=tuple(dict.fromkeys(folder_tags(doc_id) + parse_tags(row.get("tags")))),
            )
        )
    return documents


def load_file(
    path: Path, doc_id: str, faq_columns: tuple[str, str] = FAQ_COLUMNS, skipped: list[tuple[str, str]] | None = None,
    notes: list[tuple[str, str]] | None = None,
) -> list[Document]:
    """Documents from one file; UnreadableFile when it cannot be used. FAQ rows left out are added to
    ``skipped`` with the reason, repeated FAQ questions to ``notes``."""
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return [load_markdown(path, doc_id, notes)]
    if suffix in TEXT_SUFFIXES:
        return [load_plain_text(path, doc_id, notes)]
    if suffix in FAQ_SUFFIXES:
        return load_faq(path, doc_id, faq_columns, skipped, notes)
    if suffix in HTML_SUFFIXES:
        from retrieval.html_loader import load_html

        return [load_html(path, doc_id, read_bytes(path))]
    if suffix in PDF_SUFFIXES:
        from retrieval.pdf_loader import load_pdf

        check_size(path, MAX_PDF_BYTES)
        return [load_pdf(path, doc_id)]
    raise UnreadableFile(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")


def iter_files(root: Path, skipped: list[tuple[str, str]] | None = None) -> Iterable[Path]:
    """Files under ``root`` (or ``root`` itself), sorted, skipping hidden files and folders.

    Symbolic links to files are followed; broken links and links to folders (not followed, as a link
    may lead outside the folder or back into it) are added to ``skipped`` with the reason.
    """
    problems: list[tuple[str, str]] = []
    files = sorted(Path(path) for path, _ in file_stats(root, problems))
    if skipped is not None:
        skipped.extend(sorted(problems, key=lambda pair: Path(pair[0])))
    yield from files


def file_stats(root: Path, skipped: list[tuple[str, str]] | None = None) -> Iterator[tuple[str, os.stat_result]]:
    """``iter_files``' files, unsorted, each with its ``os.stat`` (a link's target's): one ``scandir`` a folder and
    one ``stat`` a file, so a watcher's look at thousands of files stays cheap (``retrieval.watch.snapshot``). A file
    that is gone by the time it is looked at, and a folder that cannot be listed, are passed over."""
    if root.is_file():
        try:
            yield str(root), root.stat()
        except OSError:
            pass
        return
    folders = [str(root)]
    while folders:
        try:
            with os.scandir(folders.pop()) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.is_file():
                    yield entry.path, entry.stat()
                elif skipped is not None and entry.is_symlink():
                    reason = "link to a folder, not followed; ingest that folder itself to index it" if entry.is_dir() else "broken link (its target does not exist)"
                    skipped.append((entry.path, reason))
            except OSError:  # removed meanwhile
                continue


def load_paths(
    paths: Iterable[Path], show_progress: bool = False, faq_columns: tuple[str, str] = FAQ_COLUMNS,
    bases: dict[Path, Path] | None = None, reuse: Callable[[Path, str, str], list | None] | None = None,
    recorded: Mapping[str, str] | None = None,
) -> LoadReport:
    """Load every supported file under ``paths``; ids are paths relative to the given folder.

    ``show_progress`` shows a progress bar over the files while they are read; ``faq_columns`` names
    the question and answer columns of FAQ files; ``bases`` maps a path to the folder its ids are
    relative to instead (a subfolder or file of an ingested folder keeps that folder's ids). ``reuse``
    (an ingest's ``retrieval.file_records``) is asked with each file's path, id and sha256 before it is
    parsed; when it gives documents, those stand for the file and it is not parsed. The sha256 of each
    file parsed that had nothing skipped or noted goes to ``digests``. ``recorded`` (the index's ids of the
    files it holds) keeps an FAQ file's id as it was given (``file_id``).
    """
    report = LoadReport()
    todo: list[tuple[Path, str]] = []
    for root in paths:
        if not root.exists():
            report.skipped.append((str(root), "does not exist"))
            continue
        base = (bases or {}).get(root) or (root if root.is_dir() else root.parent)
        found = 0
        for path in iter_files(root, report.skipped):
            if root.is_dir() and path == base / SYNONYMS_FILE:  # the knowledge base's synonyms (retrieval.synonyms), no article
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES and root.is_dir():
                report.skipped.append((str(path), f"unsupported file type {path.suffix or '(none)'}"))
                continue
            found += 1
            todo.append((path, file_id(path.relative_to(base), path, recorded)))
        if root.is_dir() and not found:
            report.empty_folders.append(str(root))
    for path, doc_id in _progress(todo, show_progress):
        report.files_read += 1
        digest = bytes_sha256(path) if reuse is not None else None
        if digest is not None and (known := reuse(path, doc_id, digest)) is not None:
            report.documents.extend(known)
            report.files_reused += 1
            continue
        said = len(report.skipped) + len(report.notes)
        try:
            documents = load_file(path, doc_id, faq_columns, report.skipped, report.notes)
        except Exception as error:  # one strange file (nesting past the stack, a parser's bug) must not stop the rest
            report.skipped.append((str(path), skip_reason(error)))
            continue
        report.documents.extend(documents)
        # the bytes hashed are the bytes parsed unless the file changed meanwhile: then it is parsed again next time
        if digest is not None and documents and said == len(report.skipped) + len(report.notes) and bytes_sha256(path) == digest:
            report.digests[documents[0].source] = digest
    return report


def bytes_sha256(path: Path) -> str | None:
    """The sha256 (hex) of the file's bytes, or None when it cannot be read or is over the size limits."""
    try:
        check_size(path, MAX_PDF_BYTES if path.suffix.lower() in PDF_SUFFIXES else MAX_FILE_BYTES)
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except (OSError, UnreadableFile):
        return None


def skip_reason(error: Exception) -> str:
    """Why a file is skipped, in one line: the message of an UnreadableFile or OSError, else the error's kind
    and message (``cannot be read (RecursionError: ...)``)."""
    if isinstance(error, (UnreadableFile, OSError)):
        return str(error)
    return f"cannot be read ({type(error).__name__}: {error})"


def _progress(items: list[tuple[Path, str]], show: bool) -> Iterable[tuple[Path, str]]:
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="Reading files", unit="file")
