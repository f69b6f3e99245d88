"""A list item chosen as the answer is shown even when its list is longer than the items an answer shows."""

from __future__ import annotations

from assistant.lm.extractive import MOST_LIST_ITEMS, ExtractiveAnswerer
from test_extractive_question_forms import SetSimilarity

METHODS = ["Card", "PayPal", "Klarna", "Apple Pay", "Google Pay", "Bank transfer", "Cash on delivery", "Gift card balance"]
REFUND_TIMES = "Refunds reach you in this time, by how you paid:\n" + "\n".join(
    f"- {method}: {n + 2} business days" if method != "Gift card balance" else f"- {method}: instantly"
    for n, method in enumerate(METHODS)
)


def test_the_chosen_item_of_a_long_list_not_singled_out_is_in_the_answer() -> None:
    assert len(METHODS) > MOST_LIST_ITEMS
    embedder = SetSimilarity({"Gift card balance": 0.9, "Refunds reach": 0.5, "- ": 0.3})
    text = ExtractiveAnswerer(embedder).answer("when is the money back on my voucher?", [REFUND_TIMES], headings=["Refund times"])

    assert "Gift card balance: instantly" in text
