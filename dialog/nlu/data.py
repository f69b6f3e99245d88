"""Intent training data: the `text,label` CSV format, its validation, splits, and the public datasets.

A label named ``oos`` marks out-of-scope examples (messages the assistant should not answer); the
classifier learns them as one more class and reports them as out of scope.
"""

from __future__ import annotations

import csv
import json
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import OSA

from dialog.text_files import CsvProblem, FolderNotFile, NotUtf8, check_is_file, csv_rows, decode_utf8, line_list

log = logging.getLogger(__name__)

OOS_LABEL = "oos"
_OOS_SPELLINGS = {"oos", "out_of_scope", "outofscope", "out_of_domain", "ood"}
COLUMNS = ("text", "label")
DATASETS = ("banking77", "clinc150", "banking77-oos")


class IntentDataError(ValueError):
    """The training data cannot be used; the message says what is wrong and where."""


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class IntentDataset:
    """Splits of one dataset; ``valid`` is None where the dataset has none (carve it from ``train``)."""

    name: str
    train: list[Example]
    test: list[Example]
    valid: list[Example] | None = None
    extra_tests: dict[str, list[Example]] | None = None  # e.g. off-domain out-of-scope test sets


def _read_utf8(path: Path, what: str, advice: str, suffix: str) -> str:
    """The text of ``path`` (a byte-order mark dropped); a missing file or one that is not UTF-8 raises an
    error naming the file and, for bad bytes, the line. A folder is refused with the files in it that
    could be meant, so that an existing folder is never reported as "not found"."""
    try:
        check_is_file(path, what, suffix)
    except FolderNotFile as error:
        raise IntentDataError(str(error)) from None
    try:
        return decode_utf8(path.read_bytes())
    except NotUtf8 as error:
        raise IntentDataError(f"{path} is {error}; {advice}") from None


def read_csv(path: Path | str, min_per_label: int = 2) -> list[Example]:
    """Read and check a `text,label` CSV (UTF-8, header row); any problem raises an IntentDataError.
    ``min_per_label`` is 2 for training data (one to learn from, one to validate on), 1 for a test file."""
    path = Path(path)
    content = _read_utf8(path, "training data", "save it as UTF-8 CSV", ".csv")
    rows = csv_rows(content)
    try:
        header = next(rows, (1, 1, None))[2]
        if header is None or not any(cell.strip() for cell in header):
            raise IntentDataError(f"{path} is empty; expected a header row `text,label` and one example per row")
        return _read_rows(path, header, rows, min_per_label)
    except CsvProblem as error:
        raise IntentDataError(f"{path}: {error}") from None


