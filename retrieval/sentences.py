"""Sentence vectors: a chunk of an article is also scored by its best sentence.

A question usually matches one sentence of a passage, and a passage's single vector averages that
sentence with everything around it. So an article chunk with two or more sentences also stores one
vector per sentence, and its dense score is

    sentence_weight * (best sentence cosine) + (1 - sentence_weight) * (chunk cosine)

computed for the chunk search's candidates (the chunk vector still finds them; the sentences re-order
them). A sentence is embedded with its chunk's heading path in front, as the chunk is. FAQ entries keep
their own rule (entry and question vectors, ``chunking.with_question_vectors``).
Measured on the SQuAD v2 paragraphs (train half, where the weight 0.7 was chosen): dense MRR@10
0.748 -> 0.861, hybrid 0.877 -> 0.914; StackFAQ is unchanged (FAQ entries), DSTC11 barely moves (its
snippets are single sentences). docs/retrieval.md has the tables.

The sentence splitter here is also the extractive answerer's (``assistant.lm.extractive``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.documents import Chunk

DEFAULT_SENTENCE_WEIGHT = 0.7

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*])")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_STEP_MARKER = re.compile(r"^\s*\d+[.)]\s+")
_ENDS_CLAUSE = re.compile(r"[.!?:;][\"')\]*_]*$")  # a line that ends its sentence (or introduces a list)
_NOT_PROSE = re.compile(r"^\s*(?:#|\||```|~~~)|\|\s*$")  # a heading, a table row, a code fence
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")  # a Markdown table row: "| E-bike | 35 euros |"
_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$")  # the line under a table's header: "| --- | --- |"
_CELL_BORDER = re.compile(r"(?<!\\)\|")  # a cell border; "\|" is a pipe inside a cell
_BLOCK_START = re.compile(r"^\s*(?:#|>|```|~~~|(?:[-*+]|\d+[.)])\s)")  # a heading, quote, fence or list item: no table row


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` carries on the sentence ``previous`` broke off: a hard-wrapped paragraph (Markdown
    and text wrapped at 80 or 100 columns, a PDF's lines). The previous line does not end its sentence, neither
    is a heading, table row or fence, ``line`` starts no list item, and it starts in lower case or with a
    digit, or follows a line of six words or more (a short line without a full stop is a title)."""
    if not previous.strip() or _ENDS_CLAUSE.search(previous.rstrip()) or _LIST_MARKER.match(line):
        return False
    if _NOT_PROSE.search(previous) or _NOT_PROSE.search(line):
        return False
    first = line.lstrip()[:1]
    return first.islower() or first.isdigit() or len(previous.split()) >= 6


def paragraph_lines(text: str) -> list[str]:
    """The text's lines with each hard-wrapped sentence joined back into one line ("... 12 euros per hour or"
    + "45 euros per day." -> one line), so that no sentence is cut where the file happened to wrap. A table's
    lines (``table_line_kinds``) are never joined."""
    lines: list[str] = []
    written = text.splitlines()
    in_table = table_line_kinds(written)
    last = ""  # the last line as written, before joining: its length tells a wrapped line from a title
    for number, line in enumerate(written):
        if lines and not in_table[number] and not in_table[number - 1] and _continues(last, line):
            lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
        else:
            lines.append(line)
        last = line
    return lines


@dataclass(frozen=True)
class Unit:
    """One sentence or list item of a passage."""

    passage: int  # 1-based, in the order the passages were given
    position: int  # order within its passage
    text: str
    lead: int | None = None  # for a list item: the position of the sentence that introduces the list
    step: bool = False  # an item of a numbered list: one step of a procedure
    item: bool = False  # a list item, with or without a sentence that introduces its list


def split_units(text: str, passage: int, says_little: Callable[[str], bool] | None = None, shortest_item: int = 2) -> list[Unit]:
    """The passage's sentences and list items in order; list items remember the sentence before the list.

    With ``says_little``, a sentence it is true of ("Yes.", "Not at the moment.") is kept with the next
    sentence of its paragraph, as one unit ("No. You can use one promo code per order."): the short reply
    means nothing without its reason, nor the reason without the reply. A question in prose is kept with the sentence
    after it, which answers it (``_questions_with_answers``), with or without ``says_little``. Without it, sentences of under
    three words are dropped. List items of under ``shortest_item`` words are dropped: an item of one word
    ("PayPal") says something only with the sentence that introduces its list. A Markdown table row is a unit
    of its own; under a header (the row above a ``| --- |`` line) it names its columns (``table_row_text``)."""
    units: list[Unit] = []
    lead: int | None = None
    lines = paragraph_lines(text)
    kinds = table_line_kinds(lines)
    header: list[str] = []
    for line, kind in zip(lines, kinds):
        if not line.strip():
            continue
        if kind:
            lead = None
            if kind == "rule":
                continue
            if kind == "header":  # its names go into each row below it
                header = table_cells(line)
                continue
            row = table_row_text(table_cells(line), header) if header else line.strip()
            if len(row.split()) >= 2:
                units.append(Unit(passage, len(units), row))
            continue
        header = []
        is_item = bool(_LIST_MARKER.match(line))
        pieces = [_LIST_MARKER.sub("", line).strip()] if is_item else _SENTENCE_END.split(line.strip())
        if not is_item:
            lead = None
            pieces = _questions_with_answers(pieces)
            if says_little is not None:
                pieces = _joined_to_next(pieces, says_little)
        for piece in pieces:
            piece = piece.strip()
            if len(piece.split()) < (shortest_item if is_item else 3):  # fragments; a list item may be short ("Euro (EUR)")
                continue
            units.append(Unit(passage, len(units), piece, lead if is_item else None, bool(_STEP_MARKER.match(line)), is_item))
            if not is_item and piece.endswith(":"):
                lead = units[-1].position
    return units


