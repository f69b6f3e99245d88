"""Reviewers' intent labels as training data: merged into a `text,label` set and written as CSV.

The rules, so that a retrained classifier learns what staff decided:

- a text is compared with the others as ``read_csv`` compares them (case and spacing ignored);
- a reviewer's label wins over a base row with the same text (the row is relabelled where it stands);
- one text labelled differently on two turns keeps its latest label, and the other is reported;
- a label is written in the base set's spelling when it differs only in case, spaces or hyphens
  (``Order Status`` → ``order_status``), and any spelling of out of scope (``out of scope``, ``OOS``) as ``oos``;
- labels the base set does not have are kept and reported: they train as new intents.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dialog.nlu.data import _OOS_SPELLINGS, OOS_LABEL, Example, similar_labels, text_key

MIN_PER_LABEL = 2  # what `assistant train intents` needs of every label
PRIVATE_MODE = 0o600  # the file holds customers' words


def label_key(label: str) -> str:
    """A label compared without case, outer spaces, or the difference between space, hyphen and underscore."""
    return "_".join(label.strip().lower().replace("-", " ").replace("_", " ").split())


@dataclass(frozen=True)
class Correction:
    """One customer message with the intent a reviewer gave it; ``where`` names the turn for messages."""

    text: str
    label: str
    where: str = ""


@dataclass
class Merged:
    """The merged examples and what the merge did, for the command's report."""

    examples: list[Example]
    from_base: int = 0  # rows read from the base set
    added: list[Correction] = field(default_factory=list)  # texts the base set does not have
    relabelled: list[tuple[Correction, str]] = field(default_factory=list)  # base rows given another label: (row, old label)
    confirmed: list[Correction] = field(default_factory=list)  # texts the base set has with the same label
    respelt: dict[str, str] = field(default_factory=dict)  # label as typed -> label written
    conflicts: list[str] = field(default_factory=list)  # a text labelled differently on two turns: which label stands
    new_labels: dict[str, int] = field(default_factory=dict)  # labels the base set has not, with their examples
    near_labels: list[tuple[str, str]] = field(default_factory=list)  # (new label, base label) one letter apart
    too_few: dict[str, int] = field(default_factory=dict)  # labels with fewer than MIN_PER_LABEL examples


def _spelling(typed: str, known: dict[str, str], respelt: dict[str, str]) -> str:
    """The label to write for ``typed``; a new label becomes known in its first spelling."""
    key = label_key(typed)
    if key in _OOS_SPELLINGS:
        label = OOS_LABEL
    else:
        label = known.setdefault(key, typed.strip())
    if label != typed:
        respelt[typed] = label
    return label


def merge_corrections(base: Sequence[Example], corrections: Sequence[Correction]) -> Merged:
    """``base`` with ``corrections`` (oldest first) merged in by the module's rules."""
    merged = Merged(examples=list(base), from_base=len(base))
    known = {label_key(e.label): e.label for e in base}
    base_labels = set(known.values())
    latest: dict[str, Correction] = {}
    for correction in corrections:
        label = _spelling(correction.label, known, merged.respelt)
        key = text_key(correction.text)
        earlier = latest.pop(key, None)  # popped: the text takes the place of its latest label
        if earlier is not None and earlier.label != label:
            merged.conflicts.append(
                f"{correction.text!r}: {earlier.label} ({earlier.where}) then {label} ({correction.where}); {label} kept"
            )
        latest[key] = Correction(correction.text, label, correction.where)
    at = {text_key(e.text): index for index, e in enumerate(merged.examples)}
    for key, correction in latest.items():
        index = at.get(key)
        if index is None:
            merged.examples.append(Example(correction.text, correction.label))
            merged.added.append(correction)
        elif merged.examples[index].label == correction.label:
            merged.confirmed.append(correction)
        else:
            row = merged.examples[index]
            merged.relabelled.append((Correction(row.text, correction.label, correction.where), row.label))
            merged.examples[index] = Example(row.text, correction.label)
    counts = Counter(e.label for e in merged.examples)
    if base:
        merged.new_labels = {label: n for label, n in sorted(counts.items()) if label not in base_labels}
        for one, other in similar_labels([e.label for e in merged.examples]):
            if (one in merged.new_labels) != (other in merged.new_labels):
                merged.near_labels.append((one, other) if one in merged.new_labels else (other, one))
    merged.too_few = {label: n for label, n in sorted(counts.items()) if n < MIN_PER_LABEL}
    return merged


def write_csv(path: Path, examples: Sequence[Example]) -> None:
    """Write ``examples`` as a `text,label` CSV (UTF-8, readable by the owner only). The file appears only
    once complete; an existing one is replaced."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")  # same folder: the rename is atomic
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        with open(descriptor, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["text", "label"])
            writer.writerows([e.text, e.label] for e in examples)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
