"""The text files a team writes (the rules file, conversation tests, an intents CSV, an orders file): read
as UTF-8, and what is wrong in one said with the byte and the lines, so it can be found in an editor."""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml


class NotUtf8(ValueError):
    """The bytes are not UTF-8 text; the message names the first bad byte and its line."""


def decode_utf8(raw: bytes) -> str:
    """``raw`` as UTF-8 text, a byte-order mark dropped (Excel and Notepad write one); NotUtf8 otherwise
    (a file saved as Latin-1: "not UTF-8 text (byte 0xfc on line 7)")."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise NotUtf8(f"not UTF-8 text (byte 0x{raw[error.start]:02x} on line {line})") from None


class FolderNotFile(ValueError):
    """A folder was given where a file is read; the message names the files in it that could be meant."""


def check_is_file(path: Path, what: str, suffix: str) -> None:
    """FolderNotFile for a folder (naming the ``suffix`` files directly in it), FileNotFoundError when
    nothing is there: an existing folder is never reported as "not found"."""
    path = Path(path)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() == suffix and p.is_file())
        if not found:
            raise FolderNotFile(f"{what} {path} is a folder; give the file itself (it holds no {suffix} file)")
        more = f" (it also holds {', '.join(p.name for p in found[1:4])}{', …' if len(found) > 4 else ''})" if len(found) > 1 else ""
        raise FolderNotFile(f"{what} {path} is a folder; give the file itself, e.g. {found[0]}{more}")
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} not found")


class CsvProblem(ValueError):
    """The CSV text cannot be split into rows; the message names the line."""


def csv_rows(content: str) -> Iterator[tuple[int, int, list[str]]]:
    """The rows of CSV ``content`` with the lines each starts and ends on (a quoted text may span lines).
    A field past the csv module's size limit (a quote never closed swallows the rest of the file) or
    another malformed row raises CsvProblem naming the line where the row starts."""
    reader = csv.reader(io.StringIO(content, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise CsvProblem(
                    f"the row starting on line {start} has a field of more than {csv.field_size_limit():,} characters "
                    "(a quote opened there and never closed?)"
                ) from None
            raise CsvProblem(f"line {start}: {error}") from None
        yield start, reader.line_num, row


def line_list(numbers: Sequence[int], limit: int = 8) -> str:
    """Line numbers for a message: the first ``limit``, then how many more."""
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, but a key given twice in one mapping is an error: YAML would keep the last
    silently (a second ``handoff:`` section replacing the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # the safe loader itself refuses it
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is given twice in one mapping (the second would replace the first)", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def shown_path(path: Path) -> str:
    """A file as an error names it: a relative path with the folder it was looked for in (the working folder,
    also for a config file named by ASSISTANT_CONFIG elsewhere), so a wrong guess about that folder shows."""
    path = Path(path)
    return str(path) if path.is_absolute() else f"{path} (looked for in the working folder {Path.cwd()})"


def read_yaml(path: Path, what: str, error: type[Exception]) -> Any:
    """The parsed YAML of a team's file (``what``: "rules file"), a key given twice refused; ``error`` with the
    file and the problem when it cannot be read, is not UTF-8 or is not valid YAML."""
    return read_yaml_with_lines(path, what, error)[0]


def read_yaml_with_lines(path: Path, what: str, error: type[Exception]) -> tuple[Any, dict[str, int]]:
    """``read_yaml``'s data, and the line each top-level key of a mapping is on (``{"greet": 3}``), so that a
    mistake found in a key's value can name its line."""
    path = Path(path)
    try:
        text = decode_utf8(path.read_bytes())
    except OSError as problem:
        raise error(f"cannot read the {what} {shown_path(path)}: {problem.strerror or problem}") from None
    except NotUtf8 as problem:
        raise error(f"{path}: {problem}; save it as UTF-8") from None
    try:
        return parse_yaml_with_lines(text, path)
    except yaml.YAMLError as problem:
        raise error(f"{path}: not valid YAML ({problem})") from None


def parse_yaml(text: str, path: Path | str, loader: type[yaml.SafeLoader] = UniqueKeyLoader) -> Any:
    """The YAML ``text`` of the file ``path``: a problem's marks name the file (yaml.load of a text says
    "<unicode string>")."""
    return parse_yaml_with_lines(text, path, loader)[0]


def parse_yaml_with_lines(
    text: str, path: Path | str, loader: type[yaml.SafeLoader] = UniqueKeyLoader
) -> tuple[Any, dict[str, int]]:
    """``parse_yaml``'s data, and the line (from 1) of each top-level key when the document is a mapping."""
    reader = loader(text)
    reader.name = str(path)
    try:
        node = reader.get_single_node()
        if node is None:
            return None, {}
        lines = {}
        if isinstance(node, yaml.MappingNode):
            lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value if isinstance(key, yaml.ScalarNode)}
        return reader.construct_document(node), lines
    finally:
        reader.dispose()


def at_line(where: str, lines: Mapping[str, int], key: Any) -> str:
    """``where`` (a file) with the line of its top-level ``key`` when it is known: "replies.yaml, line 3"."""
    line = lines.get(str(key))
    return f"{where}, line {line}" if line else where


def unknown_keys(unknown: Collection[str], known: Sequence[str], what: str = "key", list_up_to: int = 12) -> str:
    """What to say of keys a file does not know: "unknown key(s) ['not_fund'] (not_fund: did you mean not_found?)",
    each with the known keys closest to it, and the known keys themselves when there are at most ``list_up_to``."""
    guesses = {key: difflib.get_close_matches(key, known, n=3, cutoff=0.6) for key in sorted(unknown)}
    hints = "; ".join(f"{key}: did you mean {' or '.join(close)}?" for key, close in guesses.items() if close)
    listed = f"; known: {', '.join(known)}" if len(known) <= list_up_to else ""
    return f"unknown {what}(s) {sorted(unknown)}" + (f" ({hints})" if hints else "") + listed
