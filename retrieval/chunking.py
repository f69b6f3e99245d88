"""Pure functions that split documents into chunks along their structure, measured in tokens.

Markdown is split at headings, so each chunk is one section with its heading path. A section longer
than ``max_tokens`` is split at paragraph boundaries, a paragraph still too long at sentence ends,
then at line breaks, and as a last resort between words; the pieces are packed greedily and each
piece after the first starts with up to ``overlap_tokens`` of the end of the one before. A Markdown
table (with or without outer pipes) is cut between rows, and a piece holding rows of a table whose header is in an earlier piece
starts them with that header (its header row and ``| --- |`` line) again. Tokens are
counted by ``count_tokens``: the embedder's own tokenizer in ingest, a word count by default. An FAQ
entry always stays whole, and its question is also embedded on its own (``question_text``): the
entry's vector is the mean of the question-and-answer vector and the question vector, so a user's
paraphrase of the question is matched question to question as well as against the answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import numpy as np

from retrieval.documents import Chunk, Document
from retrieval.sentences import table_line_kinds

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")  # opens or closes fenced code
# Boundaries from coarse to fine; the captured separator is kept, so a piece reads like the original.
BOUNDARIES = (
    re.compile(r"(\n\s*\n)"),  # paragraphs
    re.compile(r"((?<=[.!?])\s+)"),  # sentences
    re.compile(r"(\n)"),  # lines (lists, table rows, PDF lines)
    re.compile(r"(\s+)"),  # words
)
DEFAULT_MAX_TOKENS = 256
DEFAULT_OVERLAP_TOKENS = 32

TokenCounter = Callable[[str], int]


def count_words(text: str) -> int:
    """The default token count: whitespace-separated words."""
    return len(text.split())


def heading_lines(text: str) -> Iterator[tuple[str, re.Match[str] | None]]:
    """Each line of ``text`` with its heading match; None for other lines and for lines inside fenced
    code (a ``# comment`` in a shell example is not a heading)."""
    fence = ""  # the opening fence of the code block we are in
    for line in text.splitlines():
        marker = FENCE.match(line)
        if marker and not fence:
            fence = marker.group(1)
        elif marker and marker.group(1).startswith(fence[0]) and len(marker.group(1)) >= len(fence):
            fence = ""
        yield line, (None if fence or marker else HEADING.match(line))


SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
NOT_A_HEADING = re.compile(r"^\s*(?:[-*+>|#]|\d+[.)]\s)")  # list items, quotes, table rows, headings


def setext_to_atx(text: str) -> str:
    """``text`` with underlined headings (``Refunds`` over ``=======``, or ``-------`` for level 2, as
    markdownify and older pandoc write them) turned into ``#`` headings, so titles and sections are found.
    Only a one-line paragraph over the underline counts, outside fenced code; a ``---`` after a blank line
    stays a rule."""
    lines = text.split("\n")
    underlines: set[int] = set()
    fence = ""
    for number, line in enumerate(lines):
        marker = FENCE.match(line)
        if marker and not fence:
            fence = marker.group(1)
            continue
        if marker and marker.group(1).startswith(fence[0]) and len(marker.group(1)) >= len(fence):
            fence = ""
            continue
        underline = SETEXT_UNDERLINE.match(line.rstrip("\r"))
        if fence or not underline or number == 0:
            continue
        above = lines[number - 1].rstrip("\r")
        before_above = lines[number - 2].strip() if number >= 2 else ""
        if above.strip() and not before_above and not NOT_A_HEADING.match(above) and not FENCE.match(above):
            lines[number - 1] = ("#" if underline.group(1)[0] == "=" else "##") + " " + above.strip()
            underlines.add(number)
    return "\n".join(line for number, line in enumerate(lines) if number not in underlines)


def first_heading(text: str) -> str | None:
    """The text of the first level-1 heading outside fenced code, or None."""
    return next((match.group(2) for _, match in heading_lines(text) if match and len(match.group(1)) == 1), None)


def split_sections(text: str) -> list[tuple[list[str], str]]:
    """(heading path, body) pairs in document order; text before any heading has an empty path."""
    sections: list[tuple[list[str], str]] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            sections.append(([title for _, title in path], content))
        body.clear()

    for line, match in heading_lines(text):
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, match.group(2))]
        else:
            body.append(line)
    flush()
    return sections


class Unit(NamedTuple):
    """A piece of text that is never cut when pieces are packed into chunks."""

    separator: str  # the white space before it in the text
    text: str
    tokens: int
    table: str = ""  # a table row's header lines (its header row and the line under it), to repeat in a later chunk
    opens: bool = False  # it starts with those header lines