def is_table_row(line: str) -> bool:
    """Whether ``line`` is a row of a Markdown table: "| E-bike | 35 euros |"."""
    return bool(_TABLE_ROW.match(line))


def is_table_rule(line: str) -> bool:
    """Whether ``line`` is the line under a Markdown table's header: "| --- | --- |"."""
    return bool(_TABLE_RULE.match(line))


def table_line_kinds(lines: Sequence[str]) -> list[str]:
    """What each line is in a Markdown table: "header" (a row with a ``| --- |`` line under it), "rule" (a
    ``| --- |`` line), "row", or "" (none). A line between outer pipes is a row anywhere; a line with a cell border
    but without outer pipes, as GitHub Markdown allows ("Express | 2 days" under "Method | Time" and
    "--- | ---"), is one only in a table with a header, up to the first line without a border or that starts
    a heading, quote, fence or list item."""
    kinds: list[str] = []
    headed = False  # the lines so far since the last line that is none are a table with a header
    for number, line in enumerate(lines):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        bordered = bool(_CELL_BORDER.search(line)) and not _BLOCK_START.match(line)
        if _TABLE_RULE.match(line):
            kind = "rule"
        elif bordered and _TABLE_RULE.match(following):
            kind, headed = "header", True
        elif _TABLE_ROW.match(line) or (bordered and headed):
            kind = "row"
        else:
            kind, headed = "", False
        kinds.append(kind)
    return kinds


def has_table(text: str) -> bool:
    """Whether ``text`` has a line of a Markdown table (a row or the line under a header): such text is chunked
    and split into sentence units by the table rules (``TABLE_RULES``)."""
    return "|" in text and any(is_table_row(line) or is_table_rule(line) for line in text.splitlines())


# What a text with a Markdown table is cut and read by, recorded with each document that has one, so that an index
# made before these rules re-embeds those documents once and no others (``retrieval.ingest.document_signature``):
# each later chunk of a split table starts with its header again (``retrieval.chunking``); a row is a sentence unit
# that names its columns, the line under the header none (``split_units``).
TABLE_RULES = "header-in-each-chunk+rows-name-columns"
# A table without outer pipes is one too (``table_line_kinds``): before, such a table was cut at full stops in its
# cells. Recorded only with a document that has such a table, so only those are re-embedded once.
ROWS_WITHOUT_OUTER_PIPES = "+rows-without-outer-pipes"


def table_rules(text: str) -> str:
    """The table rules ``text`` is cut and read by ("" when it has no Markdown table)."""
    if not has_table(text):
        return ""
    lines = text.splitlines()
    kinds = table_line_kinds(lines)
    pipeless = any(kind in ("header", "row") and not _TABLE_ROW.match(line) for line, kind in zip(lines, kinds))
    return TABLE_RULES + (ROWS_WITHOUT_OUTER_PIPES if pipeless else "")


def table_cells(line: str) -> list[str]:
    """The cells of a Markdown table row, "\\|" read as a pipe: "| E-bike | 35 euros |" -> ["E-bike", "35 euros"]."""
    inner = line.strip().removeprefix("|")
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in _CELL_BORDER.split(inner)]


def table_row_text(cells: list[str], header: list[str]) -> str:
    """A table row as one sentence that names its columns, so it says what it means without the header above it:
    "Bike: E-bike, Full day: 35 euros, Week: 150 euros". Empty cells are left out; a row with more cells than the
    header is its cells joined by commas."""
    if len(cells) > len(header):
        return ", ".join(cell for cell in cells if cell)
    return ", ".join(f"{name}: {cell}" if name else cell for name, cell in zip(header, cells) if cell)


QUESTION_RULES = ",questions=with-next"  # a question in prose is one unit with the sentence after it (_questions_with_answers)


