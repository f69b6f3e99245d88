"""The models a team trained and the settings that select them, as `assistant models list` shows them.

Each trained folder describes itself in a manifest (intent_manifest.json, reranker.json, embedder.json,
assistant_manifest.json); this module reads those, and the settings, to say for each role which folder
the assistant would use, whether it is there and usable, when it was made, and from which data. Nothing
is loaded: a list is a few small JSON reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings


@dataclass(frozen=True)
class TrainedModel:
    role: str  # intent classifier, reranker, embedder, generator
    setting: str  # the setting that selects the folder, e.g. "intent_model"
    folder: Path
    state: str  # "in use", or why not
    created: str = ""
    trained_on: str = ""
    summary: str = ""  # one line of what the manifest says of its quality


def _read(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _data_text(data: Any) -> str:
    """A manifest's training-data description in a few words: the files, the datasets, or the pairs file."""
    if not isinstance(data, dict):
        return ""
    files = data.get("files") or []
    if files:
        return ", ".join(str(f.get("path", "")) for f in files)
    if data.get("dataset"):
        return f"{data['dataset']} ({data.get('path', '')})"
    if data.get("pairs_file"):
        return str(data["pairs_file"])
    if data.get("train_file"):
        return str(data["train_file"])
    if isinstance(data.get("datasets"), dict):
        return ", ".join(f"{name} ({count} questions)" for name, count in data["datasets"].items())
    return ""


def intent_classifier(settings: Settings) -> TrainedModel:
    from dialog.nlu.manifest import load_manifest

    folder = Path(settings.intent_model or settings.data_dir / "models" / "intents")
    if not folder.exists():
        return TrainedModel("intent classifier", "intent_model", folder, "none trained: keyword rules only")
    try:
        manifest = load_manifest(folder)
    except (FileNotFoundError, ValueError) as error:
        return TrainedModel("intent classifier", "intent_model", folder, f"unusable: {error}")
    validation = manifest.get("validation") or {}
    accuracy = f", validation accuracy {validation['accuracy']:.3f}" if isinstance(validation.get("accuracy"), float) else ""
    return TrainedModel("intent classifier", "intent_model", folder, "in use", str(manifest.get("created", "")),
                        _data_text(manifest.get("data")), f"{len(manifest['labels'])} intents{accuracy}")


def reranker(settings: Settings) -> TrainedModel:
    folder = Path(settings.reranker_path or settings.data_dir / "models" / "reranker")
    manifest = _read(folder / "reranker.json")
    if manifest is None:
        state = "none trained: no reranking" if not folder.exists() else "unusable: no readable reranker.json"
        return TrainedModel("reranker", "reranker_path", folder, state)
    state = "in use" if settings.rerank != "off" else "not used: rerank = off"
    return TrainedModel("reranker", "reranker_path", folder, state, str(manifest.get("created_at", "")),
                        _data_text(manifest.get("training_data")), f"blend {manifest.get('blend', '?')}")


def embedder(settings: Settings) -> TrainedModel | None:
    from assistant.models import REGISTRY

    if settings.embedder in REGISTRY or settings.embedder == "hash":
        return None  # a registry model (or the tests' fake): the table above lists it
    folder = Path(settings.embedder)
    manifest = _read(folder / "embedder.json")
    if manifest is None:  # the assistant refuses to start with it: said here too, not left out of the list
        state = ("unusable: no embedder.json (not a folder written by `assistant train embedder`)" if folder.is_dir()
                 else "unusable: no such folder, and no registry model of that name")
        return TrainedModel("embedder", "embedder", folder, state)
    after = (manifest.get("metrics_test_half") or {}).get("after") or {}
    summary = ", ".join(f"{name} R@1 {m['recall@1']:.3f}" for name, m in after.items() if isinstance(m, dict) and "recall@1" in m)
    return TrainedModel("embedder", "embedder", folder, "in use (re-ingest after changing it)", str(manifest.get("created_at", "")),
                        _data_text(manifest.get("training_data")), summary)


def generator(settings: Settings) -> TrainedModel | None:
    if settings.generator_path is None:
        return None
    folder = Path(settings.generator_path)
    manifest = _read(folder / "assistant_manifest.json") if folder.is_dir() else None
    if not folder.is_dir():
        return TrainedModel("generator", "generator_path", folder, "unusable: no such folder")
    from assistant.lm.local import check_model_dir
    from assistant.models import ModelError

    try:
        check_model_dir(folder)  # a few file checks, nothing loaded: an incomplete folder or an intent model is not "in use"
    except ModelError as error:
        return TrainedModel("generator", "generator_path", folder, f"unusable: {error}")
    if settings.answer_mode == "extractive":
        state = "not used: answer_mode = extractive"
    else:
        state = "in use" if settings.generator_backend == "local" else "not used: generator_backend = openai"
    if manifest is None or manifest.get("kind") != "generator":
        return TrainedModel("generator", "generator_path", folder, state, summary="not made by `assistant train lm`")
    metrics = manifest.get("metrics") or {}
    loss = ""
    if isinstance(metrics.get("eval_loss_before"), float) and isinstance(metrics.get("eval_loss_after"), float):
        loss = f"eval loss {metrics['eval_loss_before']:.3f} -> {metrics['eval_loss_after']:.3f}"
    return TrainedModel("generator", "generator_path", folder, state, str(manifest.get("created", "")),
                        _data_text(manifest.get("data")), ", ".join(p for p in (str(manifest.get("method", "")), loss) if p))


def trained_models(settings: Settings) -> list[TrainedModel]:
    """One row per trainable role: the configured folder and what its manifest says."""
    rows = [intent_classifier(settings), reranker(settings), embedder(settings), generator(settings)]
    return [row for row in rows if row is not None]
