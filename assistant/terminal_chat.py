"""What `assistant chat` adds to a turn in a terminal, where there are no buttons and no page that refreshes.

- A clarifying question's options can be picked by number ("2"), as the web page's buttons pick them.
- After a handoff, what staff write (``assistant inbox reply``, the Inbox at /review) and their hand-back are
  shown as they arrive: the bot promised the customer that a person "will reply here".
- An answer's **bold** (the help centre's button names) is shown bold, not between asterisks.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text

from dialog.events import AgentMessage, BotAnswer, Event
from dialog.tracker import option_at_place


class BoldText:
    """A reply's Markdown ``**bold**`` as terminal text, piece by piece as it streams: the markers become a
    bold style (a marker split between two pieces included)."""

    def __init__(self) -> None:
        self.bold = False
        self._held = ""  # a last "*" that may be the first half of a marker

    def feed(self, piece: str) -> Text:
        """The terminal text for the next piece of the reply."""
        piece, self._held = self._held + piece, ""
        if piece.endswith("*") and not piece.endswith("**"):
            piece, self._held = piece[:-1], "*"
        text = Text()
        for i, part in enumerate(piece.split("**")):
            if i:
                self.bold = not self.bold
            text.append(part, style="bold" if self.bold else "")
        return text

    def finish(self) -> Text:
        """What is still held back once the reply is complete."""
        held, self._held = self._held, ""
        return Text(held, style="bold" if self.bold else "")


def bold_text(reply: str) -> Text:
    """A whole reply with its ``**bold**`` shown bold."""
    shown = BoldText()
    return shown.feed(reply).append_text(shown.finish())


def chosen_option(text: str, options: list[str]) -> str:
    """The label of the option a typed place picks ("2", "2.", "the second one" -> the second), as the
    dialog reads places; any other text as it is."""
    place = option_at_place(text, len(options))
    return options[place] if place is not None else text


def options_hint(options: list[str]) -> str:
    """The line under a clarifying question that says how to answer it in a terminal."""
    numbers = " or ".join(str(i) for i in range(1, len(options) + 1)) if len(options) <= 3 else f"1-{len(options)}"
    return f"(answer {numbers} for the options in that order, or in your own words)"


def staff_events(events: Iterable[Event]) -> list[Event]:
    """What staff put into a conversation: their messages, and the assistant's note when they hand it back."""
    return [e for e in events if isinstance(e, AgentMessage) or (isinstance(e, BotAnswer) and e.action == "hand_back")]


def staff_line(event: Event) -> str:
    """One staff event as the chat prints it."""
    if isinstance(event, AgentMessage):
        return f"{event.author or 'staff'}> {event.text}"
    return f"bot> {getattr(event, 'text', '')}"


class StaffReplies:
    """Shows, once each, what staff write into the conversation after a handoff.

    ``show_new`` prints what arrived since the last call (before each prompt); while the customer is typing,
    a thread polls every ``interval`` seconds and prints above the prompt. ``load_events`` is the store's
    ``load_events``; ``write`` prints one line.
    """

    def __init__(self, load_events: Callable[[str], list[Event]], write: Callable[[str], None], interval: float = 2.0) -> None:
        self._load_events = load_events
        self._write = write
        self._interval = interval
        self._lock = threading.Lock()
        self._session_id: str | None = None
        self._shown = 0
        self._prompt: str | None = None  # the prompt being shown while input() waits, else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, session_id: str, already_shown: int = 0) -> bool:
        """Start looking for staff replies in ``session_id`` (after the handoff turn); False when already watching it."""
        with self._lock:
            if self._session_id == session_id:
                return False
            self._session_id, self._shown = session_id, already_shown
        if self._thread is None and sys.stdin.isatty():
            self._thread = threading.Thread(target=self._poll, name="staff-replies", daemon=True)
            self._thread.start()
        return True

    def count_shown(self, n: int = 1) -> None:
        """A turn's own reply was a staff event (a hand-back): it is on screen already."""
        with self._lock:
            self._shown += n

    def show_new(self) -> int:
        """Print what staff wrote since the last call; how many lines were printed."""
        with self._lock:
            if self._session_id is None:
                return 0
            try:
                new = staff_events(self._load_events(self._session_id))[self._shown:]
            except Exception:  # noqa: BLE001 - a database hiccup must not end the chat; the next poll tries again
                return 0
            self._shown += len(new)
            if new and self._prompt is not None:  # clear the prompt line the customer is typing on
                self._write("\r\x1b[K")
            for event in new:
                self._write(staff_line(event) + "\n")
            if new and self._prompt is not None:
                self._write(self._prompt + _line_buffer())
            return len(new)

    def input(self, prompt: str) -> str:
        """``input(prompt)``, with staff replies printed above the prompt while it waits."""
        self.show_new()
        with self._lock:
            self._prompt = prompt
        try:
            return input(prompt)
        finally:
            with self._lock:
                self._prompt = None

    def close(self) -> None:
        self._stop.set()

    def _poll(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                waiting = self._prompt is not None
            if waiting:
                self.show_new()


def _line_buffer() -> str:
    """What the customer has typed on the prompt line so far (readline's buffer, when readline is in use)."""
    readline: Any = sys.modules.get("readline")
    try:
        return readline.get_line_buffer() if readline is not None else ""
    except Exception:  # noqa: BLE001 - a readline without the call: the prompt alone is redrawn
        return ""
