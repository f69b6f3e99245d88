"""`assistant models list`'s "Trained models" rows (assistant/trained_models.py): a folder the settings
select that the assistant cannot use is said to be unusable, not shown as in use or left out."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.config import Settings
from assistant.trained_models import embedder, generator


def _generator_folder(folder: Path, architecture: str = "LlamaForCausalLM", weights: bool = True) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"architectures": [architecture]}))
    (folder / "tokenizer.json").write_text("{}")
    if weights:
        (folder / "model.safetensors").write_bytes(b"")
    (folder / "assistant_manifest.json").write_text(json.dumps({"kind": "generator", "method": "full", "created": "2026-12-04T10:00:00Z"}))
    return folder


def test_a_generator_folder_that_cannot_load_is_unusable_not_in_use(tmp_path: Path) -> None:
    """generator_path naming a folder without weights, or an intent model, was listed "in use"; serving
    then failed on the first answer."""
    good = _generator_folder(tmp_path / "tuned")
    assert generator(Settings(generator_path=good)).state == "in use"
    no_weights = _generator_folder(tmp_path / "half-copied", weights=False)
    row = generator(Settings(generator_path=no_weights))
    assert row.state.startswith("unusable:") and "missing weights" in row.state
    intents = _generator_folder(tmp_path / "intents", architecture="MeanPoolingBertForSequenceClassification")
    row = generator(Settings(generator_path=intents))
    assert row.state.startswith("unusable:") and "not a text generator" in row.state


def test_an_embedder_setting_naming_an_unusable_folder_gets_a_row(tmp_path: Path) -> None:
    """An embedder setting naming a folder without embedder.json, or a path that does not exist, gave no
    row at all: the list looked as if the packaged embedder were used, while the assistant refused to start."""
    assert embedder(Settings(embedder="all-minilm-l6-v2")) is None  # the registry table lists it
    (tmp_path / "copy").mkdir()
    row = embedder(Settings(embedder=str(tmp_path / "copy")))
    assert row is not None and row.state.startswith("unusable: no embedder.json")
    row = embedder(Settings(embedder=str(tmp_path / "typo")))
    assert row is not None and row.state.startswith("unusable: no such folder")
    (tmp_path / "trained").mkdir()
    (tmp_path / "trained" / "embedder.json").write_text(json.dumps({"created_at": "2026-12-04T10:00:00Z", "training_data": {"pairs_file": "p.csv"}}))
    row = embedder(Settings(embedder=str(tmp_path / "trained")))
    assert row is not None and row.state.startswith("in use") and row.trained_on == "p.csv"
