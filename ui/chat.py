"""The customer-facing chat page. Handlers only translate between Gradio and the dialog manager.

The conversation lives in the store, not in the page: the browser keeps only the session id (in
``localStorage``, through ``gr.BrowserState``), and a reload rebuilds the chat from the session's events.
The id is kept as ``{"session_id": ...}``: Gradio does not write a falsy value to the browser's storage, so a
bare ``None`` could not forget a conversation.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import gradio as gr

from dialog.detached import finish_alone
from assistant.api_security import Limiter, Rate, limiter_factory, take_or_refuse
from dialog.events import AgentMessage, BotAnswer, Event, FeedbackGiven, UserMessage
from dialog.manager import DialogManager, InvalidMessage, TurnResult, TurnUpdate, validate_message
from dialog.store import ConversationChanged, UnknownSession
from dialog.tracker import Tracker
from retrieval.metadata import web_link

ChatHistory = list[dict[str, Any]]

EXAMPLES = [
    "How long is a password reset link valid?",
    "How do I get a refund?",
    "How much does standard shipping cost?",
]
# Sent through the dialog like any message, so the rules recognise it and the turn is logged as a handoff.
HANDOFF_REQUEST = "I'd like to talk to a person, please."
HANDOFF_BANNER = (
    '<div class="handoff-banner" role="status"><strong>A member of our team will take over this conversation.</strong> '
    "They can see the messages below and will reply here.</div>"
)
AGENT_BANNER = (
    '<div class="handoff-banner" role="status"><strong>You are talking with {agent} from our support team.</strong> '
    "Their replies appear below.</div>"
)
POLL_SECONDS = 3  # while a person has the conversation, how often the page looks for their replies
IDLE_POLL_SECONDS = 15  # otherwise (staff may take a conversation over without a handoff)
HUMAN_LABEL, BACK_LABEL = "Talk to a human", "Back to the assistant"
MAX_OPTIONS = 4  # buttons for a clarifying question's choices
SESSION_STORAGE_KEY = "support-assistant-session"
# BrowserState encrypts with a secret that the page itself sends to the browser, so it hides nothing from
# the customer; a fixed one only keeps stored session ids readable across server restarts.
SESSION_STORAGE_SECRET = "support-assistant-session-v1"
COMMENT_LABEL = {1: "Anything to add? (optional)", -1: "What was wrong with this answer? (optional)"}
THUMB = {1: "Like", -1: "Dislike"}  # the chat's names for a rating
FOCUS_QUESTION_BOX = "() => { document.querySelector('#question textarea')?.focus(); }"
# Markdown that would change how typed text looks: emphasis, code, links, headings, tables, strike-through,
# maths; and, at the start of a line, list, quote and heading markers
_MARKDOWN_ANYWHERE = re.compile(r"([\\`*_\[\]#|~$])")
_MARKDOWN_LINE_START = re.compile(r"^(\s*\d*)([-+=.)])", re.MULTILINE)  # "- a", "+ a", "1. a", "2) a", "==="
# Gradio's Soft theme with its indigo one step darker where it sits under or is text: white on indigo-500 (the
# Send button) is 4.46:1, lighter still on hover, and indigo-500 labels ("Try") 4.27:1, under WCAG AA's 4.5:1.
THEME = gr.themes.Soft().set(
    button_primary_background_fill="*primary_600", button_primary_background_fill_hover="*primary_700",
    block_label_text_color="*primary_600", block_title_text_color="*primary_600",
)
CSS = """
.sources { font-size: 0.9em; }
footer { display: none !important; }
.handoff-banner { padding: 0.7rem 0.9rem; border-radius: 8px; background: #fff4d6; color: #4a3600;
  border: 1px solid #f0c75e; line-height: 1.4; }
#chat-actions button { flex: 1 1 auto; }
#clarify-options button { flex: 0 1 auto; }
/* the chat's own clear (bin) button covers the first message; "New conversation" does the same job */
#chat button[aria-label="Clear"] { display: none !important; }
/* narrower side margins on phones; outside the media query, whose rules Gradio scopes to the page's content */
.gradio-container .main { padding-left: min(32px, 3vw) !important; padding-right: min(32px, 3vw) !important; }
/* the page's one h1 (screen readers jump to it), at the size of the h2 it was */
#chat-header h1 { font-size: 1.375rem; margin: 0 0 0.5rem; }
/* inside the embed widget, which shows its own title bar: read by screen readers, not shown */
#chat-header.heading-for-screen-readers { position: absolute !important; width: 1px; height: 1px; padding: 0;
  margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
/* the theme marks a focused text box by a shadow too faint to see (and forbids an outline): a ring, as on the
   buttons, in the text's colour (dark on light, light in dark mode) */
#question textarea:focus, #feedback-comment textarea:focus {
  outline: 2px solid var(--body-text-color) !important; outline-offset: 1px; }
