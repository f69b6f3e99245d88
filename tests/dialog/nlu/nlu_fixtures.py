"""Fixtures for the intent-classifier tests: a tiny BERT encoder (~1 M parameters) with the MiniLM
vocabulary, built from a config so that training runs take a second or two.

The test modules import them from here: a conftest.py in this folder would shadow tests/conftest.py
for every `from conftest import ...` in the suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dialog.nlu.data import Example

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"

# Two intents that differ in their words, so a tiny model can tell them apart after a few steps.
TOY_INTENTS = {
    "refund": ["i want my money back", "refund my order please", "how do i get a refund", "give me a refund now",
               "money back for this order", "can i get my money back", "refund the payment", "i need a refund"],
    "shipping": ["when will my parcel arrive", "how long does delivery take", "track my parcel", "where is my delivery",
                 "delivery time to london", "parcel has not arrived", "shipping cost to paris", "is delivery free"],
    "greet": ["hello", "hi there", "good morning", "hey", "hello there", "hi", "good evening", "hey there"],
}


def toy_examples() -> list[Example]:
    return [Example(text, label) for label, texts in TOY_INTENTS.items() for text in texts]


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    from dialog.nlu.manifest import packaged_encoder_dir

    try:
        folder = packaged_encoder_dir()
    except FileNotFoundError as error:
        pytest.skip(f"packaged MiniLM not installed: {error}")
    return folder


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory, minilm_dir: Path) -> Path:
    """A randomly initialised 2-layer BERT (hidden 32) with the MiniLM tokenizer, saved as an encoder folder."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def shared_dataset(name: str) -> Path:
    folder = SHARED_DATA / name
    if not folder.exists():
        pytest.skip(f"public dataset {name} not found at {folder} (it sits beside the project, not in a fresh clone)")
    return folder