def _read_rows(path: Path, header: list[str], rows: Iterator[tuple[int, int, list[str]]], min_per_label: int = 2) -> list[Example]:
    """The examples of the rows after ``header``, checked (read_csv)."""
    columns = [cell.strip().lower() for cell in header]
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in COLUMNS if c not in columns]
    if unknown or missing:
        hint = " (rename 'category' or 'intent' to 'label')" if {"category", "intent"} & set(unknown) else ""
        if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
            hint = " (the columns must be separated by commas, not semicolons or tabs: save it as comma-separated CSV)"
        problems = ([f"unknown column(s): {', '.join(unknown)}"] if unknown else []) + (
            [f"missing column(s): {', '.join(missing)}"] if missing else []
        )
        raise IntentDataError(f"{path}: {'; '.join(problems)}; expected exactly the columns text,label{hint}")
    text_at, label_at = columns.index("text"), columns.index("label")
    examples: list[Example] = []
    no_label: list[int] = []
    no_text: list[int] = []
    bad_width: list[int] = []
    unclosed: list[tuple[int, int]] = []  # rows of the wrong width running over several lines: (first, last)
    first_seen: dict[str, tuple[int, str]] = {}  # text, lower-cased with single spaces -> (line, label)
    repeated: list[int] = []
    conflicts: list[str] = []
    for line, last_line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(columns):
            bad_width.append(line)
            if last_line > line:
                unclosed.append((line, last_line))
            continue
        text, label = row[text_at].strip(), row[label_at].strip()
        if not label:
            no_label.append(line)
        if not text:
            no_text.append(line)
        if text and label:
            key = text_key(text)
            if key in first_seen:  # the same message again: a copy would sit in training and validation alike
                seen_line, seen_label = first_seen[key]
                if seen_label == label:
                    repeated.append(line)
                else:
                    conflicts.append(f"line {line} ({label}) repeats line {seen_line} ({seen_label})")
                continue
            first_seen[key] = (line, label)
            examples.append(Example(text, label))
    spellings: dict[str, set[str]] = defaultdict(set)
    for example in examples:
        spellings[example.label.lower()].add(example.label)
    problems = []
    if conflicts:
        shown = "; ".join(conflicts[:5]) + (f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
        problems.append(f"{len(conflicts)} text(s) given two different labels ({shown}): keep the right one")
    variants = sorted(sorted(names) for names in spellings.values() if len(names) > 1)
    if variants:
        problems.append("labels that differ only in case, which would be separate intents: " + ", ".join(" / ".join(v) for v in variants))
    misspelt_oos = sorted(name for name in {e.label for e in examples} if name != OOS_LABEL and name.lower().replace("-", "_") in _OOS_SPELLINGS)
    if misspelt_oos:
        problems.append(f"the out-of-scope label is spelt {OOS_LABEL}, not {', '.join(misspelt_oos)} (that would be an intent of its own)")
    if bad_width:
        runs_on = f"; the row on line {unclosed[0][0]} runs on to line {unclosed[0][1]}: a quote opened there is not closed" if unclosed else ""
        problems.append(
            f"{len(bad_width)} row(s) without exactly {len(columns)} fields (quote texts that contain commas), lines {line_list(bad_width)}{runs_on}"
        )
    if no_label:
        problems.append(f"{len(no_label)} row(s) with a missing label, lines {line_list(no_label)}")
    if no_text:
        problems.append(f"{len(no_text)} row(s) with an empty text, lines {line_list(no_text)}")
    if problems:
        raise IntentDataError(f"{path}: " + "; ".join(problems))
    if repeated:
        log.warning("%s: %d repeated example(s) left out (lines %s)", path, len(repeated), line_list(repeated))
    counts = Counter(e.label for e in examples)
    for one, other in similar_labels([e.label for e in examples]):
        log.warning("%s: labels %r (%d examples) and %r (%d) differ by one letter: if one is misspelt, they train as two intents",
                    path, one, counts[one], other, counts[other])
    check_examples(examples, source=str(path), min_per_label=min_per_label)
    return examples


def text_key(text: str) -> str:
    """A text as examples are compared: case and spacing ignored."""
    return " ".join(text.lower().split())


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter added, removed, replaced, or two neighbours swapped."""
    return OSA.distance(a, b, score_cutoff=1) == 1


def similar_labels(labels: Sequence[str], min_length: int = 5) -> list[tuple[str, str]]:
    """Pairs of labels one edit apart (``order_staus`` beside ``order_status``), the rarer first; short
    labels are skipped, where one letter is often the whole difference (``yes`` / ``yet``)."""
    names = sorted(label for label in set(labels) if len(label) >= min_length)
    counts = Counter(labels)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if _one_edit_apart(a, b)]
    return [tuple(sorted(pair, key=lambda name: (counts[name], name))) for pair in pairs]  # type: ignore[misc]


def check_examples(examples: Sequence[Example], source: str = "training data", min_per_label: int = 2) -> None:
    """At least two intents, and every intent with at least ``min_per_label`` examples."""
    counts = Counter(e.label for e in examples)
    if not counts:
        raise IntentDataError(f"{source} holds no examples; expected one example per row after the header row text,label")
    if len(counts) < 2:
        raise IntentDataError(f"{source}: at least 2 different labels are needed, found {len(counts)}")
    rare = sorted(label for label, n in counts.items() if n < min_per_label)
    if rare:
        shown = ", ".join(f"{label} ({counts[label]})" for label in rare[:10])
        more = f" and {len(rare) - 10} more" if len(rare) > 10 else ""
        raise IntentDataError(
            f"{source}: every label needs at least {min_per_label} examples (one to learn from, one to "
            f"validate on); too few for: {shown}{more}. Add examples or remove these rows."
        )


def stratified_split(examples: Sequence[Example], fraction: float, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """Split into (train, valid) with about ``fraction`` of each label held out, at least one each side."""
    if not 0 < fraction < 1:
        raise IntentDataError(f"validation fraction must be between 0 and 1, got {fraction}")
    by_label: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_label[example.label].append(example)
    rng = random.Random(seed)
    train, valid = [], []
    for label in sorted(by_label):
        group = list(by_label[label])
        rng.shuffle(group)
        n_valid = min(len(group) - 1, max(1, round(len(group) * fraction))) if len(group) > 1 else 0
        valid.extend(group[:n_valid])
        train.extend(group[n_valid:])
    return train, valid


def stratified_folds(examples: Sequence[Example], k: int, seed: int = 0) -> list[list[Example]]:
    """``k`` disjoint folds with each label spread round-robin over them."""
    if k < 2:
        raise IntentDataError(f"cross-validation needs at least 2 folds, got {k}")
    counts = Counter(e.label for e in examples)
    too_few = sorted(label for label, n in counts.items() if n < k)
    if too_few:
        raise IntentDataError(f"{k}-fold cross-validation needs at least {k} examples per label; too few for: {', '.join(too_few[:10])}")
    rng = random.Random(seed)
    shuffled = list(examples)
    rng.shuffle(shuffled)
    folds: list[list[Example]] = [[] for _ in range(k)]
    seen: Counter[str] = Counter()
    offset = {label: rng.randrange(k) for label in counts}
    for example in sorted(shuffled, key=lambda e: e.label):
        folds[(seen[example.label] + offset[example.label]) % k].append(example)
        seen[example.label] += 1
    return folds


def limit_per_label(examples: Sequence[Example], limit: int, seed: int = 0) -> list[Example]:
    """At most ``limit`` examples of each label, chosen at random (seeded), in the original order."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(examples):
        by_label[example.label].append(i)
    rng = random.Random(seed)
    keep = {i for indices in by_label.values() for i in (rng.sample(indices, limit) if len(indices) > limit else indices)}
    return [e for i, e in enumerate(examples) if i in keep]


# -- public datasets (../shared/data) -------------------------------------------------------------


def read_messages(path: Path | str) -> list[str]:
    """Messages from a UTF-8 text file, one per line (blank lines skipped); a missing, non-UTF-8 or
    empty file raises an error that says so."""
    path = Path(path)
    content = _read_utf8(path, "message file", "save it as UTF-8", ".txt")
    messages = [line.strip() for line in content.splitlines() if line.strip()]
    if not messages:
        raise IntentDataError(f"{path} holds no messages; expected one message per line")
    return messages


def _read_plain_csv(path: Path, text_col: str, label_col: str) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Example(row[text_col].strip(), row[label_col].strip()) for row in csv.DictReader(handle)]


