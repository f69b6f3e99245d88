"""Links and e-mail addresses tell no language: "see https://x.example/y" was a Spanish message (its "y" is Spanish for
"and") and got the Spanish reply that the help centre answers only in English; so did an English message with an
address and a link. The message's language is read from its own words."""

from __future__ import annotations

import pytest

from dialog.policies import customer_language, message_language

ENGLISH = frozenset({"en"})


def unknown(word: str) -> bool:
    return False  # no word of the help centre: the test is left to the message's own words


@pytest.mark.parametrize(
    "text",
    [
        "see https://x.example/y",
        "mail me at jane.doe@example.com or https://x.example/y",
        "the page www.example.com/es/y/la/tienda is broken",
        "my address is maria.y.juan@example.es",
    ],
)
def test_links_and_addresses_tell_no_other_language(text: str) -> None:
    assert message_language(text, ENGLISH, unknown) is None


def test_a_message_in_spanish_with_a_link_is_still_spanish() -> None:
    assert message_language("¿Dónde está mi pedido? Lo compré en https://example.com/y", ENGLISH, unknown) == "es"


def test_the_customers_language_is_read_without_the_link() -> None:
    assert customer_language("see https://x.example/y", ["es"], own="en") != "es"