@media (max-width: 480px) {
  #chat-header h1 { font-size: 1.25rem; margin: 0.2rem 0; }
  #chat-header p { font-size: 0.9rem; }
}
"""


def article_link(source: dict[str, Any]) -> str:
    """Where a cited source can be read: its own URL (a web address; an index built before loaders checked
    that may hold a ``javascript:`` one), or the assistant's article page."""
    url = web_link(source.get("url"))
    if url:
        return url
    doc_id, _, anchor = str(source["doc_id"]).partition("#")
    return f"/kb/{quote(doc_id)}" + (f"#{quote(anchor)}" if anchor else "")


def format_source_list(sources: Iterable[dict[str, Any]]) -> str:
    """A Markdown list of sources, each linked to its article; empty for no sources."""
    lines = []
    for source in sources:
        label = html.escape(source.get("heading") or source.get("title") or str(source["doc_id"]))
        lines.append(f"- [{source['n']}] [{label}]({article_link(source)})")
    return "\n\n**Sources**\n" + "\n".join(lines) if lines else ""


def format_sources(result: TurnResult) -> str:
    """A Markdown list of the sources, each linked to its article."""
    if result.abstained or not result.sources:
        return ""
    return format_source_list(result.cited_sources)


def plain_text(text: str) -> str:
    """Typed text (a customer's message, a staff reply) for the Markdown chat, so that it shows as typed:
    HTML is escaped and Markdown marks are taken literally."""
    escaped = _MARKDOWN_ANYWHERE.sub(r"\\\1", html.escape(text, quote=False))
    return _MARKDOWN_LINE_START.sub(r"\1\\\2", escaped)


def staff_message(author: str, text: str) -> str:
    """A staff reply as the chat shows it: who wrote it, then what they wrote."""
    return f"**{html.escape(author or 'Support')}** · support team\n\n{plain_text(text)}"


def _messages(events: Iterable[Event]) -> Iterator[tuple[dict[str, Any], int | None]]:
    """The chat's messages, each with the turn it answers (None: a customer message, a staff reply, a hand-back)."""
    turns, last_role = 0, None
    for event in events:
        if isinstance(event, UserMessage):
            turns += 1
            last_role = "user"
            yield {"role": "user", "content": plain_text(event.text)}, None
        elif isinstance(event, BotAnswer):
            sources = "" if event.abstained else format_source_list(event.citations)
            answers = last_role == "user" and event.action != "hand_back"
            last_role = "assistant"
            yield {"role": "assistant", "content": event.text + sources}, turns if answers else None
        elif isinstance(event, AgentMessage):
            last_role = "staff"
            yield {"role": "assistant", "content": staff_message(event.author, event.text)}, None


def history_from_events(events: Iterable[Event]) -> ChatHistory:
    """The chat as the customer saw it, rebuilt from a session's events: their messages, the answers with
    the sources they cite (the store keeps the cited ones), and the replies of staff."""
    return [message for message, _ in _messages(events)]


def message_turns(events: Iterable[Event]) -> list[int | None]:
    """For each message of ``history_from_events``: the turn number an answer belongs to, else None."""
    return [turn for _, turn in _messages(events)]


def feedback_values(events: Sequence[Event]) -> list[str | None]:
    """For each assistant message of ``history_from_events``: the customer's thumb on it as it stands
    ("Like", "Dislike" or None), so that a reload shows the thumbs that were given."""
    ratings: dict[int, int] = {}
    for event in events:
        if isinstance(event, FeedbackGiven) and event.source == "customer" and event.rating is not None:
            ratings[event.turn_no] = event.rating
    return [
        THUMB.get(ratings.get(turn, 0)) if turn is not None else None
        for message, turn in _messages(events)
        if message["role"] == "assistant"
    ]


