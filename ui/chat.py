"""The customer-facing chat page. Handlers only translate between Gradio and the dialog manager."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import gradio as gr

from dialog.manager import DialogManager, InvalidMessage, TurnResult, TurnUpdate
from dialog.store import UnknownSession

ChatHistory = list[dict[str, Any]]

EXAMPLES = [
    "How long is a password reset link valid?",
    "How do I get a refund?",
    "How much does standard shipping cost?",
]
CSS = """
.sources { font-size: 0.9em; }
footer { display: none !important; }
"""


def article_link(source: dict[str, Any]) -> str:
    """Where a cited source can be read: its own URL, or the assistant's article page."""
    if source.get("url"):
        return str(source["url"])
    doc_id, _, anchor = str(source["doc_id"]).partition("#")
    return f"/kb/{quote(doc_id)}" + (f"#{quote(anchor)}" if anchor else "")


def format_sources(result: TurnResult) -> str:
    """A Markdown list of the sources, each linked to its article."""
    if result.abstained or not result.sources:
        return ""
    lines = []
    for source in result.cited_sources:
        label = html.escape(source["heading"] or source["title"])
        lines.append(f"- [{source['n']}] [{label}]({article_link(source)})")
    return "\n\n**Sources**\n" + "\n".join(lines)


class ChatPage:
    """Builds the Blocks app around a DialogManager."""

    def __init__(self, manager: DialogManager, title: str = "Help centre assistant") -> None:
        self.manager = manager
        self.title = title

    def respond(self, message: str, history: ChatHistory, session_id: str | None) -> Iterator[tuple[Any, ...]]:
        """Stream the reply into the chat; an invalid message stays in the box with a warning."""
        history = list(history or [])
        try:
            turn, first = self._first_step(session_id, message)
        except InvalidMessage as error:
            gr.Warning(str(error))
            yield history, message, session_id
            return
        session_id = first.session_id
        history.append({"role": "user", "content": message.strip()})
        history.append({"role": "assistant", "content": first.text})
        yield history, "", session_id
        for update in turn:
            if update.done and update.result is not None:
                history[-1] = {"role": "assistant", "content": update.text + format_sources(update.result)}
            else:
                history[-1] = {"role": "assistant", "content": update.text + " ▌"}
            yield history, "", session_id

    def _first_step(self, session_id: str | None, message: str) -> tuple[Iterator[TurnUpdate], TurnUpdate]:
        """Start the turn; a session id the store no longer knows (e.g. purged) starts a new conversation."""
        try:
            turn = self.manager.stream(session_id or None, message, channel="web")
            return turn, next(turn)
        except UnknownSession:
            turn = self.manager.stream(None, message, channel="web")
            return turn, next(turn)

    @staticmethod
    def new_conversation() -> tuple[ChatHistory, str, None]:
        return [], "", None

    def build(self) -> gr.Blocks:
        with gr.Blocks(title=self.title, analytics_enabled=False) as page:
            gr.Markdown(f"## {self.title}\nAsk about orders, shipping, returns, billing, subscriptions or your account.")
            session_id = gr.State(None)
            chatbot = gr.Chatbot(
                label="Conversation",
                height=520,
                elem_id="chat",
                buttons=["copy"],
                feedback_options=None,
                placeholder="Answers come from the help centre, with links to the articles they cite.",
            )
            with gr.Row():
                box = gr.Textbox(
                    placeholder="Type your question…", show_label=False, scale=5, elem_id="question", autofocus=True
                )
                send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
            with gr.Row():
                new = gr.Button("New conversation", elem_id="new-conversation", size="sm")
            gr.Examples(EXAMPLES, inputs=box, label="Try")
            outputs = [chatbot, box, session_id]
            for trigger in (box.submit, send.click):
                trigger(self.respond, [box, chatbot, session_id], outputs, show_progress="hidden")
            new.click(self.new_conversation, None, outputs)
        return page
