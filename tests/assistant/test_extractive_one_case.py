"""Sibling sections for two cases (students, staff) answer the same question with different figures: when each part of
the question is answered from one of them, the other's sentence is not added (probe P, item 7: "I'm leaving in June,
when is my email deleted?" got the students' 90 days, then the staff's "kept for 30 days", two contradictory numbers).
Read with the demo's MiniLM."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer

ARTICLE = "Leaving the college: what happens to your account > Account closure"
STUDENTS = (
    "When you finish your course, your account stays active for 90 days after your course end date. After those 90 "
    "days your email, OneDrive files and Microsoft 365 licence are deleted and cannot be recovered. Graduates can set "
    "up email forwarding before the end date and should download anything they want to keep."
)
STAFF = (
    "Staff accounts are disabled on your last working day, as recorded by HR. Your mailbox and files are kept for 30 "
    "days for your manager to retrieve work files, and then deleted."
)
QUOTA = "Student mailboxes hold 50 GB and staff mailboxes 100 GB. When your mailbox is 95% full you can no longer send email."


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


@pytest.mark.slow
def test_the_parts_answered_for_one_case_get_no_other_case(minilm: ExtractiveAnswerer) -> None:
    headings = [f"{ARTICLE} > Students", f"{ARTICLE} > Staff", "Email mailbox quota > Mailbox size"]
    answer = minilm.answer(
        "I'm leaving in June, when is my email deleted?", [STUDENTS, STAFF, QUOTA], headings=headings, on_topic={1, 2}
    )
    assert "After those 90 days your email" in answer
    assert "30 days" not in answer