def _units(text: str, max_tokens: int, count_tokens: TokenCounter, level: int = 0) -> list[Unit]:
    """``text`` cut at the coarsest boundaries that give parts of at most ``max_tokens`` tokens; a paragraph
    holding a table is cut at its rows (a cell may hold a full stop)."""
    tokens = count_tokens(text)
    if tokens <= max_tokens or level == len(BOUNDARIES):
        return [Unit("", text, tokens)]
    if level == 1 and _holds_table(text):
        return _table_units(text, max_tokens, count_tokens)
    parts = BOUNDARIES[level].split(text)
    units: list[Unit] = []
    separator = ""
    for index, part in enumerate(parts):
        if index % 2:  # a captured separator
            separator += part
            continue
        if not part.strip():
            continue
        first, *rest = _units(part.strip(), max_tokens, count_tokens, level + 1)
        units.append(Unit(_normal_separator(separator), *first[1:]))
        units.extend(rest)
        separator = ""
    return units


def _holds_table(text: str) -> bool:
    """Whether ``text`` holds a table with a header (``retrieval.sentences.table_line_kinds``)."""
    return "|" in text and "header" in table_line_kinds(text.split("\n"))


def _table_units(text: str, max_tokens: int, count_tokens: TokenCounter) -> list[Unit]:
    """A paragraph holding a table as units: the header row, the line under it and the first row as one (a header
    never ends a chunk without a row), each further row as one (cut between words only when longer than
    ``max_tokens``), the lines around the table as other text. A row carries its header, to be repeated at the
    top of a later chunk, when the header is at most half ``max_tokens`` and the two fit in one chunk."""
    lines = text.split("\n")
    kinds = table_line_kinds(lines) + [""]  # a table's header, rule and rows; "" past the end
    units: list[Unit] = []
    prose: list[str] = []  # lines outside a table with a header
    header: str | None = None  # the header of the table whose rows come next ("": not repeated)
    header_tokens = 0

    def add(part: str, level: int) -> None:
        first, *rest = _units(part, max_tokens, count_tokens, level)
        units.extend([first._replace(separator="\n" if units else ""), *rest])

    number = 0
    while number < len(lines):
        line = lines[number]
        if kinds[number] == "header":
            if prose:
                add("\n".join(prose), 1)
                prose = []
            header = f"{line}\n{lines[number + 1]}"
            header_tokens = count_tokens(header)
            header = header if header_tokens <= max_tokens // 2 else ""
            first_row = lines[number + 2] if kinds[number + 2] == "row" else ""
            opening = f"{header}\n{first_row}"
            if header and first_row and (tokens := count_tokens(opening)) <= max_tokens:
                units.append(Unit("\n" if units else "", opening, tokens, header, True))
                number += 3
            elif header:  # a first row too long to go with it
                units.append(Unit("\n" if units else "", header, header_tokens, header, True))
                number += 2
            else:
                add(f"{line}\n{lines[number + 1]}", 2)
                number += 2
            continue
        if header is not None and kinds[number] == "row":
            add(line, 3)
            if header and units[-1].text == line and header_tokens + units[-1].tokens <= max_tokens:
                units[-1] = units[-1]._replace(table=header)
        else:
            header = None
            prose.append(line)
        number += 1
    if prose:
        add("\n".join(prose), 1)
    return units


def _normal_separator(separator: str) -> str:
    if "\n\n" in separator or separator.count("\n") > 1:
        return "\n\n"
    return "\n" if "\n" in separator else " "


def _join(units: list[Unit]) -> str:
    return units[0].text + "".join(unit.separator + unit.text for unit in units[1:]) if units else ""


def _needs_header(units: list[Unit], unit: Unit) -> bool:
    """Whether ``unit`` is a row whose table's header is not among ``units`` (a piece so far)."""
    return bool(unit.table) and not unit.opens and not any(u.opens and u.table == unit.table for u in units)


def _headed(units: list[Unit], count_tokens: TokenCounter) -> list[Unit]:
    """``units`` with the header of each table whose rows they hold without it put before its first row."""
    headed: list[Unit] = []
    for unit in units:
        if _needs_header(headed, unit):
            headed.append(Unit(unit.separator, unit.table, count_tokens(unit.table), unit.table, True))
            unit = unit._replace(separator="\n")
        headed.append(unit)
    return headed


