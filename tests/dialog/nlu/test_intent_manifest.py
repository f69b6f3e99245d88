"""An intent model folder's manifest when its out-of-scope threshold is set by hand afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from dialog.nlu.manifest import MANIFEST_FILE, load_manifest, set_oos_threshold

LABELS = ["greet", "oos", "refund"]
MEASURED = {"in_scope_n": 40, "oos_n": 3, "in_scope_accuracy": 0.875, "in_scope_rejected": 0.075,
            "oos_recall": 0.667, "oos_precision": 0.4, "oos_f1": 0.5}


def model_folder(tmp_path: Path) -> Path:
    """A folder as training leaves it (the weights' bytes aside): a threshold chosen on validation data, and the
    validation figures measured with it."""
    folder = tmp_path / "intents"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"id2label": {str(i): label for i, label in enumerate(LABELS)}}))
    (folder / "tokenizer.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"")
    manifest = {
        "format_version": 1, "kind": "intent-classifier", "base": {"name": "tiny"}, "labels": LABELS,
        "oos": {"label": "oos", "threshold": 0.29, "objective": "balanced", "set_by_hand": False, "note": None},
        "training": {}, "created": "2026-12-04T00:00:00Z", "train_seconds": 1.0, "device": "cpu",
        "validation": {"n": 43, "accuracy": 0.88, "macro_f1": 0.87, "threshold": 0.29, "objective": "balanced",
                       "oos_examples": 3, "threshold_note": None, "with_threshold": MEASURED},
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    return folder


def test_a_threshold_set_by_hand_does_not_keep_the_earlier_thresholds_figures_as_its_own(tmp_path: Path) -> None:
    # the manifest kept validation.threshold 0.29 and the in-scope accuracy / out-of-scope recall measured with
    # 0.29 beside oos.threshold 0.5, as if they described the model as it now decides
    folder = model_folder(tmp_path)

    set_oos_threshold(folder, 0.5)

    manifest = load_manifest(folder)
    assert manifest["oos"]["threshold"] == manifest["validation"]["threshold"] == 0.5
    assert manifest["validation"]["with_threshold"] is None and "not measured" in manifest["validation"]["threshold_note"]
    assert manifest["oos"]["previous"] == {"threshold": 0.29, "objective": "balanced", "note": None, "validation_with_threshold": MEASURED}
    assert (manifest["validation"]["accuracy"], manifest["validation"]["macro_f1"]) == (0.88, 0.87)  # no threshold in them


def test_the_trained_thresholds_figures_survive_a_second_threshold_set_by_hand(tmp_path: Path) -> None:
    # a second set-oos-threshold replaced oos.previous with the first hand-set one, whose figures are null: the
    # figures measured for the trained threshold were gone from the manifest
    folder = model_folder(tmp_path)

    set_oos_threshold(folder, 0.4)
    set_oos_threshold(folder, 0.3)

    oos = load_manifest(folder)["oos"]
    assert oos["previous"]["threshold"] == 0.4 and oos["previous"]["validation_with_threshold"] is None
    assert oos["measured"] == {"threshold": 0.29, "objective": "balanced", "validation_with_threshold": MEASURED}
    # a manifest set by hand once before oos.measured was kept: its figures are in oos.previous
    older = tmp_path / "older"
    folder.rename(older)
    manifest = load_manifest(older)
    del manifest["oos"]["measured"]
    manifest["oos"]["previous"] = {"threshold": 0.29, "objective": "balanced", "note": None, "validation_with_threshold": MEASURED}
    (older / MANIFEST_FILE).write_text(json.dumps(manifest))
    set_oos_threshold(older, 0.35)
    assert load_manifest(older)["oos"]["measured"] == {"threshold": 0.29, "objective": "balanced", "validation_with_threshold": MEASURED}


def test_a_folder_that_is_not_an_intent_model_gets_advice_that_fits_it(tmp_path: Path) -> None:
    """An adapted encoder given as the intent model was answered "train one with: ... --out ENCODER", which
    train intents then refuses (the folder holds other files); the encoder is a --base."""
    import pytest

    from dialog.nlu.manifest import IntentModelMissing

    encoder = tmp_path / "encoder-mlm"
    encoder.mkdir()
    (encoder / "encoder_manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(IntentModelMissing, match=r"it is an encoder \(a `train mlm` output\); train an intent model on it with: "
                                                 r"assistant train intents DATA\.csv --base .*encoder-mlm$"):
        load_manifest(encoder)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(IntentModelMissing, match=r"train one into a new folder with: assistant train intents DATA\.csv --out NEW-FOLDER"):
        load_manifest(notes)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IntentModelMissing, match=r"train one with: assistant train intents DATA\.csv --out .*empty$"):
        load_manifest(empty)
