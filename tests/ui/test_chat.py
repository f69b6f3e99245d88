"""The chat page handlers, driven with the fake-wired dialog manager (no browser, no server)."""

from __future__ import annotations

import copy

import pytest

from dialog.manager import TurnResult
from ui.chat import ChatPage, article_link, format_sources


def result(sources: list[dict], abstained: bool = False) -> TurnResult:
    return TurnResult("s", "answer", "answer", "why", "question", sources=sources, abstained=abstained)


def source(n: int, doc_id: str, heading: str, cited: bool = True, url: str | None = None) -> dict:
    return {"n": n, "doc_id": doc_id, "title": heading.split(" > ")[0], "heading": heading, "url": url, "score": 0.5, "cited": cited}


def test_format_sources_links_articles_and_faq_anchors() -> None:
    text = format_sources(
        result(
            [
                source(1, "accounts/reset-password", "Reset your password > How long the link works"),
                source(2, "faq#do-you-offer-gift-wrapping", "Do you offer gift wrapping?"),
                source(3, "shipping/costs", "Shipping costs", cited=False),
            ]
        )
    )

    assert text.startswith("\n\n**Sources**\n- ")
    assert "[1] [Reset your password &gt; How long the link works](/kb/accounts/reset-password)" in text
    assert "[2] [Do you offer gift wrapping?](/kb/faq#do-you-offer-gift-wrapping)" in text
    assert "shipping/costs" not in text  # not cited


def test_format_sources_uses_a_source_url_and_escapes_headings() -> None:
    text = format_sources(result([source(1, "x", "<b>Bold</b> & co", url="https://help.example/x")]))

    assert "[1] [&lt;b&gt;Bold&lt;/b&gt; &amp; co](https://help.example/x)" in text


def test_article_link_quotes_odd_characters() -> None:
    assert article_link({"doc_id": "guides/a b", "url": None}) == "/kb/guides/a%20b"


def test_no_sources_block_when_declined_or_empty() -> None:
    assert format_sources(result([source(1, "a", "A")], abstained=True)) == ""
    assert format_sources(result([])) == ""


def test_respond_streams_and_ends_with_answer_and_sources(assistant) -> None:
    page = ChatPage(assistant.manager)
    history = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "Hello!"}]

    # the handler updates one history list in place; Gradio sends each yield at once, so snapshot them
    steps = [(copy.deepcopy(h), box, sid) for h, box, sid in page.respond("  How much does express shipping cost? ", history, None)]

    assert len(steps) > 2
    session_ids = {session_id for _, _, session_id in steps}
    assert len(session_ids) == 1 and None not in session_ids
    assert all(box == "" for _, box, _ in steps)
    drafts = [h[-1]["content"] for h, _, _ in steps]
    assert all(draft.endswith(" ▌") for draft in drafts[1:-1])
    cursorless = [d.removesuffix(" ▌") for d in drafts[:-1]]
    assert all(b.startswith(a) and len(b) > len(a) for a, b in zip(cursorless, cursorless[1:]))
    final_history = steps[-1][0]
    assert final_history[:2] == history
    assert final_history[2] == {"role": "user", "content": "How much does express shipping cost?"}
    reply = final_history[3]
    assert reply["role"] == "assistant"
    assert "$12.50" in reply["content"]
    assert "**Sources**" in reply["content"]
    assert "(/kb/shipping/shipping-costs)" in reply["content"]
    assert history == final_history[:2]  # the caller's list is not modified


def test_respond_continues_the_given_session(assistant) -> None:
    page = ChatPage(assistant.manager)
    session_id = assistant.manager.start_session()

    *_, (history, _, returned) = page.respond("hello", [], session_id)

    assert returned == session_id
    assert len(assistant.manager.tracker(session_id).exchanges) == 1


def test_respond_with_unknown_session_starts_a_new_one(assistant) -> None:
    page = ChatPage(assistant.manager)

    *_, (history, _, session_id) = page.respond("hello", [], "expired-session-id")

    assert session_id != "expired-session-id"
    assert history[-1]["content"].startswith("Hello!")


@pytest.mark.parametrize("message", ["   ", "y" * 5000])
def test_invalid_message_stays_in_the_box_with_a_warning(assistant, message: str) -> None:
    page = ChatPage(assistant.manager)
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]
    sessions_before = assistant.store.session_count()

    with pytest.warns(UserWarning, match="empty|limit"):
        steps = list(page.respond(message, history, None))

    assert steps == [(history, message, None)]
    assert assistant.store.session_count() == sessions_before


def test_new_conversation_clears_everything() -> None:
    assert ChatPage.new_conversation() == ([], "", None)
