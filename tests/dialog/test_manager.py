"""DialogManager.handle/stream with the fakes and a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.lm.base import ScriptedGenerator
from dialog.actions import DEFAULT_REPLIES, FALLBACK, HANDOFF, NOT_FOUND, AnswerFromKnowledgeBase
from dialog.events import BotAnswer, HandoffRequested, IntentPredicted, RetrievalDone
from dialog.manager import DialogManager, InvalidMessage, validate_message
from dialog.store import UnknownSession
from retrieval.embedders import HashEmbedder
from retrieval.retriever import Retriever


@pytest.fixture
def manager(assistant) -> DialogManager:
    return assistant.manager


def event_types(manager: DialogManager, session_id: str) -> list[str]:
    return [e.type_name for e in manager.store.load_events(session_id)]


def test_answer_with_sources_and_citations(assistant, manager: DialogManager) -> None:
    session_id = manager.start_session("test")

    result = manager.handle(session_id, "How long is a password reset link valid?")

    assert result.action == "answer" and result.intent == "question"
    assert not result.abstained and not result.handoff
    assert result.text == "Password reset links expire after 30 minutes and work only once. [1]"
    assert result.model == "scripted"
    assert [s["n"] for s in result.sources] == [1, 2, 3]
    first = result.sources[0]
    assert (first["doc_id"], first["title"], first["heading"], first["cited"]) == (
        "accounts/reset-password", "Reset your password", "Reset your password > How long the link works", True,
    )
    assert first["score"] >= assistant.settings.min_retrieval_score
    assert [s["n"] for s in result.cited_sources] == [1]
    assert len(assistant.generator.calls) == 1
    prompt = assistant.generator.calls[0][-1]["content"]
    assert prompt.endswith("How long is a password reset link valid?")
    assert "[1] Reset your password > How long the link works" in prompt

    events = manager.store.load_events(session_id)
    assert [e.type_name for e in events] == ["session_started", "user", "intent", "retrieval", "bot"]
    bot = events[-1]
    assert isinstance(bot, BotAnswer) and bot.text == result.text
    assert [c["doc_id"] for c in bot.citations] == ["accounts/reset-password"]
    retrieval = events[3]
    assert isinstance(retrieval, RetrievalDone) and retrieval.passages[0]["doc_id"] == "accounts/reset-password"


def test_timings_are_reported_and_stored(manager: DialogManager) -> None:
    session_id = manager.start_session()

    result = manager.handle(session_id, "How much does express shipping cost?")

    assert {"understanding_ms", "retrieval_ms", "first_token_ms", "generation_ms", "total_ms"} <= set(result.timings_ms)
    assert all(value >= 0 for value in result.timings_ms.values())
    assert result.timings_ms["total_ms"] >= result.timings_ms["retrieval_ms"]
    [turn] = manager.store.turns(session_id)
    assert turn.timings_ms == result.timings_ms
    assert (turn.user_text, turn.answer, turn.action, turn.model) == (
        "How much does express shipping cost?", result.text, "answer", "scripted",
    )
    assert turn.sources == result.sources
    assert turn.query == "How much does express shipping cost?"
    assert turn.retrieved[0]["doc_id"] == "shipping/shipping-costs"


def test_low_retrieval_score_declines_without_calling_the_generator(assistant, manager: DialogManager) -> None:
    session_id = manager.start_session()

    result = manager.handle(session_id, "xylophone quantum zebra")

    assert result.abstained and result.text == NOT_FOUND
    assert result.sources == [] and result.model is None
    assert assistant.generator.calls == []
    assert "generation_ms" not in result.timings_ms
    assert f"< {assistant.settings.min_retrieval_score}" in result.reason
    assert manager.store.load_events(session_id)[-1] == BotAnswer(
        text=NOT_FOUND, action="answer", abstained=True, timestamp=manager.store.load_events(session_id)[-1].timestamp
    )
    assert manager.tracker(session_id).consecutive_abstentions == 1
    [turn] = manager.store.turns(session_id)
    assert turn.abstained and turn.answer == NOT_FOUND


def test_model_saying_it_does_not_know_becomes_the_not_found_reply(assistant) -> None:
    answer = AnswerFromKnowledgeBase(
        assistant.retriever, ScriptedGenerator("The passages do not mention that."), top_k=3, min_score=0.35, max_new_tokens=160
    )
    manager = DialogManager(assistant.store, answer)
    session_id = manager.start_session()

    result = manager.handle(session_id, "How long is a password reset link valid?")

    assert result.abstained and result.text == NOT_FOUND and result.sources == []
    assert result.reason == "the model found no answer in the passages"


def test_out_of_range_citation_is_removed_from_the_answer(assistant) -> None:
    answer = AnswerFromKnowledgeBase(
        assistant.retriever, ScriptedGenerator("Links expire after 30 minutes [7]."), top_k=3, min_score=0.35, max_new_tokens=160
    )
    manager = DialogManager(assistant.store, answer)

    result = manager.handle(manager.start_session(), "How long is a password reset link valid?")

    assert result.text == "Links expire after 30 minutes."
    # the invalid [7] is gone; the answer is credited to the passage that holds its words
    assert [s["doc_id"] for s in result.cited_sources] == ["accounts/reset-password"]


def test_uncited_answer_drawn_from_no_passage_lists_every_passage(assistant) -> None:
    answer = AnswerFromKnowledgeBase(
        assistant.retriever, ScriptedGenerator("Our founder started the company in a garage."), top_k=3, min_score=0.35, max_new_tokens=160
    )
    manager = DialogManager(assistant.store, answer)

    result = manager.handle(manager.start_session(), "How long is a password reset link valid?")

    assert not any(s["cited"] for s in result.sources)
    assert len(result.cited_sources) == 3  # nothing to credit: all passages it was written from


def test_small_talk_hello(assistant, manager: DialogManager) -> None:
    session_id = manager.start_session()

    result = manager.handle(session_id, "hello")

    assert (result.action, result.intent, result.text) == ("small_talk", "greet", DEFAULT_REPLIES.greet)
    assert assistant.generator.calls == []
    assert event_types(manager, session_id) == ["session_started", "user", "intent", "bot"]


def test_asking_for_a_human_hands_off(manager: DialogManager) -> None:
    session_id = manager.start_session()

    result = manager.handle(session_id, "I want to talk to a human")

    assert result.handoff and result.action == "handoff" and result.text.startswith(HANDOFF)
    events = manager.store.load_events(session_id)
    assert isinstance(events[2], IntentPredicted) and events[2].intent == "human"
    [handoff] = [e for e in events if isinstance(e, HandoffRequested)]
    assert handoff.reason == "the customer asked for a human"
    assert manager.tracker(session_id).handoff_requested
    assert manager.store.turns(session_id)[0].handoff


@pytest.mark.parametrize("text", ["", "   \n\t", "x" * 100_000])
def test_invalid_message_stores_nothing(manager: DialogManager, text: str) -> None:
    session_id = manager.start_session()
    manager.handle(session_id, "hello")
    before = len(manager.store.load_events(session_id))

    with pytest.raises(InvalidMessage):
        manager.handle(session_id, text)
    with pytest.raises(InvalidMessage):
        list(manager.stream(session_id, text))

    assert len(manager.store.load_events(session_id)) == before
    assert len(manager.store.turns(session_id)) == 1


def test_invalid_message_texts_are_meant_for_the_customer() -> None:
    with pytest.raises(InvalidMessage, match="the message is empty"):
        validate_message("  ", 10)
    with pytest.raises(InvalidMessage, match="Your message is 11 characters long; the limit is 10"):
        validate_message("x" * 11, 10)
    assert validate_message("  hi  ", 2) == "hi"


def test_unknown_session(manager: DialogManager) -> None:
    with pytest.raises(UnknownSession):
        manager.handle("no-such-session", "hello")


def test_failing_retriever_gives_the_fallback_and_the_turn_is_still_stored(assistant, tmp_path: Path) -> None:
    broken = Retriever(HashEmbedder(), tmp_path / "no-index-here")
    answer = AnswerFromKnowledgeBase(broken, assistant.generator, top_k=3, min_score=0.35, max_new_tokens=160)
    manager = DialogManager(assistant.store, answer)
    session_id = manager.start_session()

    result = manager.handle(session_id, "How long is a password reset link valid?")

    assert result.action == "fallback" and result.text == FALLBACK
    assert assistant.generator.calls == []
    assert event_types(manager, session_id) == ["session_started", "user", "intent", "bot"]
    [turn] = manager.store.turns(session_id)
    assert turn.action == "fallback" and turn.answer == FALLBACK
    assert turn.error.startswith("IndexLoadError: No search index in")
    assert "IndexLoadError" in turn.reason


def test_streaming_yields_growing_text_then_the_result(manager: DialogManager) -> None:
    session_id = manager.start_session()

    updates = list(manager.stream(session_id, "How much does express shipping cost?"))

    drafts, final = updates[:-1], updates[-1]
    assert len(drafts) > 2 and not any(u.done for u in drafts)
    for previous, current in zip(drafts, drafts[1:]):
        assert current.text.startswith(previous.text) and len(current.text) > len(previous.text)
    assert final.done and final.result is not None
    assert final.text == final.result.text == drafts[-1].text
    assert "$12.50" in final.text
    assert len(manager.store.turns(session_id)) == 1


def test_history_of_a_conversation_is_replayed(manager: DialogManager) -> None:
    session_id = manager.start_session()

    manager.handle(session_id, "hello")
    manager.handle(session_id, "Do you offer gift wrapping?")
    manager.handle(session_id, "thanks!")

    tracker = manager.tracker(session_id)
    assert [user for user, _ in tracker.exchanges] == ["hello", "Do you offer gift wrapping?", "thanks!"]
    assert "$3.99" in tracker.exchanges[1][1]
    assert tracker.exchanges[2][1] == DEFAULT_REPLIES.thanks
    assert [t.user_text for t in manager.store.turns(session_id)] == ["thanks!", "Do you offer gift wrapping?", "hello"]


def test_without_a_session_id_a_conversation_starts_only_for_a_valid_message(assistant, manager: DialogManager) -> None:
    before = assistant.store.session_count()
    with pytest.raises(InvalidMessage):
        manager.handle(None, "   ", channel="cli")
    assert assistant.store.session_count() == before

    updates = list(manager.stream(None, "How much does express shipping cost?", channel="cli"))

    session_id = updates[-1].result.session_id
    assert {u.session_id for u in updates} == {session_id}
    assert assistant.store.session_count() == before + 1
    assert manager.store.load_events(session_id)[0].channel == "cli"
