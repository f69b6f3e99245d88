"""The last query a follow-up is read with is the customer's, not the help centre's synonyms for it (probe: after "my
campervan is 3.5 m tall, can it go on the ferry?", a follow-up's bracket read "(my high vehicle is 3.5 m tall, ...)",
the synonym rule "campervan => high vehicle" applied). Every search still reads the synonyms."""

from __future__ import annotations

from pathlib import Path

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import HASH_MIN_SCORE, write_files
from retrieval.ingest import ingest

FERRY = {
    "onboard/vehicles.md": "# Vehicles\n\nThe car deck takes a high vehicle up to 4.2 metres. A high vehicle pays a supplement of 300 NOK.\n",
    "booking/fares.md": "# Fares\n\nAn adult pays 450 NOK and a car 1290 NOK.\n",
    "synonyms.txt": "campervan, motorhome => high vehicle\nferry, boat\n",
}


def _assistant(tmp_path: Path) -> Assistant:
    settings = load_settings(embedder="hash", answer_mode="extractive", min_retrieval_score=HASH_MIN_SCORE, correct_spelling=True)
    assistant = Assistant(settings)
    ingest([write_files(tmp_path / "kb", FERRY)], assistant.embedder, settings.index_dir)
    return assistant


def test_the_last_query_keeps_the_customers_words_and_the_search_the_synonyms(isolated: Path, tmp_path: Path) -> None:
    assistant = _assistant(tmp_path)
    manager = assistant.manager

    first = manager.handle(None, "my campervan is 3.5 m tall, can it go on the ferry?")

    # searched, and recorded, with the help centre's words (the rule, and the group "ferry, boat")
    assert "high vehicle" in first.query and "boat" in first.query
    assert [t.query for t in assistant.store.turns(first.session_id)] == [first.query]
    # the conversation goes on with the customer's (as the tracker reads it back from the stored events)
    assert manager.tracker(first.session_id).last_query == "my campervan is 3.5 m tall, can it go on the ferry?"

    # a follow-up is read with them, and searched with the synonyms again
    then = manager.handle(first.session_id, "how much does that cost?")
    read = manager.tracker(first.session_id).last_query
    assert "campervan" in read and "high vehicle" not in read
    assert "high vehicle" in then.query and "campervan" not in then.query