def pending_options(events: Iterable[Event]) -> list[str]:
    """The choices of the clarifying question the conversation ends with; empty when it ends otherwise."""
    clarification = Tracker.from_events("", events).clarification
    return list(clarification.options) if clarification is not None else []


def turn_of_message(history: Sequence[dict[str, Any]], index: Any) -> int | None:
    """The turn number (1-based, as the dialog counts them) that the assistant message at ``index``
    answered: each turn is one customer message and its reply. None for anything else (a user message,
    an index out of range, a message with no question before it)."""
    if not isinstance(index, int) or not 0 <= index < len(history) or history[index].get("role") != "assistant":
        return None
    if index == 0 or history[index - 1].get("role") != "user":
        return None
    return sum(message.get("role") == "user" for message in history[: index + 1])


class ChatPage:
    """Builds the Blocks app around a DialogManager."""

    def __init__(
        self,
        manager: DialogManager,
        title: str = "Help centre assistant",
        per_ip: Rate | None = None,
        per_session: Rate | None = None,
        make_limiter: Callable[[Rate, str], Limiter] | None = None,
    ) -> None:
        self.manager = manager
        self.title = title
        # the same message limits as the HTTP API (settings rate_limit_per_ip / _per_session); with
        # ``make_limiter`` the API's own (shared through Redis when that is set)
        make = make_limiter or limiter_factory()
        self.per_ip = make(per_ip, "ip") if per_ip else None
        self.per_session = make(per_session, "session") if per_session else None

    def too_many_messages(self, client: str | None, session_id: str | None) -> str | None:
        """The warning to show when this address or conversation is over its message limit, else None
        (and the message is counted)."""
        checks = [(limiter, key, what) for limiter, key, what in (
            (self.per_ip, client, "from this address"), (self.per_session, session_id, "in this conversation")
        ) if limiter is not None and key]
        refused = take_or_refuse(checks)
        if refused is None:
            return None
        seconds, limiter, what = refused
        return f"Too many messages {what}: the limit is {limiter.rate}. Please wait {seconds} second(s)."

    def respond(
        self, message: str, history: ChatHistory, session_id: str | None, request: gr.Request | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the reply into the chat; an invalid message, or one over the rate limits, stays in the
        box with a warning. The message moves from the box to the chat at once, and the box is not touched
        again, so the customer can type the next one meanwhile."""
        history = list(history or [])
        client = request.client.host if request is not None and request.client is not None else None
        refused = self.too_many_messages(client, session_id)
        try:
            if refused:
                raise InvalidMessage(refused)
            text = validate_message(message, self.manager.max_message_chars)
        except InvalidMessage as error:
            gr.Warning(str(error))
            yield history, message, session_id
            return
        asked = {"role": "user", "content": plain_text(text)}
        yield [*history, asked], "", session_id
        try:
            turn, first = self._first_step(session_id, text)
        except InvalidMessage as error:
            gr.Warning(str(error))
            yield history, message, session_id
            return
        continued = bool(session_id) and first.session_id == session_id
        if session_id and not continued:  # the old conversation is gone: show only the new one
            history = []
        session_id = first.session_id
        history.append(asked)
        history.append({"role": "assistant", "content": first.text})
        yield history, gr.update(), session_id
        for update in itertools.chain([first] if first.done else [], turn):
            if update.done and update.result is not None:
                if update.text:
                    history[-1] = {"role": "assistant", "content": update.text + format_sources(update.result)}
                else:  # passed on to the person who has the conversation: no reply from the assistant
                    history.pop()
                if continued and update.text and turn_of_message(history, len(history) - 1) != update.result.turn_no:
                    # another tab added turns meanwhile: show the stored conversation, so that a thumb on
                    # any answer still names the right turn
                    history = self.restore(self.remember(session_id))[0]
            else:
                history[-1] = {"role": "assistant", "content": update.text + " ▌"}
            yield history, gr.update(), session_id

    def _first_step(self, session_id: str | None, message: str) -> tuple[Iterator[TurnUpdate], TurnUpdate]:
        """Start the turn; a session id the store no longer knows (e.g. purged) starts a new conversation.
        The rest runs on by itself (``finish_alone``): a customer who closes the page mid-reply loses no turn."""
        try:
            turn = self.manager.stream(session_id or None, message, channel="web")
            first = next(turn)
        except UnknownSession:
            turn = self.manager.stream(None, message, channel="web")
            first = next(turn)
        return finish_alone(turn), first

    def talk_to_human(self, history: ChatHistory, session_id: str | None) -> Iterator[tuple[ChatHistory, str | None]]:
        """Ask for a person through the dialog, so the turn is logged as a handoff like a typed request."""
        for history, _, session_id in self.respond(HANDOFF_REQUEST, history, session_id):
            yield history, session_id

    def person_button(
        self, label: str, history: ChatHistory, session_id: str | None
    ) -> Iterator[tuple[ChatHistory, str | None]]:
        """The button under the chat, by the label the customer clicked: "Talk to a human", or, while a
        person has the conversation, "Back to the assistant", which hands it back (the customer need not
        wait for staff who may be away). A label the page had not yet updated (staff took the conversation
        over, another tab handed it off or back) changes nothing: the page shows how things stand."""
        with_person = self.handed_off(session_id)
        if label == BACK_LABEL and session_id and with_person:
            try:
                self.manager.hand_back(session_id, author="customer")
            except (InvalidMessage, UnknownSession, ConversationChanged) as error:  # staff handed it back meanwhile, …
                gr.Info(str(error))
        elif label == BACK_LABEL or with_person:
            gr.Info("A member of our team has this conversation." if with_person else "You are talking with the assistant.")
        else:
            yield from self.talk_to_human(history, session_id)
            return
        yield self.restore(self.remember(session_id))

    def restore(self, saved: Any) -> tuple[ChatHistory, str | None]:
        """The stored conversation for the session id the browser kept (``remember``); an unknown one, or
        anything unreadable, starts afresh."""
        session_id = saved.get("session_id") if isinstance(saved, dict) else None
        if not session_id or not isinstance(session_id, str):
            return [], None
        try:
            events = self.manager.store.load_events(session_id)
        except UnknownSession:
            return [], None
        return history_from_events(events), session_id

    def tracker(self, session_id: str | None) -> Tracker | None:
        if not session_id:
            return None
        try:
            return self.manager.tracker(session_id)
        except UnknownSession:
            return None

    def handed_off(self, session_id: str | None) -> bool:
        """Whether a person has the conversation (handed off and not handed back)."""
        tracker = self.tracker(session_id)
        return tracker is not None and tracker.with_person

    def handoff_state(self, session_id: str | None, tracker: Tracker | None = None) -> tuple[Any, Any, Any]:
        """While a person has the conversation: the banner (naming them once they have written), the button
        offering to go back to the assistant, and the timer fetching replies every few seconds. Otherwise no
        banner, "Talk to a human", and (once there is a conversation) a slow timer, for a takeover by staff."""
        tracker = tracker or self.tracker(session_id)
        with_person = tracker is not None and tracker.with_person
        agent = tracker.agent if tracker is not None else None
        banner = AGENT_BANNER.format(agent=html.escape(agent)) if agent else HANDOFF_BANNER
        return (
            gr.update(visible=with_person, value=banner),
            gr.update(value=BACK_LABEL if with_person else HUMAN_LABEL),
            gr.update(active=tracker is not None, value=POLL_SECONDS if with_person else IDLE_POLL_SECONDS),
        )

    def poll(self, history: ChatHistory, session_id: str | None) -> tuple[Any, ...]:
        """While a person has the conversation: show their new replies (or the hand-back) and the handoff state."""
        tracker = self.tracker(session_id)
        if tracker is None:
            return gr.update(), *self.handoff_state(None, tracker)
        stored, shown = history_from_events(tracker.events), list(history or [])
        if len(stored) <= len(shown):  # nothing new (a reply in flight is longer: keep it)
            return gr.update(), *self.handoff_state(session_id, tracker)
        # the customer's messages stay as they typed them (the stored copy has personal data redacted)
        merged = [
            shown[i] if i < len(shown) and shown[i].get("role") == message["role"] == "user" else message
            for i, message in enumerate(stored)
        ]
        return merged, *self.handoff_state(session_id, tracker)

    @staticmethod
    def remember(session_id: str | None) -> dict[str, str | None]:
        """What the browser keeps to find the conversation again after a reload."""
        return {"session_id": session_id}

    def option_buttons(self, session_id: str | None, tracker: Tracker | None = None) -> list[Any]:
        """One update per option button: the open clarifying question's choices, the rest hidden."""
        tracker = tracker or self.tracker(session_id)
        options = pending_options(tracker.events)[:MAX_OPTIONS] if tracker is not None else []
        return [
            gr.update(value=options[i], visible=True) if i < len(options) else gr.update(visible=False)
            for i in range(MAX_OPTIONS)
        ]

    def sync(self, session_id: str | None) -> tuple[Any, ...]:
        """After anything that may change the conversation: the handoff state, the id the browser keeps, the
        buttons of an open clarifying question, and the thumbs given."""
        tracker = self.tracker(session_id)
        thumbs = feedback_values(tracker.events) if tracker is not None else []
        return (
            *self.handoff_state(session_id, tracker), self.remember(session_id), *self.option_buttons(session_id, tracker),
            gr.update(feedback_value=thumbs),
        )

    def rate(self, history: ChatHistory, session_id: str | None, like: gr.LikeData) -> tuple[Any, ...]:
        """Store a thumbs up or down on the answer's turn, then offer a comment box for it."""
        closed = (None, gr.update(visible=False), gr.update())
        turn_no = self.turn_of(session_id, history, like.index)
        if not session_id or turn_no is None:
            gr.Warning("Only the assistant's answers can be rated.")
            return closed
        rating = {True: 1, False: -1}.get(like.liked, 0)  # 0: the thumb was clicked again to take it back
        try:
            self.manager.give_feedback(session_id, turn_no, rating)
        except (InvalidMessage, UnknownSession) as error:
            gr.Warning(str(error))
            return closed
        if not rating:
            return closed
        return turn_no, gr.update(visible=True), gr.update(value="", label=COMMENT_LABEL[rating])

    def comment(self, text: str, session_id: str | None, turn_no: int | None) -> tuple[Any, ...]:
        """Store the comment as feedback on the turn that was rated; an empty one just closes the box."""
        if session_id and turn_no and (text or "").strip():
            try:
                self.manager.give_feedback(session_id, turn_no, None, text)
            except (InvalidMessage, UnknownSession) as error:
                gr.Warning(str(error))
                return turn_no, gr.update(visible=True), gr.update()
            gr.Info("Thank you, your comment was sent.")
        return self.close_comment()

    def turn_of(self, session_id: str | None, history: ChatHistory, index: Any) -> int | None:
        """The turn the message at ``index`` answers, from the stored events when the page shows them all;
        None for a customer message or a staff reply."""
        tracker = self.tracker(session_id)
        if tracker is not None:
            turns = message_turns(tracker.events)
            if len(turns) == len(history) and isinstance(index, int) and 0 <= index < len(turns):
                return turns[index]
        return turn_of_message(history, index)

    @staticmethod
    def close_comment() -> tuple[None, Any, Any]:
        return None, gr.update(visible=False), gr.update(value="")

    @staticmethod
    def new_conversation() -> tuple[ChatHistory, str, None]:
        return [], "", None

    @staticmethod
    def header_state(request: gr.Request) -> Any:
        """Inside the embed widget (``?embed=1``), which has a title bar of its own, the page's title is kept
        for screen readers only (the frame's one h1), not shown."""
        embedded = request is not None and request.query_params.get("embed") not in (None, "", "0")
        return gr.update(elem_classes=["heading-for-screen-readers"] if embedded else [])

    def build(self) -> gr.Blocks:
        with gr.Blocks(title=self.title, analytics_enabled=False) as page:
            header = gr.Markdown(
                f"# {self.title}\nAsk about orders, shipping, returns, billing, subscriptions or your account.",
                elem_id="chat-header",
            )
            session_id = gr.State(None)
            saved = gr.BrowserState(
                self.remember(None), storage_key=SESSION_STORAGE_KEY, secret=SESSION_STORAGE_SECRET
            )
            rated_turn = gr.State(None)
            banner = gr.HTML(HANDOFF_BANNER, visible=False, elem_id="handoff-banner")
            replies = gr.Timer(POLL_SECONDS, active=False)  # runs while a person has the conversation
            chatbot = gr.Chatbot(
                label="Conversation",
                show_label=False,  # its floating badge would cover the first message in a narrow widget
                height="min(520px, 58vh)",
                elem_id="chat",
                buttons=["copy"],
                feedback_options=tuple(THUMB.values()),
                latex_delimiters=[],  # a customer's "$$" is money, not maths
                group_consecutive_messages=False,  # a staff reply after the assistant's message is a bubble of its own
                placeholder="Answers come from the help centre, with links to the articles they cite.",
            )
            with gr.Group(visible=False, elem_id="feedback-panel") as panel:
                comment = gr.Textbox(
                    label=COMMENT_LABEL[-1], lines=2, max_lines=6, elem_id="feedback-comment",
                    placeholder="Optional: tell us what you expected.",
                )
                with gr.Row():
                    send_comment = gr.Button("Send comment", size="sm", variant="primary", elem_id="feedback-send")
                    skip_comment = gr.Button("No thanks", size="sm", elem_id="feedback-skip")
            with gr.Row(elem_id="clarify-options"):
                option_buttons = [
                    gr.Button("", size="sm", visible=False, elem_id=f"clarify-option-{i + 1}", elem_classes=["clarify-option"])
                    for i in range(MAX_OPTIONS)
                ]
            with gr.Row(equal_height=True):
                box = gr.Textbox(
                    placeholder="Type your question…", show_label=False, scale=5, min_width=160,
                    elem_id="question", autofocus=True,
                )
                send = gr.Button("Send", variant="primary", scale=1, min_width=72, elem_id="send")
            with gr.Row(elem_id="chat-actions"):
                human = gr.Button(HUMAN_LABEL, size="sm", min_width=120, elem_id="talk-to-human")
                new = gr.Button("New conversation", size="sm", min_width=120, elem_id="new-conversation")
            gr.Examples(EXAMPLES, inputs=box, label="Try")

            outputs = [chatbot, box, session_id]
            comment_outputs = [rated_turn, panel, comment]
            sync_outputs = [banner, human, replies, saved, *option_buttons, chatbot]
            replies.tick(  # a quick read per open page: not queued behind one another
                self.poll, [chatbot, session_id], [chatbot, banner, human, replies], show_progress="hidden", concurrency_limit=None
            )
            for trigger in (box.submit, send.click):
                trigger(self.respond, [box, chatbot, session_id], outputs, show_progress="hidden").then(
                    self.sync, session_id, sync_outputs, show_progress="hidden"
                )
            for button in option_buttons:  # a click sends the option's label as the next message
                button.click(self.respond, [button, chatbot, session_id], outputs, show_progress="hidden").then(
                    self.sync, session_id, sync_outputs, show_progress="hidden"
                ).then(None, js=FOCUS_QUESTION_BOX)  # the clicked button hides: keyboard focus goes back to the box
            human.click(self.person_button, [human, chatbot, session_id], [chatbot, session_id], show_progress="hidden").then(
                self.sync, session_id, sync_outputs, show_progress="hidden"
            )
            # the chat's own clear (bin) button starts over too, or the next message would continue the old session
            for trigger in (new.click, chatbot.clear):
                trigger(self.new_conversation, None, outputs).then(self.close_comment, None, comment_outputs).then(
                    self.sync, session_id, sync_outputs, show_progress="hidden"
                )
            chatbot.like(self.rate, [chatbot, session_id], comment_outputs, show_progress="hidden")
            # the panel closes under the keyboard's focus: it goes back to the question box, not to the page's top
            for trigger in (send_comment.click, comment.submit):
                trigger(self.comment, [comment, session_id, rated_turn], comment_outputs, show_progress="hidden").then(
                    None, js=FOCUS_QUESTION_BOX
                )
            skip_comment.click(self.close_comment, None, comment_outputs).then(None, js=FOCUS_QUESTION_BOX)
            page.load(self.restore, saved, [chatbot, session_id], show_progress="hidden").then(
                self.sync, session_id, sync_outputs, show_progress="hidden"
            )
            page.load(self.header_state, None, header, show_progress="hidden")
        return page