def _overlap(piece: list[Unit], overlap_tokens: int, count_tokens: TokenCounter) -> list[Unit]:
    """The end of ``piece`` to repeat at the start of the next: whole units, or the last unit's words (not
    a table row's: a piece of a row is no row)."""
    if overlap_tokens <= 0:
        return []
    carried: list[Unit] = []
    total = 0
    for unit in reversed(piece):
        if total + unit[2] > overlap_tokens:
            break
        carried.insert(0, unit)
        total += unit[2]
    if carried or piece[-1].table:
        return carried
    # the most words from the end that fit (never the whole unit: it did not fit), found by bisection:
    # a few tokenizer calls instead of one per word (the per-word loop was most of chunking's time)
    words = piece[-1][1].split()
    best: tuple[int, int] | None = None  # (words, tokens)
    low, high = 1, len(words) - 1
    while low <= high:
        middle = (low + high) // 2
        tokens = count_tokens(" ".join(words[-middle:]))
        if tokens <= overlap_tokens:
            best, low = (middle, tokens), middle + 1
        else:
            high = middle - 1
    return [Unit("", " ".join(words[-best[0] :]), best[1])] if best else []


def split_text(
    text: str,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = 0,
    count_tokens: TokenCounter = count_words,
) -> list[str]:
    """Pieces of ``text`` of at most ``max_tokens`` tokens (a single overlong word excepted), in order. A piece
    that holds rows of a table whose header is in an earlier piece starts them with that header again."""
    pieces: list[list[Unit]] = []
    current: list[Unit] = []
    total = 0
    header_tokens = functools.lru_cache(maxsize=16)(count_tokens)  # each table's header is counted once
    for unit in _units(text.strip(), max_tokens, count_tokens):
        extra = header_tokens(unit.table) if _needs_header(current, unit) else 0
        if current and total + extra + unit.tokens > max_tokens:
            pieces.append(current)
            current = _overlap(current, overlap_tokens, count_tokens)
            while current and sum(u.tokens for u in _headed(current + [unit], header_tokens)) > max_tokens:
                current = current[1:]
            current = _headed(current + [unit], header_tokens)
            total = sum(u.tokens for u in current)
            continue
        if extra:
            current = _headed(current + [unit], header_tokens)
        else:
            current.append(unit)
        total += extra + unit.tokens
    if current:
        pieces.append(current)
    return [_join(piece) for piece in pieces]


def chunk_document(
    document: Document,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
    count_tokens: TokenCounter = count_words,
) -> list[Chunk]:
    """Chunks of one document; ids are stable as long as the document id, text and settings are unchanged.

    The heading path is embedded with each chunk, so its tokens count against ``max_tokens`` (down to
    half of it for very long headings): heading and passage together fit the embedder's limit.
    """
    parts: list[tuple[str, str]] = []
    if document.kind == "faq":
        parts = [(document.title, document.text)]
    else:
        for path, body in split_sections(document.text):
            # the document title is the first heading; keep it out of section paths below it
            heading_path = path[1:] if path and path[0] == document.title else path
            heading = " > ".join([document.title, *[h for h in heading_path if h != document.title]])
            budget = max(max_tokens - count_tokens(heading), max_tokens // 2, 1)
            parts.extend((heading, piece) for piece in split_text(body, budget, overlap_tokens, count_tokens))
    return [
        Chunk(chunk_id=Chunk.make_id(document.doc_id, heading, text), doc_id=document.doc_id, title=document.title,
              heading=heading, text=text, **chunk_details(document))
        for heading, text in parts
    ]


def chunk_details(document: Document) -> dict[str, object]:
    """What each chunk of ``document`` carries besides its text and ids: the file, link and filter
    metadata, which a change of front matter alters without changing the text."""
    return {
        "source": document.source,
        "url": document.url,
        "metadata": {"kind": document.kind, "language": document.language, "tags": list(document.tags)},
    }


def question_text(chunk: Chunk) -> str | None:
    """The text embedded on its own besides ``chunk.embedding_text``: an FAQ entry's question, else None."""
    if chunk.metadata.get("kind") == "faq" and chunk.heading.strip():
        return chunk.heading
    return None


def with_question_vectors(vectors: np.ndarray, question_vectors: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """``vectors`` with each row in ``rows`` replaced by the mean of it and its question's vector.

    The inner product with the mean is the mean of the two cosines, so an FAQ entry scores highly
    when a query matches its question and its whole text, never above the better of the two.
    Measured on the StackFAQ train half (docs/retrieval.md): dense MRR@10 0.963 -> 0.978 (the larger
    of the two cosines instead of the mean: 0.975).
    """
    mixed = np.array(vectors, dtype=np.float32, copy=True)
    if len(rows):
        mixed[list(rows)] = (mixed[list(rows)] + np.asarray(question_vectors, dtype=np.float32)) / 2
    return mixed
