"""What the form of a message says about the sentence that answers it: a request to do something wants the
instruction, "it hasn't arrived" wants what to do when it has not, an FAQ entry answers only its own question,
and a sentence with no country is about the countries its passage names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from assistant.lm.extractive import ExtractiveAnswerer
from retrieval.embedders import HashEmbedder


class SetSimilarity:
    """An embedder whose cosine between the question (the first text) and a sentence is the one ``similar`` gives for
    the first of its keys the sentence holds (0 for none): the demo model's figures, without the model."""

    name = "set-similarity"

    def __init__(self, similar: Mapping[str, float]) -> None:
        self.similar = similar

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        cosines = [1.0] + [next((v for k, v in self.similar.items() if k in text), 0.0) for text in texts[1:]]
        return np.array([[c, np.sqrt(max(0.0, 1 - c * c))] for c in cosines], dtype=np.float32)

RETURN_STEPS = (
    "1. Go to **Orders** and select the order.\n2. Press **Return items**.\n3. Tick the items you want to send back.\n"
    "4. Press **Submit return**."
)
AFTER_DROP_OFF = (
    "You can follow your return under **Orders**: its status changes to **Return in transit**, then **Refunded**. "
    "Refund times depend on your payment method."
)


def answer(question: str, passages: list[str], headings: list[str]) -> str:
    return ExtractiveAnswerer(HashEmbedder()).answer(question, passages, headings=headings)


def test_a_request_to_do_something_gets_the_steps() -> None:
    """'I want to return a jacket' got 'You can follow your return under Orders ...' (cosine 0.44; the step that
    names returns 0.38), not the steps."""
    headings = ["How to return an item > Start your return", "How to return an item > After drop-off"]
    embedder = SetSimilarity({"follow your return": 0.44, "Return items": 0.38, "Go to": 0.33, "Tick": 0.3, "Submit": 0.3})
    for question in ("I want to return a jacket", "I'd like to return some shoes", "how do I return a dress"):
        reply = ExtractiveAnswerer(embedder).answer(question, [RETURN_STEPS, AFTER_DROP_OFF], headings=headings)
        assert reply.startswith("1. Go to **Orders**"), (question, reply)
        assert "4. Press **Submit return**" in reply


def test_how_do_i_gets_the_instruction_not_a_sentence_that_shares_a_word() -> None:
    passages = [
        "Go to **Account > Manage membership** and press **Cancel membership**. Your membership won't renew after that.",
        "If you cancel an annual membership, you keep your benefits until the end of your membership year and there is no refund.",
    ]
    headings = ["Cancel Northwind Plus > How to cancel", "Cancel Northwind Plus > Annual plan"]
    for question in ("how do i end my membership", "how can I end my membership?"):
        assert answer(question, passages, headings).startswith("Go to **Account > Manage membership**"), question


def test_a_problem_told_without_a_question_gets_what_to_do() -> None:
    passages = [
        "If an item arrives damaged, report it within 7 days of delivery. Go to **Orders**, select the order, press "
        "**Report a problem** and choose **Item damaged or faulty**.",
        "Items that are damaged by misuse are not covered by the smashed-screen guarantee of the maker.",
    ]
    headings = ["Damaged items > Report it within 7 days", "Warranty > What is not covered"]
    reply = answer("the lamp i got is smashed", passages, headings)
    assert "**Report a problem**" in reply and "misuse" not in reply


def test_something_that_has_not_happened_gets_what_to_do_if_it_has_not() -> None:
    passages = [
        "Refunds always go back to the original payment method. We cannot send a refund to a different card or account.",
        'If your refund has not arrived 10 business days after our "Your refund is on its way" email, contact Customer Support.',
    ]
    headings = ["Refunds > How to get a refund", "Refunds > Cancelled orders"]
    for question in ("the refund hasnt shown up on my card", "my refund still hasn't arrived on my card"):
        assert answer(question, passages, headings).startswith("If your refund has not arrived"), question


def test_an_faq_entry_answers_its_own_question_only() -> None:
    """'can I order by phone?' got the cancel FAQ's 'Yes, as long as ...' (cosines as the demo model's)."""
    passages = [
        "Yes, as long as the order status is Received or Processing. Go to Orders, select the order and press Cancel order.",
        "Have your order number ready before you call. We never ask for your password over the phone.",
    ]
    headings = ["Can I cancel my order?", "Phone support > Before you call"]
    embedder = SetSimilarity({"Yes, as long": 0.5, "Go to Orders": 0.54, "Have your order": 0.46, "We never ask": 0.35})
    reply = ExtractiveAnswerer(embedder).answer("can I order by phone?", passages, headings=headings)
    assert "Yes, as long as" not in reply and "Cancel order" not in reply
    # its own question, in other words, is still answered from it
    own = ExtractiveAnswerer(embedder).answer("can I cancel an order?", passages, headings=headings)
    assert "press Cancel order. [1]" in own and "[2]" not in own


def test_a_sentence_with_no_country_is_about_those_its_passage_names() -> None:
    passages = [
        "- Standard: 3-5 business days\n- Express: 1-2 business days\n- Standard to Alaska and Hawaii: 5-8 business days",
        "- **International Standard**: 7-14 business days, $14.95\n- **International Express**: 3-5 business days, $34.95",
    ]
    headings = ["Delivery times > From dispatch to your door", "International shipping > Options and costs"]
    for question in ("how long does delivery to australia take", "how long does shipping to the UK take?"):
        reply = answer(question, passages, headings)
        assert reply.startswith("Options and costs:\n\n- **International"), (question, reply)  # the list under its heading
        assert "Standard: 3-5" not in reply
    assert answer("how long does delivery to Texas take?", passages, headings).startswith("From dispatch to your door:\n\n- Standard: 3-5")


