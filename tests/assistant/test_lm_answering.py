"""Fallback when the generator fails, prompt trimming to the context window, support check, settings."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from assistant.app import Assistant, build_generator
from assistant.config import load_settings
from assistant.lm.answering import HUMAN_OFFER, stream_or_fallback
from assistant.lm.base import ScriptedGenerator
from assistant.lm.prompts import PromptPassage, PromptTooLong, build_messages, fit_messages, support
from assistant.lm.remote import GeneratorUnavailable, OpenAIGenerator
from retrieval.ingest import ingest
from tests.conftest import HASH_MIN_SCORE

PASSAGES = [PromptPassage("Reset", "Reset links expire after 30 minutes."), PromptPassage("Ship", "Express costs $12.50.")]


def words(text: str) -> int:
    return len(text.split())


class Failing:
    name = "failing"

    def __init__(self, after: int = 0) -> None:
        self.after = after

    def stream(self, messages, max_new_tokens=160):
        yield from ["part"] * self.after
        raise GeneratorUnavailable("down")


def test_fallback_answers_and_offers_a_human_when_the_generator_fails_first() -> None:
    pieces = list(stream_or_fallback(Failing(), [], 10, fallback=lambda: "Links expire after 30 minutes [1]."))
    assert pieces == [f"Links expire after 30 minutes [1]. {HUMAN_OFFER}"]


def test_no_fallback_or_a_half_written_reply_raises() -> None:
    with pytest.raises(GeneratorUnavailable):
        list(stream_or_fallback(Failing(), [], 10))
    with pytest.raises(GeneratorUnavailable):
        list(stream_or_fallback(Failing(after=2), [], 10, fallback=lambda: "x"))
    assert list(stream_or_fallback(ScriptedGenerator("fine"), [], 10, fallback=lambda: "x")) == ["fine"]


def test_a_down_remote_generator_gives_the_extractive_answer_in_a_turn(kb_dir: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = load_settings(
        embedder="hash", min_retrieval_score=HASH_MIN_SCORE, generator_backend="openai",
        generator_url=f"http://127.0.0.1:{port}/v1", generator_timeout_s=0.5,
    )
    assistant = Assistant(settings)
    assert isinstance(assistant.generator, OpenAIGenerator)
    ingest([kb_dir], assistant.embedder, settings.index_dir)
    manager = assistant.manager

    session = manager.start_session()
    result = manager.handle(session, "How long do password reset links work?")

    assert "30 minutes" in result.text and HUMAN_OFFER in result.text
    assert not result.abstained
    # the decision record says the generator failed, so the review pages and exports can tell
    [row] = assistant.sql_store.turns(session)
    assert row.model == "extractive" and result.model == "extractive"
    assert "did not answer" in row.reason and "openai:" in row.reason


def test_a_reply_cut_off_mid_way_is_replaced_by_the_extractive_answer(kb_dir: Path, caplog) -> None:
    settings = load_settings(embedder="hash", min_retrieval_score=HASH_MIN_SCORE, generator_backend="openai")
    assistant = Assistant(settings)
    assistant.generator = Failing(after=2)  # two pieces out, then the deadline
    ingest([kb_dir], assistant.embedder, settings.index_dir)
    manager = assistant.manager
    session = manager.start_session()

    updates = list(manager.stream(session, "How long do password reset links work?"))
    result = updates[-1].result

    assert updates[0].text == "part"  # the draft the customer saw ...
    assert result.action == "answer" and "partpart" not in result.text  # ... is replaced, not kept as the answer
    assert "30 minutes" in result.text and result.text.endswith(HUMAN_OFFER) and updates[-1].text == result.text
    [row] = assistant.sql_store.turns(session)
    assert row.model == "extractive" and "did not answer" in row.reason and row.answer == result.text
    [logged] = [r for r in caplog.records if "cut off mid-reply" in r.getMessage()]
    assert "down" in logged.getMessage() and logged.exc_info is None  # an expected failure: one warning line


def test_fit_messages_drops_history_then_the_example_then_fails_clearly() -> None:
    history = [("older question " * 5, "older answer " * 5), ("recent q", "recent a")]
    full = build_messages("How long?", PASSAGES, history)
    full_size = sum(words(m["content"]) + 8 for m in full)

    assert fit_messages("How long?", PASSAGES, words, full_size + 10, 10, history) == full
    trimmed = fit_messages("How long?", PASSAGES, words, full_size - 5, 10, history)
    assert [m["content"] for m in trimmed[3:5]] == ["recent q", "recent a"]  # the older turn went first
    bare = fit_messages("How long?", PASSAGES, words, 110, 10, history)
    assert len(bare) == 2 and bare[-1] == full[-1]
    with pytest.raises(PromptTooLong, match="give fewer or shorter passages"):
        fit_messages("How long?", PASSAGES * 20, words, 200, 50)


def test_support_is_the_share_of_answer_words_found_in_the_passages() -> None:
    texts = [p.text for p in PASSAGES]
    assert support("Reset links expire after 30 minutes [1].", texts) == 1.0
    assert support("Links expire after 45 days [1].", texts) == pytest.approx(3 / 5)  # not 45, days
    assert support("", texts) == 1.0


def test_settings_select_the_backend_and_a_model_folder(tmp_path: Path) -> None:
    from assistant.lm.local import TransformersGenerator
    from assistant.models import ModelError

    remote = build_generator(load_settings(generator_backend="openai", generator_url="http://x/v1", generator_model="m"))
    assert isinstance(remote, OpenAIGenerator) and remote.url == "http://x/v1/chat/completions" and remote.name == "openai:m"
    folder = tmp_path / "my-model"
    folder.mkdir()
    with pytest.raises(ModelError, match="incomplete: missing config.json, weights"):
        build_generator(load_settings(generator_path=folder))
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (folder / name).write_text("{}")
    local = build_generator(load_settings(generator_path=folder, device="cpu"))
    assert isinstance(local, TransformersGenerator) and local.path == folder and local.name == "my-model"
