"""Keyword search ignores the question words short customer questions are made of ("how", "do", "can",
"my", "what"), so BM25 ranks by the words that say what the question is about."""

from __future__ import annotations

from retrieval.keyword import KeywordIndex, cjk_tokens

HELP_CENTRE = [
    "Can I change my order? Yes, you can while it is processing: open Orders and press Change.",
    "How do I track my order? Open Orders, select the order and press Track.",
    "What can I do if my promo code doesn't work? Check its end date.",
    "Refunds go back to the original payment method within 5 business days of the return arriving.",
    "A password reset link is valid for 30 minutes.",
]


def test_question_words_do_not_draw_a_question_to_the_faq_entries_that_share_them() -> None:
    index = KeywordIndex(list(range(len(HELP_CENTRE))), HELP_CENTRE, tokenizer="english")
    # the FAQ entries share "how", "do", "can", "my", "what" with the questions; only one text holds the subject
    assert index.search("How can I get my refund?", 1)[0][0] == 3
    assert index.search("What do I do when my reset link has expired?", 1)[0][0] == 4


def test_a_question_of_question_words_only_finds_nothing() -> None:
    index = KeywordIndex(list(range(len(HELP_CENTRE))), HELP_CENTRE, tokenizer="english")
    assert index.search("How can I do what you do?", 3) == []


def test_coverage_counts_only_the_words_that_say_what_the_question_is_about() -> None:
    index = KeywordIndex(list(range(len(HELP_CENTRE))), HELP_CENTRE, tokenizer="english")
    found, coverage = index.search_with_coverage(["How do I get my refund back?"], 3)
    # "get" is in no text, so it counts against coverage; "how", "do", "I" and "my" are not counted at all
    assert found[0][0][0] == 3
    assert 0.0 < coverage[0] < 1.0
    _, full = index.search_with_coverage(["Is my password reset link valid?"], 3)
    assert full[0] == 1.0


def test_the_cjk_tokeniser_drops_the_same_question_words_from_latin_text() -> None:
    assert cjk_tokens("how do I get my 退款") == ["get", "退款"]