def test_the_forms_of_a_message() -> None:
    from assistant.lm.extractive import asks_for_steps, says_not_happened

    assert asks_for_steps("I want to return a jacket") and asks_for_steps("How do I reset my password?")
    assert asks_for_steps("the lamp i got is smashed")  # a problem of the customer's, told, not asked
    assert not asks_for_steps("wen does custmer suport open")  # a question with no question mark, nothing of the customer's
    assert not asks_for_steps("How long does delivery take?")
    assert says_not_happened("the refund hasnt shown up") and says_not_happened("my parcel has not arrived")
    assert not says_not_happened("the refund arrived, thanks") and not says_not_happened("Is it not free?")


EXCHANGE_STEPS = (
    "Start the same way as a return: go to **Orders**, select the order, press **Return items**, tick the item and choose "
    "**Exchange**. Then pick the size or colour you want and press **Submit return**."
)
EXCHANGE_WHAT = "You can exchange an item for the same product in a different size or colour."
DAMAGED = "Go to **Orders**, select the order, press **Report a problem** and choose **Item damaged or faulty** or **Wrong item received**."


def test_a_prose_step_that_goes_on_brings_the_step_before_it() -> None:
    """'exchange these shoes for a bigger size' (an imperative) got 'You can exchange an item ...' alone (cosine
    0.42, the steps 0.35 and 0.25): it asks what to do, and 'Then pick the size ...' needs 'Start ...: go to ...'."""
    embedder = SetSimilarity({"exchange an item": 0.42, "Then pick": 0.35, "Start the same": 0.25})
    headings = ["Exchanges > What you can exchange", "Exchanges > How to exchange"]
    reply = ExtractiveAnswerer(embedder).answer("exchange these shoes for a bigger size", [EXCHANGE_WHAT, EXCHANGE_STEPS], headings=headings)
    assert "Start the same way as a return" in reply and "Then pick the size" in reply, reply
    assert reply.index("Start the same way") < reply.index("Then pick"), reply


def test_between_close_sentences_the_first_article_answers() -> None:
    """'I ordered the wrong size' found the exchanges article first and the damaged-items article fifth, but got the
    latter's *Report a problem* step (0.605 against the exchange step's 0.599: both instructions, and the step names the wrong item)."""
    embedder = SetSimilarity({"Then pick": 0.33, "Start the same": 0.15, "Report a problem": 0.35})
    headings = ["Exchanges > How to exchange", "Damaged, faulty or wrong items > Report it within 7 days"]
    reply = ExtractiveAnswerer(embedder).answer("I ordered the wrong size", [EXCHANGE_STEPS, DAMAGED], headings=headings)
    assert "Then pick the size" in reply and "Report a problem" not in reply, reply


def test_an_instruction_under_a_condition_of_the_customer_is_an_instruction() -> None:
    """'If you need ... on your invoices, add them under **Account > Billing details**' is what to do; once the first
    article's instructions were preferred, the invoices article's *Download invoice* step took its place."""
    passages = [
        "If you need your company name or a VAT or tax ID on your invoices, add them under **Account > Billing details > "
        "Add business details** before you place the order. Business details are printed on every invoice created after you save them.",
        "An invoice is created as soon as an order ships. To download it, go to **Orders**, select the order and press **Download invoice**.",
    ]
    headings = ["Invoices > Business details and tax numbers", "Invoices > Downloading an invoice"]
    embedder = SetSimilarity({"VAT": 0.67, "Business details are": 0.61, "To download": 0.55, "created as soon": 0.48})
    reply = ExtractiveAnswerer(embedder).answer("How do I get my company's VAT number printed on my invoices?", passages, headings=headings)
    assert reply.startswith("If you need your company name"), reply


def test_a_question_after_what_the_customer_tells_first_is_asked_not_a_request_for_steps() -> None:
    """'my email is jane@example.com where is my refund' (no stop, no question mark) was read as a problem told without a
    question, which prefers an instruction: the return steps answered instead of the refund time."""
    passages = [
        "Log in to your Velo account, open **My orders**, choose the order and click **Return items**.",
        "Refunds are issued to the original payment method within 7 business days after the warehouse receives the parcel.",
    ]
    headings = ["Returns and refunds > How to start a return", "Returns and refunds > Refund timing"]
    embedder = SetSimilarity({"Log in": 0.52, "Refunds are issued": 0.5})
    reply = ExtractiveAnswerer(embedder).answer("my email is jane@example.com where is my refund", passages, headings=headings)
    assert reply.startswith("Refunds are issued") and "Return items" not in reply
    # a problem told without a question still gets what to do
    assert "Return items" in ExtractiveAnswerer(embedder).answer("my refund is wrong, I want my money back", passages, headings=headings)


def test_a_size_chart_answers_with_the_row_whose_range_holds_the_figure_asked_about() -> None:
    """'What frame size for 180 cm?' got every row of the size chart (155-165, 165-175, 175-185 cm): the right one is L."""
    chart = (
        "Velo size chart\nRider height 155-165 cm: frame size S (50 cm).\nRider height 165-175 cm: frame size M (54 cm).\n"
        "Rider height 175-185 cm: frame size L (58 cm).\nRider height above 185 cm: frame size XL (62 cm)."
    )
    embedder = SetSimilarity({"155-165": 0.6, "165-175": 0.6, "175-185": 0.58, "above 185": 0.55})
    reply = ExtractiveAnswerer(embedder).answer("What frame size for 180 cm?", [chart], headings=["Velo size chart"])
    assert reply == "Rider height 175-185 cm: frame size L (58 cm). [1]"
    assert "frame size S" in ExtractiveAnswerer(embedder).answer("What frame size for 160 cm?", [chart], headings=["Velo size chart"])