def question_rules(text: str) -> str:
    """``QUESTION_RULES`` when ``text`` has a question in prose with a sentence after it on its line, which the rule
    joins ("Picked the wrong item yourself? Then return it…"); "" otherwise: so only an article whose sentence units it
    changes depends on it (an index made before it re-embeds only such articles)."""
    for line in paragraph_lines(text):
        if line.strip() and not _LIST_MARKER.match(line):
            pieces = _SENTENCE_END.split(line.strip())
            if len(_questions_with_answers(pieces)) < len(pieces):
                return QUESTION_RULES
    return ""


def _questions_with_answers(sentences: list[str]) -> list[str]:
    """``sentences`` with a question put in front of the sentence after it, its answer: in prose a question is the
    condition the next sentence answers ("Picked the wrong item yourself? Then return it or exchange it as usual.").
    Apart, "Then return it or exchange it as usual." reads as how to return any item, damaged ones too."""
    joined: list[str] = []
    for sentence in sentences:
        if joined and joined[-1].rstrip("*_\"')").endswith("?"):
            joined[-1] = f"{joined[-1]} {sentence.strip()}"
        else:
            joined.append(sentence.strip())
    return joined


def _joined_to_next(sentences: list[str], says_little: Callable[[str], bool]) -> list[str]:
    """``sentences`` with each one that says little on its own put in front of the next one."""
    joined: list[str] = []
    waiting = ""
    for sentence in sentences:
        sentence = f"{waiting} {sentence.strip()}".strip()
        if says_little(sentence) and not sentence.endswith(":"):
            waiting = sentence
            continue
        joined.append(sentence)
        waiting = ""
    if waiting:
        joined.append(waiting)
    return joined


def split_sentences(text: str) -> list[str]:
    """Sentences (and list items) of a passage, without Markdown list markers."""
    return [unit.text for unit in split_units(text, passage=1)]


def sentence_texts(text: str, kind: str = "article") -> list[str]:
    """The sentences of a chunk's text that get their own vectors: none for an FAQ entry or a single sentence."""
    if kind == "faq":
        return []
    sentences = split_sentences(text)
    return sentences if len(sentences) >= 2 else []


def with_heading(heading: str, sentence: str) -> str:
    """A sentence as it is embedded: its heading path, then the sentence (a sentence alone loses its
    context: "It takes 7 days.")."""
    return f"{heading}\n{sentence}" if heading else sentence


def chunk_sentence_texts(chunk: Chunk) -> list[str]:
    """What is embedded for each sentence vector of ``chunk``: like the chunk itself, its heading path
    and then the sentence (``with_heading``)."""
    sentences = sentence_texts(chunk.text, chunk.metadata.get("kind", "article"))
    return [with_heading(chunk.heading, sentence) for sentence in sentences]


_ID_STEP = np.uint64(0x9E3779B97F4A7C15)  # odd: chunk id + n * step never meets another chunk's ids in practice


def sentence_ids(chunk_id: int, count: int) -> np.ndarray:
    """Stable signed 64-bit ids of a chunk's ``count`` sentence vectors (chunk ids are 64-bit hashes)."""
    steps = np.arange(1, count + 1, dtype=np.uint64) * _ID_STEP  # wraps modulo 2**64
    return (np.uint64(chunk_id % 2**64) + steps).view(np.int64)


def best_sentence_scores(store: Any, counts: Mapping[int, int], chunk_ids: Sequence[int], query: np.ndarray) -> dict[int, float]:
    """Chunk id -> the best cosine of its sentence vectors with ``query``, for the chunks that have them.

    ``store`` is the FAISS id map holding the vectors (``VectorIndex.sentences``); one batched read.
    """
    chosen = [c for c in chunk_ids if counts.get(c)]
    if not chosen:
        return {}
    sizes = [counts[c] for c in chosen]
    vectors = store.reconstruct_batch(np.concatenate([sentence_ids(c, n) for c, n in zip(chosen, sizes)]))
    starts = np.concatenate([[0], np.cumsum(sizes[:-1])]).astype(np.int64)
    best = np.maximum.reduceat(vectors @ query, starts)
    return dict(zip(chosen, best.tolist()))


def mix(chunk_score: float | np.ndarray, best_sentence: float | np.ndarray, weight: float) -> float | np.ndarray:
    """The dense score of a chunk with sentence vectors (see the module docstring)."""
    return weight * best_sentence + (1.0 - weight) * chunk_score


def rescore(ranking: Sequence[tuple[int, float]], best_sentence: Mapping[int, float], weight: float) -> list[tuple[int, float]]:
    """``ranking`` (id, chunk cosine) re-scored with each id's best sentence cosine, best first.

    Ids without sentence vectors keep their cosine.
    """
    if weight <= 0:
        return list(ranking)
    scored = [(item, float(mix(score, best_sentence[item], weight)) if item in best_sentence else score) for item, score in ranking]
    return sorted(scored, key=lambda pair: pair[1], reverse=True)
