"""Training examples for the generator: (question, passages, answer) lines, answerable and not.

JSONL, one example per line::

    {"question": "How long is a reset link valid?",
     "passages": [{"heading": "Reset your password", "text": "Reset links expire after 30 minutes."},
                  {"heading": "Shipping costs", "text": "Express shipping costs $12.50."}],
     "answer": "30 minutes [1]",
     "answerable": true,
     "source": "squad2:5733be284776f41900661182"}

``answer`` is the exact assistant reply to learn, citations included; for an unanswerable question it
is ``I don't know.`` (prompts.DONT_KNOW), so the model learns to decline. ``passages`` are shown numbered
in the order given, exactly as the assistant's prompt shows retrieved passages (prompts.build_messages).
Reviewed conversation logs can be written in the same format and simply appended.

Sources here: SQuAD-v2-style JSON (split by article title with a fixed seed, so that reported questions
come from articles never trained on) and a knowledge base's FAQ (question, answer) pairs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.lm.prompts import DONT_KNOW, PromptPassage
from dialog.text_files import CsvProblem, NotUtf8, check_is_file, csv_rows, decode_utf8

DECLINE = f"{DONT_KNOW}."
SPLIT_SEED = 13
TRAIN_FRACTION = 0.5
TUNE_FRACTION = 0.1  # of the train articles' questions: held out of training, for choosing thresholds


@dataclass(frozen=True)
class Example:
    question: str
    passages: list[dict[str, str]]  # [{"heading", "text"}], shown numbered from 1
    answer: str
    answerable: bool
    source: str = ""

    def prompt_passages(self) -> list[PromptPassage]:
        return [PromptPassage(p.get("heading", ""), p["text"]) for p in self.passages]


def write_jsonl(examples: Iterable[Example], path: Path) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(asdict(example), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> list[Example]:
    """Examples from a JSONL file; a ValueError names the first bad line and what is wrong with it.

    A passage is ``{"heading", "text"}`` or a plain string (its text; the review pages' *fine-tuning
    examples* write them so). An unanswerable example (``"answerable": false``) is learnt as the decline
    the prompt asks for (``I don't know.``), whatever its ``answer`` says: a declined turn of the review
    pages holds the assistant's reply to the customer there, not the generator's decline.
    """
    examples = []
    if Path(path).is_dir():
        raise ValueError(f"{path} is a folder; give a JSONL file of training examples (`assistant train lm-data` writes one)")
    if not Path(path).exists():
        raise FileNotFoundError(f"no training data file {path}")
    try:
        text = decode_utf8(Path(path).read_bytes())
    except NotUtf8 as error:
        raise ValueError(f"{path} is {error}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            examples.append(_example(json.loads(line)))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not a JSON object ({error})") from None
        except ValueError as error:
            raise ValueError(f"{path}:{number}: not a valid training example: {error} (the format: docs/lm.md, Training data)") from None
    return examples


def _example(data: Any) -> Example:
    """One JSONL line's example; ValueError saying what is missing or of the wrong type."""
    if not isinstance(data, dict):
        kind = {list: "an array", str: "a string", bool: "true or false", type(None): "null"}.get(type(data), "a number")
        raise ValueError(f"{kind} instead of a JSON object")
    for key in ("question", "passages", "answer"):
        if key not in data:
            raise ValueError(f"no {key!r}")
    answerable = data.get("answerable", True)
    if answerable not in (True, False) or isinstance(answerable, float):
        raise ValueError(f"'answerable' is {answerable!r}, not true or false")
    if not isinstance(data["question"], str) or not data["question"].strip():
        raise ValueError("'question' is not a non-empty string")
    if answerable and (not isinstance(data["answer"], str) or not data["answer"].strip()):
        raise ValueError("'answer' is not a non-empty string")
    if not isinstance(data["passages"], list):
        raise ValueError("'passages' is not a list")
    passages = []
    for passage in data["passages"]:
        if isinstance(passage, str):
            passage = {"text": passage}
        if not isinstance(passage, dict) or not isinstance(passage.get("text"), str) or not isinstance(passage.get("heading", ""), str):
            raise ValueError(f"a passage is {passage!r}; give a string or {{\"heading\": ..., \"text\": ...}}")
        passages.append({"heading": passage.get("heading", ""), "text": passage["text"]})
    answer = data["answer"] if answerable else DECLINE
    source = data.get("source") or (f"review:{data['source_session']}:{data.get('turn_no', '')}" if data.get("source_session") else "")
    return Example(data["question"], passages, answer, bool(answerable), str(source))


# -- SQuAD v2 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    title: str
    question: str
    context: str
    answers: list[str]  # empty: unanswerable


def load_squad(path: Path) -> list[SquadQuestion]:
    """All questions of a SQuAD (v2) JSON file, or of the dev-v2.0.json / *.json inside a folder."""
    path = Path(path)
    if path.is_dir():
        candidates = sorted(path.glob("dev-v2.0.json")) or sorted(path.glob("*.json"))
        if not candidates:
            raise FileNotFoundError(f"no SQuAD JSON file in {path}")
        path = candidates[0]
    if not path.is_file():
        raise FileNotFoundError(f"SQuAD file {path} not found")
    try:
        data = json.loads(decode_utf8(path.read_bytes()))
        questions = []
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    answers = [] if qa.get("is_impossible") else [a["text"] for a in qa["answers"]]
                    questions.append(SquadQuestion(qa["id"], article["title"], qa["question"], paragraph["context"], answers))
    except NotUtf8 as error:
        raise ValueError(f"{path} is {error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON ({error}); --squad takes a SQuAD v2 JSON file such as dev-v2.0.json") from None
    except (KeyError, TypeError) as error:
        raise ValueError(f"{path} is not SQuAD v2 JSON (no {error} where one was expected: data[].paragraphs[].qas[])") from None
    return questions


def split_titles(titles: Iterable[str], seed: int = SPLIT_SEED, train_fraction: float = TRAIN_FRACTION) -> dict[str, list[str]]:
    """Articles for training and for reporting: the sorted titles shuffled with ``seed``, then cut."""
    ordered = sorted(set(titles))
    random.Random(seed).shuffle(ordered)
    cut = round(len(ordered) * train_fraction)
    return {"train": sorted(ordered[:cut]), "report": sorted(ordered[cut:])}


def squad_split(questions: Sequence[SquadQuestion], part: str, seed: int = SPLIT_SEED) -> list[SquadQuestion]:
    """The questions of one part (``all``: every question):

    - ``report``: the report articles, never trained or tuned on;
    - ``tune``: a fixed ``TUNE_FRACTION`` of the train articles' questions (for choosing thresholds);
    - ``train``: the other questions of the train articles.
    """
    if part == "all":
        return list(questions)
    if part not in ("train", "tune", "report"):
        raise ValueError(f"unknown split {part!r}: train, tune, report or all")
    titles = split_titles((q.title for q in questions), seed)
    if part == "report":
        report = set(titles["report"])
        return [q for q in questions if q.title in report]
    train_titles = set(titles["train"])
    in_train = [q for q in questions if q.title in train_titles]
    ids = sorted(q.id for q in in_train)
    random.Random(seed).shuffle(ids)
    tune = set(ids[: round(len(ids) * TUNE_FRACTION)])
    return [q for q in in_train if (q.id in tune) == (part == "tune")]


def squad_examples(questions: Sequence[SquadQuestion], distractors: int = 1, seed: int = SPLIT_SEED) -> list[Example]:
    """One example per question: its paragraph among ``distractors`` other paragraphs of the same article
    (hard negatives, in random order); the answer is the first gold span with the paragraph's citation,
    or the decline text."""
    rng = random.Random(seed)
    by_title: dict[str, list[str]] = {}
    for q in questions:
        contexts = by_title.setdefault(q.title, [])
        if q.context not in contexts:
            contexts.append(q.context)
    examples = []
    for q in questions:
        others = [c for c in by_title[q.title] if c != q.context]
        chosen = rng.sample(others, min(distractors, len(others))) + [q.context]
        rng.shuffle(chosen)
        passages = [{"heading": q.title.replace("_", " "), "text": c} for c in chosen]
        if q.answers:
            answer = f"{q.answers[0].strip()} [{chosen.index(q.context) + 1}]"
        else:
            answer = DECLINE
        examples.append(Example(q.question, passages, answer, bool(q.answers), f"squad2:{q.id}"))
    return examples


# -- knowledge base FAQ --------------------------------------------------------------------------


def read_faq(path: Path) -> list[tuple[str, str]]:
    """The (question, answer) rows of an FAQ CSV; ValueError naming the file (and line) when it is not UTF-8,
    is malformed, lacks the question and answer columns, or holds no row with both."""
    check_is_file(path, "FAQ file", ".csv")
    try:
        rows = csv_rows(decode_utf8(path.read_bytes()))
        header = [cell.strip().lower() for cell in next(rows, (1, 1, []))[2]]
        missing = [name for name in ("question", "answer") if name not in header]
        if missing:
            raise ValueError(f"{path}: no {' or '.join(missing)} column (the header row is {','.join(header) or 'empty'}); "
                             "an FAQ CSV has the columns question,answer")
        at_question, at_answer = header.index("question"), header.index("answer")
        pairs = [(row[at_question].strip(), row[at_answer].strip()) for _, _, row in rows if len(row) > max(at_question, at_answer)]
    except (NotUtf8, CsvProblem) as error:
        raise ValueError(f"{path}: {error}") from None
    pairs = [(question, answer) for question, answer in pairs if question and answer]
    if not pairs:
        raise ValueError(f"{path}: no row with both a question and an answer")
    return pairs


def faq_examples(faq_csv: Path, distractors: int = 1, unanswerable_share: float = 0.3, seed: int = SPLIT_SEED) -> list[Example]:
    """From a knowledge base's FAQ (CSV with question,answer columns): each question answered from its
    entry among other entries; a share of questions shown only other entries, answered with the decline."""
    rows = read_faq(Path(faq_csv))
    rng = random.Random(seed)
    examples = []
    for i, (question, answer) in enumerate(rows):
        others = [rows[j] for j in range(len(rows)) if j != i]
        picked = rng.sample(others, min(distractors, len(others)))
        if others and rng.random() < unanswerable_share:
            passages = [{"heading": q, "text": a} for q, a in rng.sample(others, min(distractors + 1, len(others)))]
            examples.append(Example(question, passages, DECLINE, False, f"faq:{i}"))
            continue
        entries = picked + [(question, answer)]
        rng.shuffle(entries)
        passages = [{"heading": q, "text": a} for q, a in entries]
        examples.append(Example(question, passages, f"{answer} [{entries.index((question, answer)) + 1}]", True, f"faq:{i}"))
    return examples


def describe(examples: Sequence[Example]) -> dict[str, Any]:
    return {
        "examples": len(examples),
        "answerable": sum(e.answerable for e in examples),
        "unanswerable": sum(not e.answerable for e in examples),
        "sources": sorted({e.source.split(":")[0] for e in examples}),
    }