def _read_lines(folder: Path, label: str | None = None) -> list[Example]:
    texts = (folder / "seq.in").read_text(encoding="utf-8").splitlines()
    labels = [label] * len(texts) if label else (folder / "label").read_text(encoding="utf-8").splitlines()
    if len(texts) != len(labels):
        raise IntentDataError(f"{folder}: seq.in has {len(texts)} lines but label has {len(labels)}")
    return [Example(t.strip(), lab.strip()) for t, lab in zip(texts, labels, strict=True) if t.strip()]


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: is --data the {what} folder?")
    return path


def load_public(name: str, path: Path | str) -> IntentDataset:
    """One of the public intent datasets, read from its folder in the original format.

    - banking77: ``train.csv``/``test.csv`` with columns text,category; no validation split.
    - clinc150: ``data_full.json`` (or the file itself); ``oos_*`` lists labelled ``oos``.
    - banking77-oos: ``train|valid|test/{seq.in,label}`` in scope; ``id-oos/`` in-domain and
      ``ood-oos/`` off-domain out-of-scope queries. Training uses the in-scope train split only.
    """
    path = Path(path)
    if name == "banking77":
        folder = _require(path, "banking77")
        return IntentDataset(
            name,
            train=_read_plain_csv(_require(folder / "train.csv", "banking77"), "text", "category"),
            test=_read_plain_csv(_require(folder / "test.csv", "banking77"), "text", "category"),
        )
    if name == "clinc150":
        file = path / "data_full.json" if path.is_dir() else path
        data = json.loads(_require(file, "clinc150_oos").read_text(encoding="utf-8"))

        def split(key: str) -> list[Example]:
            in_scope = [Example(t, lab) for t, lab in data[key]]
            return in_scope + [Example(t, OOS_LABEL) for t, _ in data[f"oos_{key}"]]

        return IntentDataset(name, train=split("train"), valid=split("val"), test=split("test"))
    if name == "banking77-oos":
        folder = _require(path, "banking77_oos")
        oos = lambda sub: _read_lines(_require(folder / sub, "banking77_oos"), OOS_LABEL)  # noqa: E731
        return IntentDataset(
            name,
            train=_read_lines(_require(folder / "train", "banking77_oos")),
            valid=_read_lines(folder / "valid") + oos("id-oos/valid"),
            test=_read_lines(_require(folder / "test", "banking77_oos")) + oos("id-oos/test"),
            extra_tests={"ood-oos": _read_lines(folder / "test") + oos("ood-oos/test")},
        )
    raise IntentDataError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
