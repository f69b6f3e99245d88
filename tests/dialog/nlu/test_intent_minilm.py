"""The real packaged MiniLM, fine-tuned briefly on the demo shop's intents (slow: about half a minute on two cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialog.nlu.classifier import IntentClassifier
from dialog.nlu.data import read_csv
from dialog.nlu.training import TrainSettings, train_intents
from nlu_fixtures import minilm_dir  # noqa: F401 (fixture)

DEMO_INTENTS = Path(__file__).resolve().parents[3] / "demo" / "intents.csv"


@pytest.mark.slow
def test_minilm_learns_the_demo_intents(minilm_dir: Path, tmp_path: Path) -> None:
    examples = read_csv(DEMO_INTENTS)
    result = train_intents(examples, tmp_path / "intents", settings=TrainSettings(epochs=2, device="cpu", val_fraction=0.2), progress=False)
    manifest = result.manifest
    assert manifest["base"]["name"] == "all-minilm-l6-v2"
    assert manifest["base"]["sha256"] == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert manifest["validation"]["accuracy"] >= 0.75
    classifier = IntentClassifier(result.folder, device="cpu")
    understood = classifier.understand_batch(["where's my parcel? i ordered it a week ago", "i want my money back for the broken lamp",
                                              "can i talk to a real person"])
    assert understood[0].intent in ("order_status", "track_parcel")
    assert understood[1].intent in ("refund", "return_item")
    assert understood[2].intent == "human"
