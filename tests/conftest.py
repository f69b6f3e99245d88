"""Shared fixtures: every test runs in its own temp folder with its own data folder, and the
assistant is wired with the in-package fakes (hash embedder, scripted generator), so no model loads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import Settings, load_settings
from dialog.business import DEMO_ORDERS
from retrieval.ingest import ingest

REPO_ROOT = Path(__file__).resolve().parents[1]
# Packaged models are prepared (verified, the GGUF generators converted) once per machine, outside the clone.
MODEL_CACHE = Path(os.environ.get("ASSISTANT_TEST_MODEL_CACHE", Path.home() / ".cache" / "support-assistant" / "models"))
# The hashing embedder's cosine scores run lower than a real embedder's; tests pin the threshold for it.
HASH_MIN_SCORE = 0.35
DEMO_DIR = REPO_ROOT / "demo"


def prepared_model(name: str) -> Path:
    """The folder of a packaged model, prepared into MODEL_CACHE on first use; skips when its package
    is not installed (the first conversion of a generator takes 25-80 s on 2 cores)."""
    from assistant.models import REGISTRY, is_installed, prepare

    if not is_installed(REGISTRY[name]):
        pytest.skip(f"model package for {name} is not installed ({REGISTRY[name].install_command})")
    return prepare(name, MODEL_CACHE, show_progress=False)


# A small knowledge base with facts that appear nowhere else, so answers can be traced to a file.
KB_FILES = {
    "accounts/reset-password.md": """# Reset your password

If you forgot your password, choose Forgot password on the sign-in page.

## How long the link works

Password reset links expire after 30 minutes and work only once.

## Password rules

A new password needs at least 10 characters, including one number.
""",
    "shipping/shipping-costs.md": """# Shipping costs

## Standard shipping

Standard shipping costs $4.95 and is free on orders over $50.

## Express shipping

Express shipping costs $12.50 and arrives in 1-2 business days.
""",
    "returns/return-policy.md": """# Return policy

## Return window

You can return most items within 45 days of delivery for a full refund.

## Items that cannot be returned

Opened software, gift cards and personalised items cannot be returned.
""",
}
KB_FAQ = """question,answer
Do you offer gift wrapping?,Yes. Gift wrapping costs $3.99 per item and is chosen at checkout.
How long can a gift message be?,A gift message can be up to 200 characters and is printed on a card.
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data folder at a temp path, drop other ASSISTANT_* settings, work in tmp_path.

    Working in tmp_path means no ``assistant.toml`` of the repository (or of the developer) is read.
    Returns the data folder.
    """
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)  # set by a web app (ui.server.keep_gradio_files_in): per test
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.chdir(tmp_path)
    return data_dir


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root``; returns ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A temp knowledge base: three Markdown articles with distinct facts and an FAQ CSV."""
    return write_files(tmp_path / "kb", {**KB_FILES, "faq.csv": KB_FAQ})


@pytest.fixture
def settings(isolated: Path) -> Settings:
    """Settings with the fakes: nothing is loaded from the model packages. The order lookup runs on the demo's orders
    (demo/orders.csv), which only the demo's own help centre gets without ``orders_file``."""
    return load_settings(
        embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE, orders_file=DEMO_ORDERS
    )


@pytest.fixture
def assistant(settings: Settings, kb_dir: Path) -> Iterator[Assistant]:
    """An Assistant wired with the fakes, its index built from ``kb_dir``, its store a SQLite file. Closed at the end:
    left open, its threads and connections reach the files of later tests (the data folder's paths are relative)."""
    app = Assistant(settings)
    report = ingest([kb_dir], app.embedder, settings.index_dir)
    assert report.total_documents == len(KB_FILES) + 2  # three articles and two FAQ entries
    yield app
    app.close()
