"""End to end through the real packaged models: embedder, FAISS index, generator, SQLite log.

Marked slow: the first run converts the GGUF generators (about 25 s and 80 s on 2 cores) into a model
cache kept outside the clone (``ASSISTANT_TEST_MODEL_CACHE``, default ``~/.cache/support-assistant``),
so later runs on the same machine only load them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.store.tables import TurnRow
from retrieval.ingest import ingest
from tests.conftest import MODEL_CACHE, REPO_ROOT, prepared_model

pytestmark = pytest.mark.slow


def real_assistant(data_dir: Path, generator: str) -> Assistant:
    for name in ("all-minilm-l6-v2", generator):
        prepared_model(name)
    # generative on purpose: on a CPU the default (answer_mode auto) would answer extractively
    settings = load_settings(data_dir=data_dir, model_cache_dir=MODEL_CACHE, generator=generator, device="cpu", answer_mode="generative")
    assistant = Assistant(settings)
    ingest([REPO_ROOT / "demo" / "knowledge_base"], assistant.embedder, settings.index_dir)
    return assistant


@pytest.fixture(scope="module")
def qwen(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return real_assistant(tmp_path_factory.mktemp("qwen"), "qwen2.5-coder-0.5b")


def test_default_generator_answers_with_the_fact_and_its_source(qwen: Assistant) -> None:
    manager = qwen.manager
    session_id = manager.start_session("test")
    result = manager.handle(session_id, "How long is a password reset link valid?")

    assert result.action == "answer" and not result.abstained
    assert "30 minutes" in result.text
    assert "accounts/reset-password" in [s["doc_id"] for s in result.cited_sources]
    assert {"retrieval_ms", "generation_ms", "total_ms"} <= set(result.timings_ms)
    stored = qwen.store.turns(session_id)
    assert len(stored) == 1 and isinstance(stored[0], TurnRow)
    assert stored[0].answer == result.text and stored[0].model == "qwen2.5-coder-0.5b"


def test_off_topic_question_is_declined_not_guessed(qwen: Assistant) -> None:
    manager = qwen.manager
    result = manager.handle(manager.start_session("test"), "What's the weather in Paris tomorrow?")
    # out of the shop's scope (demo/rules.yaml): declined, handed to a person, or outside the support hours told what
    # the assistant helps with (the off_topic reply); never answered
    assert result.abstained or (result.handoff and result.action == "handoff") or (result.action == "small_talk" and not result.handoff)
    assert result.sources == [] or not any(s["cited"] for s in result.sources)


def test_small_generator_runs_the_same_turn(tmp_path: Path) -> None:
    assistant = real_assistant(tmp_path, "smollm2-135m")
    manager = assistant.manager
    result = manager.handle(manager.start_session("test"), "How much does standard shipping cost?")
    assert result.text.strip()
    assert result.model == "smollm2-135m" or result.abstained
    assert assistant.store.turns()[0].user_text == "How much does standard shipping cost?"


def test_cpu_default_answers_extractively_without_loading_a_generator(tmp_path: Path) -> None:
    prepared_model("all-minilm-l6-v2")
    settings = load_settings(data_dir=tmp_path, model_cache_dir=MODEL_CACHE, device="cpu")  # answer_mode auto
    assistant = Assistant(settings)
    ingest([REPO_ROOT / "demo" / "knowledge_base"], assistant.embedder, settings.index_dir)
    manager = assistant.manager

    result = manager.handle(manager.start_session("test"), "How long is a password reset link valid?")

    assert result.model == "extractive" and result.action == "answer" and not result.abstained
    assert "30 minutes" in result.text
    assert "accounts/reset-password" in [s["doc_id"] for s in result.cited_sources]
    assert "generator" not in assistant.__dict__  # the cached generator property was never built
