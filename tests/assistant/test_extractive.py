"""Extractive answering: the passage sentence closest to the question, verbatim and cited."""

from __future__ import annotations

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.lm.extractive import ExtractiveAnswerer, split_sentences
from conftest import HASH_MIN_SCORE
from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest


def test_split_sentences_drops_list_markers_and_fragments() -> None:
    text = "Links expire after 30 minutes. They work once!\n- Open the email and press Reset.\n1. Done."
    assert split_sentences(text) == ["Links expire after 30 minutes.", "They work once!", "Open the email and press Reset."]


def test_answer_is_the_closest_sentence_with_its_passage_number() -> None:
    answerer = ExtractiveAnswerer(HashEmbedder())
    passages = [
        "Standard shipping costs $4.95. Express shipping costs $12.50 and takes 1-2 business days.",
        "Password reset links expire after 30 minutes. A new password needs 10 characters.",
    ]

    answer = answerer.answer("How long do password reset links last before they expire?", passages)

    assert answer.startswith("Password reset links expire after 30 minutes. [2]")
    assert answerer.answer("anything", []) == ""


def test_extractive_mode_answers_without_a_generator(kb_dir, isolated) -> None:
    settings = load_settings(embedder="hash", generator="no-such-model", answer_mode="extractive", min_retrieval_score=HASH_MIN_SCORE)
    assistant = Assistant(settings)
    ingest([kb_dir], assistant.embedder, settings.index_dir)
    manager = assistant.manager  # builds no generator: "no-such-model" would be an error

    result = manager.handle(manager.start_session(), "How long do password reset links work?")

    assert result.model == "extractive" and not result.abstained
    assert "30 minutes" in result.text
    assert result.cited_sources[0]["doc_id"] == "accounts/reset-password"
    assert "extraction_ms" in result.timings_ms and "generation_ms" not in result.timings_ms
