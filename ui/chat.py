"""The customer-facing chat page. Handlers only translate between Gradio and the dialog manager.

The conversation lives in the store, not in the page: the browser keeps only the session id (in
``localStorage``, through ``gr.BrowserState``), and a reload rebuilds the chat from the session's events.
The id is kept as ``{"session_id": ...}``: Gradio does not write a falsy value to the browser's storage, so a
bare ``None`` could not forget a conversation. Each tab also keeps the id it shows in its own ``sessionStorage``,
so that a reload of one of two tabs shows that tab's conversation (``THIS_TABS_SESSION``).
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import gradio as gr

from dialog.detached import finish_alone
from assistant.api_security import Limiter, Rate, limiter_factory, take_or_refuse
from assistant.metrics import RATE_LIMITED, safely
from dialog.events import AgentMessage, BotAnswer, Event, FeedbackGiven, UserMessage
from dialog.manager import DialogManager, InvalidMessage, TurnResult, TurnUpdate, validate_message
from dialog.replies import DEFAULT_REPLIES, Replies
from dialog.store import ConversationChanged, UnknownSession
from assistant.store.db import StoreUnavailable
from dialog.tracker import Tracker
from retrieval.metadata import web_link
from ui.articles import section_anchor
from ui.embed import CLOSE_ON_ESCAPE, MARK_EMBEDDED

ChatHistory = list[dict[str, Any]]

# The page's words are the replies' (dialog.replies: a team's replies_file changes them). "Talk to a human"
# sends ``handoff_request`` through the dialog like any message, so the turn is logged as a handoff.
HANDOFF_REQUEST = DEFAULT_REPLIES.handoff_request
POLL_SECONDS = 3  # while a person has the conversation, how often the page looks for their replies
IDLE_POLL_SECONDS = 15  # otherwise (staff may take a conversation over without a handoff)
MAX_OPTIONS = 4  # buttons for a clarifying question's choices
# A customer's events: no spinner, and not one call at a time. Gradio runs an event's calls one after another
# unless told otherwise, so every customer's message waited while another's was answered (a generator's seconds
# each); turns run side by side, as the API's do, in the same pool of 40 threads (anyio's default).
CUSTOMER_EVENT: dict[str, Any] = {"show_progress": "hidden", "concurrency_limit": None}
SESSION_STORAGE_KEY = "support-assistant-session"
# The browser's localStorage is one for all its tabs: two tabs opened before any conversation each started their own,
# and the later one's id replaced the other's, so a reload of the first tab showed the second tab's conversation.
# Each tab also keeps the id it shows in its own sessionStorage (kept over a reload, per tab); a reload restores the
# tab's own conversation, and a tab opened afresh (no record of its own) the one used last (localStorage).
TAB_STORAGE_KEY = "support-assistant-tab-session"
THIS_TABS_SESSION = """(saved) => {
  window.supportAssistantTabRead = true;  // from now on the id shown is kept as this tab's (KEEP_THIS_TABS_SESSION)
  try {
    const own = sessionStorage.getItem(%(key)s);
    if (own !== null) return {session_id: own || null};
  } catch (error) {}  // storage refused (a blocked third-party frame): the browser's record alone
  return saved;
}""" % {"key": json.dumps(TAB_STORAGE_KEY)}
# Kept as the page's id changes (a new conversation's first answer is still streaming), so a reload at any time after
# finds it; not before the page has read this tab's own (the browser's record, read as the page starts, is not it).
KEEP_THIS_TABS_SESSION = """(saved) => {
  if (!window.supportAssistantTabRead) return;
  try { sessionStorage.setItem(%(key)s, (saved && saved.session_id) || ""); } catch (error) {}
}""" % {"key": json.dumps(TAB_STORAGE_KEY)}
# BrowserState encrypts with a secret that the page itself sends to the browser, so it hides nothing from
# the customer; a fixed one only keeps stored session ids readable across server restarts.
SESSION_STORAGE_SECRET = "support-assistant-session-v1"
THUMB = {1: "Like", -1: "Dislike"}  # the chat's names for a rating
# Put before a message that answers no turn of the customer's (a staff reply, the hand-back notice): CSS hides its
# thumbs, which the server refuses anyway (a customer rated the person through the assistant's feedback). Gradio
# draws thumbs on every message of the assistant's side, with no per-message setting.
UNRATED = '<span class="unrated"></span>'
# the assistant's messages that answer no question: the hand-back notice, the note that a message was passed on to
# staff, and the handoff message ("I'm passing you to a person"), which says who will answer, not an answer
UNRATED_ACTIONS = frozenset({"hand_back", "relay", "handoff"})
FOCUS_QUESTION_BOX = "() => { document.querySelector('#question textarea')?.focus(); }"
# the comment box once it shows (a frame or a few after the rating's result), while the focus is still where the
# thumb left it (on the thumb, or on the page once the redrawn chat dropped it): a customer who has gone on to type the
# next question, or pressed "Skip", keeps the focus there
FOCUS_COMMENT_BOX = """() => { let frames = 0; const focus = () => {
  const active = document.activeElement;
  if (active && active !== document.body && !active.closest('#chat')) return;
  const box = [...document.querySelectorAll('#feedback-comment textarea')].find(box => box.offsetParent);
  if (box) box.focus(); else if (++frames < 30) requestAnimationFrame(focus); }; focus(); }"""
# A question typed but not sent survives a reload: Gradio reloads the page by itself once a server that went away
# (a restart, a network drop) answers again, and the question the customer had typed was gone. Kept in the tab's
# sessionStorage from the page's leaving to its next load only; a box left empty keeps nothing.
KEEP_DRAFT = """<script>
(function () {
  var key = "support-assistant-draft";
  function box() { return document.querySelector("#question textarea"); }
  window.addEventListener("pagehide", function () {
    try {
      var typed = box() ? box().value : "";
      if (typed.trim()) sessionStorage.setItem(key, typed); else sessionStorage.removeItem(key);
    } catch (error) {}  // storage refused (a blocked third-party frame): nothing kept
  });
  var draft = null;
  try { draft = sessionStorage.getItem(key); sessionStorage.removeItem(key); } catch (error) {}
  if (!draft) return;
  var tries = 0;
  (function restore() {  // once the page has built the box
    var found = box();
    if (found && !found.value) {
      found.value = draft;
      found.dispatchEvent(new Event("input", { bubbles: true }));
    } else if (!found && ++tries < 600) setTimeout(restore, 50);
  })();
})();
</script>"""
# Gradio's copy button copies a message's source, so a staff reply or a notice was copied with its UNRATED mark
# ('<span class="unrated"></span>Ana · support team ...'). The mark is taken out of what the page writes to the
# clipboard: through navigator.clipboard (a secure context: https or localhost), and through the copy event of
# Gradio's fallback elsewhere (plain http: a hidden text area, document.execCommand("copy")).
COPY_WITHOUT_MARK = """<script>
(function () {
  var mark = %(mark)s;
  function clean(text) { return typeof text === "string" ? text.split(mark).join("") : text; }
  var clipboard = navigator.clipboard;
  if (clipboard && clipboard.writeText) {
    var write = clipboard.writeText.bind(clipboard);
    clipboard.writeText = function (text) { return write(clean(text)); };
  }
  document.addEventListener("copy", function (event) {
    var area = document.activeElement;
    if (!area || area.tagName !== "TEXTAREA" || !event.clipboardData) return;
    var copied = area.value.substring(area.selectionStart, area.selectionEnd);
    if (copied.indexOf(mark) < 0) return;
    event.clipboardData.setData("text/plain", clean(copied));
    event.preventDefault();
  });
})();
</script>""" % {"mark": json.dumps(UNRATED)}
# Gradio names a message's buttons alike on every message ("Copy message", "Dislike", "Like"), with no setting for
# more: a screen reader heard the same three names under each answer, with no hint which answer they were for.
# Each button under a message of the assistant's side is described (aria-describedby, read after its name) by the
# customer's question it answers, or, with no question right before it (a staff reply, a notice), by the message
# itself; the names Gradio gives stay. Set again whenever Gradio draws the chat anew.
DESCRIBE_MESSAGE_BUTTONS = """<script>
(function () {
  var made = 0;
  function contentOf(row) {
    var content = row.querySelector(".message-content");
    if (content && !content.id) content.id = "chat-message-" + (++made);
    return content;
  }
  function rowBefore(row) {
    for (var node = row.previousElementSibling; node; node = node.previousElementSibling)
      if (node.classList.contains("message-row")) return node;
    return null;
  }
  function describe() {
    document.querySelectorAll("#chat .message-row.bot-row").forEach(function (row) {
      var buttons = row.nextElementSibling;
      if (!buttons || !buttons.classList.contains("message-buttons")) return;
      var before = rowBefore(row);
      var by = contentOf(before && before.classList.contains("user-row") ? before : row);
      if (!by) return;
      buttons.querySelectorAll("button").forEach(function (button) {
        if (button.getAttribute("aria-describedby") !== by.id) button.setAttribute("aria-describedby", by.id);
      });
    });
  }
  var queued = 0;  // once a frame at most: a streamed answer changes the page with every word
  new MutationObserver(function () {
    if (!queued) queued = requestAnimationFrame(function () { queued = 0; describe(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
</script>"""
# A message on its way, shown in the browser before the server has it: on a slow connection the request took seconds to
# arrive, and until ``respond``'s first step came back (the message moving from the box to the chat) the page showed
# nothing, as if Send had not been tapped. The customer's words show at the chat's end with three dots, until the chat
# shows them itself, or the event ends (a message refused stays in the box, which this leaves as it is). Gradio runs a
# button's event once at a time, but Enter and Send are two: Enter, then a tap on Send while the words were on their
# way, sent them twice. Now the second sends nothing (the throw stops Gradio's call, silently). Runs as the ``js`` of
# the events that send a message; returns their inputs unchanged.
SHOW_SENDING = """(message, ...rest) => {
  const text = typeof message === "string" ? message.trim() : "";
  const log = document.querySelector("#chat .bubble-wrap");
  const shown = document.getElementById("chat-sending");
  if (text && shown && shown.dataset.text === text) throw new Error("already on its way");
  if (text && log) {
    if (shown) shown.remove();
    const sending = document.createElement("div");
    sending.id = "chat-sending";
    sending.className = "chat-sending";
    sending.dataset.text = text;
    sending.dataset.rows = String(log.querySelectorAll(".message-row.user-row").length);
    sending.textContent = text;
    const dots = document.createElement("span");
    dots.className = "chat-sending-dots";
    dots.setAttribute("aria-hidden", "true");
    sending.appendChild(dots);
    log.appendChild(sending);
    log.scrollTop = log.scrollHeight;
  }
  return [message, ...rest];
}"""
SENDING_DONE = "() => { document.getElementById('chat-sending')?.remove(); }"  # the event that sent it has ended
# Gradio scrolls the chat to its end with every change (autoscroll), so a long answer opened at its last line and its
# sources, and the customer scrolled up to find its start. The chat's own autoscroll is off; when messages are added,
# the chat scrolls so that the newest of the customer's messages among them is at its top (a reload: the last one),
# else the first new message, or the customer's message it answers. A message on its way (``SHOW_SENDING``) is taken
# off once the chat shows the customer's message.
SCROLL_TO_NEW_TURN = """<script>
(function () {
  var seen = 0;
  function scrollTo(log, row) {
    log.scrollTop += row.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
  }
  function check() {
    var log = document.querySelector("#chat .bubble-wrap");
    if (!log) return;
    var rows = log.querySelectorAll(".message-row");
    var sending = document.getElementById("chat-sending");
    if (sending && log.querySelectorAll(".message-row.user-row").length > Number(sending.dataset.rows)) sending.remove();
    if (rows.length < seen) seen = 0;  // a new conversation
    if (rows.length === seen) return;
    var added = Array.prototype.slice.call(rows, seen);
    var asked = added.filter(function (row) { return row.classList.contains("user-row"); }).pop();
    var target = asked || added[0];
    var before = seen ? rows[seen - 1] : null;  // the message before the new ones (a message's buttons lie between)
    if (!asked && before && before.classList.contains("user-row") && before.offsetHeight < log.clientHeight / 2) target = before;
    seen = rows.length;
    scrollTo(log, target);
  }
  var queued = 0;  // once a frame at most: a streamed answer changes the page with every word
  new MutationObserver(function () {
    if (!queued) queued = requestAnimationFrame(function () { queued = 0; check(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
</script>"""
PAGE_HEAD = CLOSE_ON_ESCAPE + MARK_EMBEDDED + KEEP_DRAFT + COPY_WITHOUT_MARK + DESCRIBE_MESSAGE_BUTTONS + SCROLL_TO_NEW_TURN  # the chat page's <head> additions


def chat_log_name_script(name: str) -> str:
    """A <head> script naming the chat log (Gradio's ``role="log"``) ``name``: Gradio names it "chatbot conversation"
    whatever the page's language, and a German page's screen reader read out those English words. The replies'
    page title is the name (the conversation with the assistant); set again whenever Gradio draws the chat anew."""
    return """<script>
(function () {
  var name = %s;
  function label() {
    var log = document.querySelector('#chat [role="log"]');
    if (log && log.getAttribute("aria-label") !== name) log.setAttribute("aria-label", name);
  }
  new MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });
})();
</script>""" % json.dumps(name).replace("<", "\\u003c")  # no "</script>" inside


def new_tab_hint_js(hint: str) -> str:
    """JavaScript run as the chat page loads: every link in the chat that opens a new tab (Gradio opens each link
    there in one, ``target="_blank"``) ends its name with ``hint``, for screen readers only (``.new-tab-hint`` in
    ``CSS``); a screen reader heard only the article's name. Set again whenever Gradio draws the chat anew."""
    return """() => {
  const hint = %s;
  function mark() {
    document.querySelectorAll('#chat a[target="_blank"]').forEach(function (link) {
      if (link.querySelector(".new-tab-hint")) return;
      const said = document.createElement("span");
      said.className = "new-tab-hint";
      said.textContent = " " + hint;
      link.appendChild(said);
    });
  }
  let queued = 0;  // once a frame at most: a streamed answer changes the page with every word
  new MutationObserver(function () {
    if (!queued) queued = requestAnimationFrame(function () { queued = 0; mark(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  mark();
}""" % json.dumps(hint).replace("<", "\\u003c")  # no "</script>" inside


def page_language_script(language: str) -> str:
    """A <head> script marking the chat page as written in ``language`` (the replies' ``page_language``): Gradio's
    page says lang="en" whatever its words, and a screen reader read a German chat with an English voice."""
    return f"<script>document.documentElement.lang = {json.dumps(language)};</script>"
# Markdown that would change how typed text looks: emphasis, code, links, headings, tables, strike-through,
# maths; and, at the start of a line, list, quote and heading markers
_MARKDOWN_ANYWHERE = re.compile(r"([\\`*_\[\]#|~$])")
_MARKDOWN_LINE_START = re.compile(r"^(\s*\d*)([-+=.)])", re.MULTILINE)  # "- a", "+ a", "1. a", "2) a", "==="
# Gradio's Soft theme with its indigo one step darker where it sits under or is text: white on indigo-500 (the
# Send button) is 4.46:1, lighter still on hover, and indigo-500 labels ("Try") 4.27:1, under WCAG AA's 4.5:1.
# The question box's placeholder (its only visible label) was grey-400, 2.54:1, and the box's edge a faint shadow:
# grey-500 gives both 4.8:1 (AA asks 4.5 of text, 3 of a control's edge). Found by axe-core (docs/accessibility.md):
# the open tab's name (the accent colour) was 4.46:1, a chosen radio button's white on indigo-500 4.46:1, the file
# drop zone's "- or -" (subdued text, grey-400) 2.53:1, and in dark mode a hovered button's white on indigo-500 4.46:1.
THEME = gr.themes.Soft().set(
    button_primary_background_fill="*primary_600", button_primary_background_fill_hover="*primary_700",
    button_primary_background_fill_hover_dark="*primary_700", button_secondary_background_fill_hover_dark="*primary_700",
    block_label_text_color="*primary_600", block_title_text_color="*primary_600",
    input_placeholder_color="*neutral_500", input_border_color="*neutral_500", input_border_width="1px",
    color_accent="*primary_600", checkbox_label_background_fill_selected="*primary_600",
    body_text_color_subdued="*neutral_500",
)
# The theme has one accent colour for both modes, and none reads on both white and the dark mode's near-black: in
# dark mode it is set here (indigo-400, 6.4:1; the open tab's name was 4.28:1). The staff pages use it too.
DARK_ACCENT_CSS = ":root.dark, :root .dark { --color-accent: var(--primary-400); }\n"
CSS = DARK_ACCENT_CSS + """
.sources { font-size: 0.9em; }
footer { display: none !important; }
.handoff-banner { padding: 0.7rem 0.9rem; border-radius: 8px; background: #fff4d6; color: #4a3600;
  border: 1px solid #f0c75e; line-height: 1.4; }
/* its bold first line too: in the dark mode Gradio gives <strong> the page's light text (1.1:1 on the amber); the
   background is the banner's, said for the colour check (tests/ui/test_colours.py) */
.handoff-banner strong { color: #4a3600; background: #fff4d6; }
#chat-actions button { flex: 1 1 auto; }
/* no thumbs on a message the customer cannot rate (UNRATED): the copy button, first, stays */
#chat .message-row:has(.unrated) + .message-buttons .icon-button-wrapper > :not(:first-child) { display: none !important; }
/* no copy button under the customer's own messages: it only doubled the tab stops and the screen reader's
   "Copy message" (the text is in the customer's hands already) */
#chat .message-buttons-right { display: none !important; }
#clarify-options button { flex: 0 1 auto; }
/* the chat's own clear (bin) button covers the first message; "New conversation" does the same job */
#chat button[aria-label="Clear"] { display: none !important; }
/* narrower side margins on phones; outside the media query, whose rules Gradio scopes to the page's content */
.gradio-container .main { padding-left: min(32px, 3vw) !important; padding-right: min(32px, 3vw) !important; }
/* the page's one h1 (screen readers jump to it), at the size of the h2 it was */
#chat-header h1 { font-size: 1.375rem; margin: 0 0 0.5rem; }
/* inside the embed widget, which shows its own title bar: read by screen readers, not shown (ui.embed.MARK_EMBEDDED);
   its overflow hidden over Gradio's "auto", or the 1 px box is a scrolling region no key can reach */
.chat-embedded #chat-header { position: absolute !important; width: 1px; height: 1px; padding: 0;
  margin: -1px; overflow: hidden !important; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
/* the theme marks a focused text box by a shadow too faint to see (and forbids an outline): a ring, as on the
   buttons, in the text's colour (dark on light, light in dark mode) */
#question textarea:focus, #feedback-comment textarea:focus {
  outline: 2px solid var(--body-text-color) !important; outline-offset: 1px; }
/* a focused button: the browser's ring took the button's text colour, white around Send on a white page */
.gradio-container button:focus-visible { outline: 2px solid var(--body-text-color) !important; outline-offset: 2px; }
/* a message's copy and thumb buttons were 18 px (Gradio's): WCAG 2.2 asks at least 24 (target size), and on a
   touch screen big enough for a finger */
#chat .icon-button { min-width: 24px; min-height: 24px; }
/* on a touch screen every control is at least 44 px tall, a thumb's width (they were 26 to 32 px: "Talk to a human",
   "Try" examples, option buttons, the comment's buttons, thumbs); a fine pointer keeps the sizes above */
@media (pointer: coarse) {
  #chat .icon-button { min-width: 44px; min-height: 44px; }
  #chat-actions button, #clarify-options button, #feedback-panel button, #chat-examples button { min-height: 44px; }
}
/* while a message is on its way (``SHOW_SENDING``): the customer's words in the chat at once, with three dots */
#chat .chat-sending { align-self: flex-end; margin: 10px 20px 10px auto; max-width: calc(100% - 60px);
  padding: 4px 10px; border-radius: var(--radius-lg); border: 1px solid var(--border-color-accent-subdued);
  background: var(--color-accent-soft); color: var(--body-text-color); white-space: pre-wrap; overflow-wrap: break-word;
  width: fit-content; }
#chat .chat-sending-dots::after { content: " \\2026"; animation: chat-sending 0.8s ease-in-out infinite alternate; }
@keyframes chat-sending { from { opacity: 0.2; } }
@media (prefers-reduced-motion: reduce) { #chat .chat-sending-dots::after { animation: none; } }
/* the end of a link's name that says it opens a new tab (``new_tab_hint_js``): read by screen readers, not shown */
#chat .new-tab-hint { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
/* Arabic, Hebrew...: each paragraph (a message's, the typed text) runs and aligns in the direction of its own
   first letters; the chat is set left-to-right for all */
#chat .message-content :is(p, li, h1, h2, h3, h4), #question textarea, #feedback-comment textarea {
  unicode-bidi: plaintext; text-align: start; }
@media (max-width: 480px) {
  #chat-header h1 { font-size: 1.25rem; margin: 0.2rem 0; }
  #chat-header p { font-size: 0.9rem; }
}
/* on a phone the handoff banner pushed the question box off the screen: the chat gives up the banner's room (Gradio
   puts a media query's rules inside its page's container: the banner's block is the chat's sibling there) */
@media (max-width: 480px), (pointer: coarse) and (max-height: 900px) {
  .handoff-banner { padding: 0.45rem 0.7rem; font-size: 0.9rem; line-height: 1.3; }
  #handoff-banner:has(.handoff-banner) ~ #chat { height: min(520px, calc(58vh - 6.5rem)) !important; }
}
/* a narrow chat (a phone at 200 % zoom): messages take the width Gradio keeps beside them, so that words fit whole
   (they broke mid-word, "Changi/ng": Gradio's break-word breaks a word only when the line is narrower than it) */
@media (max-width: 320px) {
  #chat .message-row { margin-left: 4px; margin-right: 4px; max-width: calc(100% - 8px); }
  #chat .message { padding-left: 6px; padding-right: 6px; }
  #chat .message-content :is(ul, ol) { padding-left: 1.1em; }
}
"""


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, every character but letters, digits and blanks escaped."""
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):x} " for c in text) + '"'


def notice_css(replies: Replies = DEFAULT_REPLIES) -> str:
    """Gradio titles a notice by its kind, in English ("Warning", "Info"): this CSS shows the replies'
    ``warning_title`` and ``info_title`` in its place."""
    rules = []
    for kind, title in (("warning", replies.warning_title), ("info", replies.info_title)):
        rules.append(f".toast-title.{kind} {{ font-size: 0 !important; visibility: hidden; }}")
        rules.append(f".toast-title.{kind}::before {{ content: {css_string(title)}; font-size: var(--text-lg); visibility: visible; }}")
    return "\n".join(rules) + "\n"


def article_link(source: dict[str, Any]) -> str:
    """Where a cited source can be read: its own URL (a web address; an index built before loaders checked
    that may hold a ``javascript:`` one), or the assistant's article page, at the cited section when the
    source's heading path names one below the title ("Tracking your order > Finding your tracking number":
    ``#finding-your-tracking-number``, the section's id there, ``ui.articles.section_anchor``) or at its FAQ entry."""
    url = web_link(source.get("url"))
    if url:
        return url
    doc_id, _, anchor = str(source["doc_id"]).partition("#")
    if not anchor:
        heading = str(source.get("heading") or "")
        # a chunk's heading path starts with its document's title (``retrieval.chunking``)
        anchor = section_anchor(heading, str(source.get("title") or heading.split(" > ")[0]))
    return f"/kb/{quote(doc_id)}" + (f"#{quote(anchor)}" if anchor else "")


def format_source_list(sources: Iterable[dict[str, Any]], replies: Replies = DEFAULT_REPLIES) -> str:
    """A Markdown list of sources, each linked to its article, under the replies' ``sources``; empty for no sources."""
    lines = []
    for source in sources:
        label = html.escape(source.get("heading") or source.get("title") or str(source["doc_id"]))
        lines.append(f"- [{source['n']}] [{label}]({article_link(source)})")
    return f"\n\n**{html.escape(replies.sources)}**\n" + "\n".join(lines) if lines else ""


def format_sources(result: TurnResult, replies: Replies = DEFAULT_REPLIES) -> str:
    """A Markdown list of the sources, each linked to its article."""
    if result.abstained or not result.sources:
        return ""
    return format_source_list(result.cited_sources, replies)


def plain_text(text: str) -> str:
    """Typed text (a customer's message, a staff reply) for the Markdown chat, so that it shows as typed:
    HTML is escaped and Markdown marks are taken literally."""
    escaped = _MARKDOWN_ANYWHERE.sub(r"\\\1", html.escape(text, quote=False))
    return _MARKDOWN_LINE_START.sub(r"\1\\\2", escaped)


# Where the chat's Markdown (GitHub's flavour) would make a link of plain text: an e-mail address's "@", the ":" of
# "https://" and the "." of "www."; a backslash before each keeps it text (``customer_text``)
_LINK_MAKERS = re.compile(r"@|:(?=//)|(?<=www)\.", re.IGNORECASE)


def customer_text(text: str) -> str:
    """A customer's message for the Markdown chat: as typed (``plain_text``), its e-mail and web addresses not made
    links. The chat linked them: the customer's own address became a mailto: link, read out as a link and one more
    tab stop in their own bubble."""
    return _LINK_MAKERS.sub(r"\\\g<0>", plain_text(text))


# A web address in a staff reply: http(s):// or www., up to a blank or a character no address holds as typed; the
# punctuation that ends a sentence after it is left out (``_web_address``)
_WEB_ADDRESS = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_CLOSING = ".,;:!?*_~)]}"


def _web_address(found: str) -> str:
    """The address of a match of ``_WEB_ADDRESS``, less the punctuation after it ("see https://a.example/x." ends
    at "x"); a closing bracket stays when the address opened it ("https://a.example/wiki/Ivy_(plant)")."""
    while found and found[-1] in _CLOSING:
        closing = found[-1]
        opening = {")": "(", "]": "[", "}": "{"}.get(closing)
        if opening and found.count(opening) >= found.count(closing):
            break
        found = found[:-1]
    return found


def _address_link(address: str) -> str:
    """A Markdown link to a web address, shown as typed. The destination is percent-encoded where Markdown would
    read it otherwise (a backslash, brackets, a space); the scheme is only ever http(s)."""
    target = address if "://" in address else "https://" + address
    return f"[{plain_text(address)}](<{quote(target, safe=STAFF_LINK_SAFE)}>)"


STAFF_LINK_SAFE = "/:?#[]@!$&'()*+,;=%-._~"  # an address's own characters, kept as they are (RFC 3986)


def staff_text(text: str) -> str:
    """A staff reply for the Markdown chat: typed text as typed (``plain_text``: HTML and Markdown marks shown as
    text), each line on its own line, and its web addresses as links. The chat's own link finder read the
    escaped text: an address with "_", "#" or "~" led to one with a backslash in it (``my%5C_order``)."""
    parts, start = [], 0
    for match in _WEB_ADDRESS.finditer(text):
        address = _web_address(match.group(0))
        if "." not in address.split("//", 1)[-1]:  # "https://" alone, "www." alone: text
            continue
        parts += [plain_text(text[start : match.start()]), _address_link(address)]
        start = match.start() + len(address)
    parts.append(plain_text(text[start:]))
    return "".join(parts)


def staff_message(author: str, text: str, replies: Replies = DEFAULT_REPLIES) -> str:
    """A staff reply as the chat shows it: who wrote it (the replies' ``staff_signature``), then what they wrote
    (``staff_text``); without thumbs (``UNRATED``)."""
    name = f"**{plain_text(author or replies.staff_unnamed)}**"
    return f"{UNRATED}{replies.say('staff_signature', author=name)}\n\n{staff_text(text)}"


def banner(title: str, detail: str) -> str:
    """The handoff banner's HTML: a line in bold, then one more."""
    return f'<div class="handoff-banner" role="status"><strong>{html.escape(title)}</strong> {html.escape(detail)}</div>'


def _messages(events: Iterable[Event], replies: Replies = DEFAULT_REPLIES) -> Iterator[tuple[dict[str, Any], int | None]]:
    """The chat's messages, each with the turn it answers (None: a customer message, a staff reply, a hand-back)."""
    turns, last_role = 0, None
    for event in events:
        if isinstance(event, UserMessage):
            turns += 1
            last_role = "user"
            yield {"role": "user", "content": customer_text(event.text)}, None
        elif isinstance(event, BotAnswer):
            sources = "" if event.abstained else format_source_list(event.citations, replies)
            answers = last_role == "user" and event.action not in UNRATED_ACTIONS
            last_role = "assistant"
            yield {"role": "assistant", "content": ("" if answers else UNRATED) + event.text + sources}, turns if answers else None
        elif isinstance(event, AgentMessage):
            last_role = "staff"
            yield {"role": "assistant", "content": staff_message(event.author, event.text, replies)}, None


def history_from_events(events: Iterable[Event], replies: Replies = DEFAULT_REPLIES) -> ChatHistory:
    """The chat as the customer saw it, rebuilt from a session's events: their messages, the answers with
    the sources they cite (the store keeps the cited ones), and the replies of staff."""
    return [message for message, _ in _messages(events, replies)]


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


def shown_session(session_id: str | None, history: ChatHistory, saved: Any) -> str | None:
    """The conversation the page shows: the server's own state for the page, or, where the server has none
    while the page still shows a conversation, the id the browser keeps (``ChatPage.remember``). A server
    keeps a page's state in memory, so a restarted one, or another one behind a load balancer that moved the
    page (its server went away), had none: the next message started a new conversation and staff replies
    stopped reaching the page. An emptied chat ("New conversation") starts afresh."""
    if session_id or not history:
        return session_id
    return kept_session(saved)


def client_address(request: gr.Request | None) -> str | None:
    """The address a page's request came from, as the per-address rate limit counts it (None: unknown)."""
    return request.client.host if request is not None and request.client is not None else None


def kept_session(saved: Any) -> str | None:
    """The conversation id the browser keeps (``ChatPage.remember``), or None."""
    kept = saved.get("session_id") if isinstance(saved, dict) else None
    return kept if isinstance(kept, str) and kept else None


class ChatPage:
    """Builds the Blocks app around a DialogManager."""

    def __init__(
        self,
        manager: DialogManager,
        title: str | None = None,
        per_ip: Rate | None = None,
        per_session: Rate | None = None,
        make_limiter: Callable[[Rate, str], Limiter] | None = None,
    ) -> None:
        self.manager = manager
        self.replies = manager.replies if manager is not None else DEFAULT_REPLIES  # every word the page shows (dialog.replies)
        self.title = title or self.replies.page_title
        # the same message limits as the HTTP API (settings rate_limit_per_ip / _per_session); with
        # ``make_limiter`` the API's own (shared through Redis when that is set)
        make = make_limiter or limiter_factory()
        self.per_ip = make(per_ip, "ip") if per_ip else None
        self.per_session = make(per_session, "session") if per_session else None

    def too_many_messages(self, client: str | None, session_id: str | None, message: str = "") -> str | None:
        """The warning to show when this address or conversation is over its message limit, else None
        (and the message is counted); in the language of ``message`` when its words tell one (``Replies.for_message``),
        as the refusal of a message too long is."""
        checks = [(limiter, key, what) for limiter, key, what in (
            (self.per_ip, client, "too_many_from_address"), (self.per_session, session_id, "too_many_in_conversation")
        ) if limiter is not None and key]
        refused = take_or_refuse(checks)
        if refused is None:
            return None
        seconds, limiter, what = refused
        safely(RATE_LIMITED.labels("chat").inc)
        return self.replies.for_message(message).say(what, limit=str(limiter.rate), seconds=str(seconds))

    def respond(
        self, message: str, history: ChatHistory, session_id: str | None, request: gr.Request | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the reply into the chat; an invalid message, or one over the rate limits, stays in the
        box with a warning. The message moves from the box to the chat at once, and the box is not touched
        again, so the customer can type the next one meanwhile."""
        history = list(history or [])
        refused = self.too_many_messages(client_address(request), session_id, message or "")
        try:
            if refused:
                raise InvalidMessage(refused)
            text = validate_message(message, self.manager.max_message_chars, self.replies)
        except InvalidMessage as error:
            self.warn(str(error))
            yield history, message, session_id
            return
        asked = {"role": "user", "content": customer_text(text)}
        yield [*history, asked], "", session_id
        try:
            turn, first = self._first_step(session_id, text)
        except (InvalidMessage, StoreUnavailable) as error:  # the database down and this conversation not in memory
            self.warn(str(error) if isinstance(error, InvalidMessage) else self.replies.unavailable)
            yield history, message, session_id
            return
        continued = bool(session_id) and first.session_id == session_id
        if session_id and not continued:  # the old conversation is gone: show only the new one
            history = []
        if not continued and self.per_session is not None:  # a new conversation's first message, counted once it has an id
            self.per_session.take(first.session_id)
        session_id = first.session_id
        history.append(asked)
        history.append({"role": "assistant", "content": first.text})
        yield history, gr.update(), session_id
        for update in itertools.chain([first] if first.done else [], turn):
            if update.done and update.result is not None:
                if update.text:
                    unrated = UNRATED if update.result.action in UNRATED_ACTIONS else ""
                    history[-1] = {"role": "assistant", "content": unrated + update.text + format_sources(update.result, self.replies)}
                else:  # passed on to the person who has the conversation: no reply from the assistant
                    history.pop()
                if continued and update.text and turn_of_message(history, len(history) - 1) != update.result.turn_no:
                    # another tab added turns meanwhile: show the stored conversation, so that a thumb on
                    # any answer still names the right turn
                    history = self.restore(self.remember(session_id))[0]
            else:
                history[-1] = {"role": "assistant", "content": update.text + " ▌"}
            yield history, gr.update(), session_id

    def respond_and_remember(
        self, message: str, history: ChatHistory, session_id: str | None, saved: Any = None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """``respond``, with the id the browser keeps written as soon as the conversation has one: a reload
        right after (or during) the answer finds the conversation, without waiting for ``sync``. ``saved``:
        that id, which carries the conversation on where this server does not know the page (``shown_session``)."""
        session_id = shown_session(session_id, history, saved)
        remembered = session_id
        for history, box, session_id in self.respond(message, history, session_id, request):
            yield history, box, session_id, gr.skip() if session_id == remembered else self.remember(session_id)
            remembered = session_id

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

    def talk_to_human(
        self, history: ChatHistory, session_id: str | None, request: gr.Request | None = None
    ) -> Iterator[tuple[ChatHistory, str | None]]:
        """Ask for a person through the dialog, so the turn is logged as a handoff like a typed request (and
        counted against the message limits like one, per address too)."""
        for history, _, session_id in self.respond(self.replies.handoff_request, history, session_id, request):
            yield history, session_id

    def person_button(
        self, label: str, history: ChatHistory, session_id: str | None, saved: Any = None, request: gr.Request | None = None
    ) -> Iterator[tuple[ChatHistory, str | None]]:
        """The button under the chat, by the label the customer clicked: ``talk_to_human``, or, while a
        person has the conversation, ``back_to_assistant``, which hands it back (the customer need not
        wait for staff who may be away). Either counts as a message against the rate limits, per address and
        per conversation, as the API's handoff and its cancelling do; over a limit it is refused with the same
        warning as a message. A label the page had not yet updated (staff took the conversation over, another
        tab handed it off or back) changes nothing and is not counted: the page shows how things stand."""
        session_id = shown_session(session_id, history, saved)
        with_person = self.handed_off(session_id)
        back = self.replies.back_to_assistant
        if label == back and session_id and with_person:
            refused = self.too_many_messages(client_address(request), session_id)
            if refused:
                self.warn(refused)  # still with the person: nothing was sent
            else:
                try:
                    self.manager.hand_back(session_id, author="customer")
                except InvalidMessage:  # staff handed it back meanwhile
                    self.inform(self.replies.not_with_person)
                except (UnknownSession, ConversationChanged) as error:
                    self.inform(self.problem(error))
        elif label == back or with_person:
            self.inform(self.replies.with_person if with_person else self.replies.with_assistant)
        else:
            yield from self.talk_to_human(history, session_id, request)
            return
        yield self.restore(self.remember(session_id))

    def restore(self, saved: Any) -> tuple[ChatHistory, str | None]:
        """The stored conversation for the session id the browser kept (``remember``); an unknown one, or
        anything unreadable, starts afresh. One that the database cannot give now (down, and the conversation
        not in this server's memory) is kept, shown empty with a notice: a reload once it is back shows it."""
        session_id = saved.get("session_id") if isinstance(saved, dict) else None
        if not session_id or not isinstance(session_id, str):
            return [], None
        try:
            events = self.manager.store.load_events(session_id)
        except UnknownSession:
            return [], None
        except StoreUnavailable:
            self.warn(self.replies.unavailable)
            return [], session_id
        return history_from_events(events, self.replies), session_id

    def tracker(self, session_id: str | None) -> Tracker | None:
        """The conversation's state; None for none, an unknown one, or one the database cannot give now."""
        if not session_id:
            return None
        try:
            return self.manager.tracker(session_id)
        except (UnknownSession, StoreUnavailable):
            return None

    def handed_off(self, session_id: str | None) -> bool:
        """Whether a person has the conversation (handed off and not handed back)."""
        tracker = self.tracker(session_id)
        return tracker is not None and tracker.with_person

    def handoff_state(self, session_id: str | None, tracker: Tracker | None = None) -> tuple[Any, Any, Any, Any]:
        """While a person has the conversation: the banner (naming them once they have written), the button
        offering to go back to the assistant, the timer fetching replies every few seconds, and no "Try" example
        questions (questions for the assistant, which does not answer then). Otherwise no banner, "Talk to a
        human", (once there is a conversation) a slow timer, for a takeover by staff, and the examples."""
        tracker = tracker or self.tracker(session_id)
        with_person = tracker is not None and tracker.with_person
        agent = tracker.agent if tracker is not None else None
        replies = self.replies
        shown = (
            banner(replies.say("agent_banner", agent=agent), replies.agent_banner_detail) if agent
            else banner(replies.handoff_banner, replies.handoff_banner_detail)
        )
        return (
            gr.update(visible=with_person, value=shown),
            gr.update(value=replies.back_to_assistant if with_person else replies.talk_to_human),
            gr.update(active=tracker is not None, value=POLL_SECONDS if with_person else IDLE_POLL_SECONDS),
            gr.update(visible=not with_person),
        )

    def poll(self, history: ChatHistory, session_id: str | None, saved: Any = None) -> tuple[Any, ...]:
        """While a person has the conversation: show their new replies (or the hand-back) and the handoff state."""
        session_id = shown_session(session_id, history, saved)
        tracker = self.tracker(session_id)
        if tracker is None:
            return gr.update(), *self.handoff_state(None, tracker)
        stored, shown = history_from_events(tracker.events, self.replies), list(history or [])
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

    def rate(
        self, history: ChatHistory, session_id: str | None, like: gr.LikeData, saved: Any = None
    ) -> tuple[Any, ...]:
        """Store a thumbs up or down on the answer's turn, then offer a comment box for it. A thumb that is not
        stored (on a staff reply, a hand-back) is refused with a notice and taken off the chat again, which had
        drawn it as given. ``saved``: the id the browser keeps, for a page this server has no state for
        (``shown_session``). Returns the rated turn, the comment panel and box, and the chat's thumbs."""
        session_id = shown_session(session_id, history, saved)
        turn_no = self.turn_of(session_id, history, like.index)
        if not session_id or turn_no is None:
            self.warn(self.replies.only_answers_rated)
            return self.thumb_refused(history, session_id, like)
        rating = {True: 1, False: -1}.get(like.liked, 0)  # 0: the thumb was clicked again to take it back
        try:
            self.manager.give_feedback(session_id, turn_no, rating)
        except (InvalidMessage, UnknownSession) as error:
            self.warn(self.problem(error))
            return self.thumb_refused(history, session_id, like)
        if not rating:
            return None, gr.update(visible=False), gr.update(), gr.update()
        return turn_no, gr.update(visible=True), gr.update(value="", label=self.comment_label(rating)), gr.update()

    def thumb_refused(self, history: ChatHistory, session_id: str | None, like: gr.LikeData) -> tuple[Any, ...]:
        """``rate``'s outputs for a thumb not stored: no comment box, and the thumbs with the refused one as
        clicked. The chat redraws a thumb only when its value changes, so the refused one is first set as
        the browser shows it, then taken off by ``stored_thumbs`` (the step after ``rate``)."""
        thumbs = self.thumbs(history, session_id)
        index = sum(message.get("role") == "assistant" for message in history[: like.index]) if isinstance(like.index, int) else -1
        if 0 <= index < len(thumbs):
            thumbs[index] = {True: THUMB[1], False: THUMB[-1]}.get(like.liked)  # type: ignore[call-overload]
        return None, gr.update(visible=False), gr.update(), gr.update(feedback_value=thumbs)

    def thumbs(self, history: ChatHistory, session_id: str | None) -> list[str | None]:
        """The stored thumbs, one per assistant message the chat shows."""
        tracker = self.tracker(session_id)
        stored = feedback_values(tracker.events) if tracker is not None else []
        shown = sum(message.get("role") == "assistant" for message in history or [])
        return (stored + [None] * shown)[:shown]

    def stored_thumbs(self, history: ChatHistory, session_id: str | None, saved: Any = None) -> Any:
        """After a thumb: the chat's thumbs as stored (a refused one taken off again)."""
        return gr.update(feedback_value=self.thumbs(history, shown_session(session_id, history, saved)))

    def comment(self, text: str, session_id: str | None, turn_no: int | None, saved: Any = None) -> tuple[Any, ...]:
        """Store the comment as feedback on the turn that was rated; an empty one just closes the box. ``saved``:
        the id the browser keeps, for a page this server has no state for (its turn was rated there, ``rate``)."""
        session_id = session_id or (kept_session(saved) if turn_no else None)
        if session_id and turn_no and (text or "").strip():
            try:
                self.manager.give_feedback(session_id, turn_no, None, text)
            except (InvalidMessage, UnknownSession) as error:
                self.warn(self.problem(error))
                return turn_no, gr.update(visible=True), gr.update()
            self.inform(self.replies.comment_sent)
        return self.close_comment()

    def comment_label(self, rating: int) -> str:
        """The comment box's label after a thumbs up (1) or down (-1)."""
        return self.replies.comment_like if rating == 1 else self.replies.comment_dislike

    def problem(self, error: Exception) -> str:
        """What to tell the customer about ``error``: an InvalidMessage says it already (in the replies' words);
        a conversation gone, or changed meanwhile, in the replies' words."""
        if isinstance(error, UnknownSession):
            return self.replies.conversation_gone
        if isinstance(error, ConversationChanged):
            return self.replies.changed_meanwhile
        return str(error)

    def warn(self, message: str) -> None:
        """A notice that refuses something, titled in the replies' words."""
        gr.Warning(message, title=self.replies.warning_title)

    def inform(self, message: str) -> None:
        """Any other notice, titled in the replies' words."""
        gr.Info(message, title=self.replies.info_title)

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

    def build(self) -> gr.Blocks:
        with gr.Blocks(title=self.title, analytics_enabled=False) as page:
            replies = self.replies
            gr.Markdown(f"# {self.title}\n{replies.page_intro}", elem_id="chat-header")
            session_id = gr.State(None)
            saved = gr.BrowserState(
                self.remember(None), storage_key=SESSION_STORAGE_KEY, secret=SESSION_STORAGE_SECRET
            )
            rated_turn = gr.State(None)
            handoff_banner = gr.HTML(banner(replies.handoff_banner, replies.handoff_banner_detail), visible=False, elem_id="handoff-banner")
            poll_timer = gr.Timer(POLL_SECONDS, active=False)  # runs while a person has the conversation
            chatbot = gr.Chatbot(
                label="Conversation",
                show_label=False,  # its floating badge would cover the first message in a narrow widget
                height="min(520px, 58vh)",
                elem_id="chat",
                buttons=["copy"],
                feedback_options=tuple(THUMB.values()),
                latex_delimiters=[],  # a customer's "$$" is money, not maths
                group_consecutive_messages=False,  # a staff reply after the assistant's message is a bubble of its own
                placeholder=replies.chat_placeholder,
                autoscroll=False,  # SCROLL_TO_NEW_TURN: a new answer opens at its start, not at its end
            )
            with gr.Group(visible=False, elem_id="feedback-panel") as panel:
                comment = gr.Textbox(
                    label=replies.comment_dislike, lines=2, max_lines=6, elem_id="feedback-comment",
                    placeholder=replies.comment_placeholder,
                )
                with gr.Row():
                    send_comment = gr.Button(replies.send_comment, size="sm", variant="primary", elem_id="feedback-send")
                    skip_comment = gr.Button(replies.skip_comment, size="sm", elem_id="feedback-skip")
            with gr.Row(elem_id="clarify-options"):
                option_buttons = [
                    gr.Button("", size="sm", visible=False, elem_id=f"clarify-option-{i + 1}", elem_classes=["clarify-option"])
                    for i in range(MAX_OPTIONS)
                ]
            with gr.Row(equal_height=True):
                box = gr.Textbox(  # the label is the box's name for screen readers (it was "Textbox")
                    label=replies.question_label, placeholder=replies.question_placeholder, show_label=False, scale=5, min_width=160,
                    elem_id="question", autofocus=True,
                )
                send = gr.Button(replies.send, variant="primary", scale=1, min_width=72, elem_id="send")
            with gr.Row(elem_id="chat-actions"):
                human = gr.Button(replies.talk_to_human, size="sm", min_width=120, elem_id="talk-to-human")
                new = gr.Button(replies.new_conversation, size="sm", min_width=120, elem_id="new-conversation")
            with gr.Column(elem_id="chat-examples") as examples:  # hidden while a person has the conversation
                gr.Examples(list(replies.examples), inputs=box, label=replies.examples_label)

            outputs = [chatbot, box, session_id]
            comment_outputs = [rated_turn, panel, comment]
            handoff_outputs = [handoff_banner, human, poll_timer, examples]
            sync_outputs = [*handoff_outputs, saved, *option_buttons, chatbot]
            poll_timer.tick(  # a quick read per open page: not queued behind one another
                self.poll, [chatbot, session_id, saved], [chatbot, *handoff_outputs], **CUSTOMER_EVENT
            )

            def synced(event: Any) -> Any:
                """``event``, then ``sync``."""
                return event.then(self.sync, session_id, sync_outputs, **CUSTOMER_EVENT)

            saved.change(None, saved, None, js=KEEP_THIS_TABS_SESSION)  # the id shown, as this tab's own

            for trigger in (box.submit, send.click):  # the message shows at once (SHOW_SENDING), the reply streams in
                synced(trigger(
                    self.respond_and_remember, [box, chatbot, session_id, saved], [*outputs, saved], js=SHOW_SENDING, **CUSTOMER_EVENT
                )).then(None, js=SENDING_DONE)
            for button in option_buttons:  # a click sends the option's label as the next message
                synced(button.click(
                    self.respond_and_remember, [button, chatbot, session_id, saved], [*outputs, saved], js=SHOW_SENDING, **CUSTOMER_EVENT
                )).then(None, js=FOCUS_QUESTION_BOX).then(None, js=SENDING_DONE)  # the clicked button hides: keyboard focus goes back to the box
            synced(human.click(self.person_button, [human, chatbot, session_id, saved], [chatbot, session_id], **CUSTOMER_EVENT))
            # the comment box of a rated answer stayed open under the next messages (a handoff's banner too): the
            # next message, option or "Talk to a human" closes it, sending a comment already typed, not losing it
            for trigger in (box.submit, send.click, human.click, *(button.click for button in option_buttons)):
                trigger(self.comment, [comment, session_id, rated_turn, saved], comment_outputs, **CUSTOMER_EVENT)
            # the chat's own clear (bin) button starts over too, or the next message would continue the old session
            for trigger in (new.click, chatbot.clear):
                synced(trigger(self.new_conversation, None, outputs).then(self.close_comment, None, comment_outputs))
            # the comment box opens below the chat: the keyboard's focus goes to it (it stayed on the thumb, and
            # nothing told a screen reader that a box had opened)
            chatbot.like(self.rate, [chatbot, session_id, saved], [*comment_outputs, chatbot], **CUSTOMER_EVENT).then(
                self.stored_thumbs, [chatbot, session_id, saved], chatbot, **CUSTOMER_EVENT
            ).then(None, js=FOCUS_COMMENT_BOX)
            # the panel closes under the keyboard's focus: it goes back to the question box, not to the page's top
            for trigger in (send_comment.click, comment.submit):
                trigger(self.comment, [comment, session_id, rated_turn, saved], comment_outputs, **CUSTOMER_EVENT).then(
                    None, js=FOCUS_QUESTION_BOX
                )
            skip_comment.click(self.close_comment, None, comment_outputs).then(None, js=FOCUS_QUESTION_BOX)
            # this tab's own conversation if it has one (a reload), else the one this browser used last
            synced(page.load(self.restore, saved, [chatbot, session_id], js=THIS_TABS_SESSION, **CUSTOMER_EVENT))
            page.load(None, js=new_tab_hint_js(replies.new_tab))  # in the browser only
        return page
