"""A help centre other than the demo's, for tests that ask what a shop's own help centre does not say: a bike shop
(tests/bike_shop: second-hand bikes for sale, city bikes and e-bikes for rent, repairs; five articles and an FAQ)."""

from __future__ import annotations

from pathlib import Path

from assistant.app import Assistant
from assistant.config import load_settings
from retrieval.ingest import ingest
from tests.conftest import MODEL_CACHE, prepared_model

BIKE_SHOP = Path(__file__).parent / "bike_shop"


def bike_shop_assistant(data_dir: Path) -> Assistant:
    """The bike shop's help centre indexed with the demo's MiniLM, answered extractively, on keyword rules only (no
    intent model in ``data_dir``), with the default threshold (``min_retrieval_score`` 0.45)."""
    prepared_model("all-minilm-l6-v2")
    settings = load_settings(data_dir=data_dir, model_cache_dir=MODEL_CACHE, device="cpu", answer_mode="extractive")
    assistant = Assistant(settings)
    ingest([BIKE_SHOP], assistant.embedder, settings.index_dir)
    return assistant
