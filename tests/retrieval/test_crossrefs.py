"""Cross-references between articles: what a sentence points to, and which article that is."""

from __future__ import annotations

from retrieval.crossrefs import is_reference, linked_documents, referenced_topics, resolve, without_asides

TITLES = {
    "shipping/lost-parcels": "Lost or missing parcels",
    "shipping/tracking": "Tracking your order",
    "returns/returning-gifts": "Returning a gift",
    "contact/response-times": "How quickly we respond",
    "contact/support-hours": "Customer Support hours",
    "subscriptions/free-trial": "Northwind Plus free trial",
}


def test_topics_are_read_from_the_usual_phrasings() -> None:
    assert referenced_topics("If it says delivered, see the article on lost parcels.") == ["lost parcels"]
    assert referenced_topics("see the articles on tracking and on lost parcels.") == ["tracking", "lost parcels"]
    assert referenced_topics("Start a return (see the article on how to return an item).") == ["how to return an item"]
    assert referenced_topics("See the article about 2-step verification for backup codes.") == ["2-step verification"]
    assert referenced_topics("see the article on the free trial instead; it costs nothing") == ["the free trial"]
    assert referenced_topics("To start a return, follow the steps in the article on how to return an item.") == ["how to return an item"]
    assert referenced_topics("For how long this takes, see our refunds article.") == ["refunds"]
    assert referenced_topics("We reply within 30 days, as explained in the article on privacy requests.") == ["privacy requests"]
    assert referenced_topics("Refunds take 5-10 business days.") == []


def test_a_topic_resolves_to_the_article_whose_title_or_id_holds_its_words() -> None:
    assert resolve("lost parcels", TITLES) == "shipping/lost-parcels"
    assert resolve("returning gifts", TITLES) == "returns/returning-gifts"  # stems: gifts ~ gift
    assert resolve("response times", TITLES) == "contact/response-times"  # from the id: the title says it otherwise
    assert resolve("the free trial", TITLES) == "subscriptions/free-trial"
    assert resolve("warranty claims", TITLES) is None


def test_linked_documents_and_is_reference() -> None:
    text = "If your order has shipped but isn't moving, see the articles on tracking and on lost parcels."
    assert linked_documents(text, TITLES) == ["shipping/tracking", "shipping/lost-parcels"]
    assert is_reference(text) and not is_reference("Wait 48 hours after the Delivered update.")


def test_pointers_in_parentheses_can_be_left_out() -> None:
    text = "To get a refund, start a return from your order (see the article on how to return an item)."
    assert without_asides(text) == "To get a refund, start a return from your order."
    assert without_asides("If it was a gift, see the article on returning gifts.") == "If it was a gift, see the article on returning gifts."


def test_a_title_two_brands_share_resolves_to_the_pointing_articles_brand() -> None:
    titles = {"brand-a/returns": "Returns", "brand-b/returns": "Returns", "brand-b/shipping": "Shipping"}

    assert resolve("returns", titles, near="brand-b/shipping") == "brand-b/returns"
    assert linked_documents("Wrong size? See the article on returns.", titles, near="brand-a/shipping") == ["brand-a/returns"]
    assert resolve("returns", titles) == "brand-a/returns"  # no pointing article: the first, as before
