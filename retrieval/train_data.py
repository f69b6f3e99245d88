"""Question-passage training pairs for the reranker and the embedder, from the public datasets' train halves.

Only the ``train`` half of each dataset's queries (``evaluation.query_split``) is used, so the
``test`` half stays unseen for reporting. Hard negatives are the hybrid search's best wrong passages.
A team's own pairs come from a CSV with ``question`` and ``passage`` columns (see ``load_pair_file``).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from retrieval.embedders import Embedder
from retrieval.evaluation import CANDIDATES, EvalSet, dense_rankings, hybrid_ranking, load_dataset, query_split
from retrieval.keyword import KeywordIndex
from retrieval.training import Example, mine_examples

DEFAULT_DATASETS = {  # name -> folder under the shared data folder
    "stackfaq": "stackfaq",
    "squad2": "squad_v2_dev_cs224n",
    "dstc11": "dstc11_track5",
}


def hybrid_rankings(dataset: EvalSet, embedder: Embedder, cache_dir: Path | None) -> list[list[int]]:
    """The default hybrid search's ranking of each query (where the hard negatives come from)."""
    dense = dense_rankings(embedder, dataset, CANDIDATES, False, cache_dir)
    keyword, coverage = KeywordIndex(list(range(len(dataset.passages))), dataset.passages).search_with_coverage(dataset.queries, CANDIDATES)
    return [[i for i, _ in hybrid_ranking(d, k, c, dataset)] for d, k, c in zip(dense, keyword, coverage)]


def train_rows(dataset: EvalSet, start: int, stop: int, seed: int = 0) -> EvalSet:
    """Queries ``start:stop`` of a seeded shuffle of ``dataset``'s train half: the first rows tune (e.g.
    the reranker's blend), the rows after them train, so the two never overlap."""
    train = query_split(dataset, "train")
    rows = list(range(len(train.queries)))
    random.Random(seed).shuffle(rows)
    return train.subset(sorted(rows[start:stop]))


def dataset_examples(
    dataset: EvalSet, embedder: Embedder, limit: int, negatives: int, cache_dir: Path | None, seed: int = 0, skip: int = 0
) -> list[Example]:
    """Up to ``limit`` examples from ``dataset``'s train half (one gold passage per query), after the
    first ``skip`` rows (kept for tuning)."""
    chosen = train_rows(dataset, skip, skip + limit, seed)
    position = {pid: i for i, pid in enumerate(dataset.passage_ids)}
    gold = [{position[g] for g in golds} for golds in chosen.gold]
    rankings = hybrid_rankings(chosen, embedder, cache_dir)
    positives = [dataset.passages[min(g)] for g in gold]
    return mine_examples(chosen.queries, positives, rankings, dataset.passages, gold, negatives)


def tuning_sets(data_root: Path, names: list[str], count: int) -> list[EvalSet]:
    """For each dataset, the first ``count`` train-half queries: training skips them (``skip``)."""
    return [train_rows(load_dataset(name, Path(data_root) / DEFAULT_DATASETS[name]), 0, count) for name in names]


def public_examples(
    data_root: Path, names: list[str], embedder: Embedder, per_dataset: int, negatives: int, cache_dir: Path | None,
    skip: int = 0,
) -> tuple[list[Example], dict[str, int]]:
    """Examples from each named dataset under ``data_root`` (train halves only, after the first ``skip``
    rows of each, which are kept for tuning) and their counts."""
    examples: list[Example] = []
    counts: dict[str, int] = {}
    for name in names:
        if name not in DEFAULT_DATASETS:
            raise ValueError(f"unknown dataset {name!r}; choose from: {', '.join(DEFAULT_DATASETS)}")
        dataset = load_dataset(name, Path(data_root) / DEFAULT_DATASETS[name])
        found = dataset_examples(dataset, embedder, per_dataset, negatives, cache_dir, skip=skip)
        counts[name] = len(found)
        examples.extend(found)
    return examples, counts


def load_pair_file(path: Path, negatives: int, question_column: str = "question", passage_column: str = "passage") -> list[Example]:
    """Examples from a CSV of question/passage rows; negatives are the BM25 best other passages."""
    path = Path(path)
    if path.is_dir():  # there, not missing
        raise ValueError(f"pairs file {path} is a folder; give the CSV file itself (columns {question_column},{passage_column})")
    if not path.is_file():
        raise FileNotFoundError(f"pairs file {path} not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ValueError(f"{path} is not UTF-8 text (byte 0x{raw[error.start]:02x} on line {line}); save it as UTF-8 CSV") from None
    rows = _pair_rows(path, text, question_column, passage_column)
    passages = list(dict.fromkeys(row[passage_column] for row in rows))
    position = {p: i for i, p in enumerate(passages)}
    keyword = KeywordIndex(list(range(len(passages))), passages)
    rankings = [[i for i, _ in found] for found in keyword.search_many([row[question_column] for row in rows], negatives + 5)]
    gold = [{position[row[passage_column]]} for row in rows]
    if len(passages) < 2 and negatives > 0:
        raise ValueError(f"{path} has only one distinct passage; a reranker learns to tell passages apart, so give at least two")
    examples = mine_examples([r[question_column] for r in rows], [r[passage_column] for r in rows], rankings, passages, gold, negatives)
    # BM25 finds no negative for a question sharing no word with other passages; with none in a batch the
    # listwise loss is 0 and nothing is learnt, so top up with other passages at random (seeded)
    rng = random.Random(0)
    for example, golds in zip(examples, gold, strict=True):
        others = [p for i, p in enumerate(passages) if i not in golds and p not in example.negatives]
        missing = min(negatives - len(example.negatives), len(others))
        if missing > 0:
            example.negatives.extend(rng.sample(others, missing))
    return examples


def _pair_rows(path: Path, text: str, question_column: str, passage_column: str) -> list[dict[str, str]]:
    """The question/passage rows of a pairs CSV. A row with more or fewer fields than the header (a comma in
    an unquoted text, a quote opened and closed only a row later) or without a question or a passage is
    refused with its line: dropping it, or reading it as it fell apart, trained on what the file did not say."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader, [])]
        if question_column not in header or passage_column not in header:
            raise ValueError(f"{path} has no '{question_column}' and '{passage_column}' columns (its header row: {','.join(header) or 'none'})")
        rows, bad = [], []
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                break
            if not any(cell.strip() for cell in row):
                continue
            extra = row[len(header):]
            values = dict(zip(header, row))
            if len(row) < len(header) or any(cell.strip() for cell in extra) or not values[question_column].strip() or not values[passage_column].strip():
                bad.append(start)
                continue
            rows.append(values)
    except csv.Error as error:  # a quote never closed swallows the rest of the file into one field
        raise ValueError(f"{path}: {error} (a quote opened and never closed?)") from None
    if bad:
        raise ValueError(
            f"{path}: line(s) {', '.join(map(str, bad[:8]))}{f' and {len(bad) - 8} more' if len(bad) > 8 else ''} do not hold one question and one passage in the {len(header)} columns of the header "
            "(an empty field, a comma in a text without quotes around it, or a quote opened and not closed)"
        )
    if not rows:
        raise ValueError(f"{path} has no rows with '{question_column}' and '{passage_column}' columns")
    return rows
