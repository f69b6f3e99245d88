"""`assistant inbox …`: the conversations a person has, and staff replies from the terminal or a script."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from assistant.cli_common import fail, out, run_guarded, settings_from

if TYPE_CHECKING:
    from assistant.app import Assistant
    from dialog.manager import DialogManager
    from dialog.replies import Replies

inbox_app = typer.Typer(
    help="Conversations handed to a person: list them, assign them, reply to the customer, hand back to the assistant.",
    no_args_is_help=True,
)
AUTHOR = typer.Option("--as", help="Your name, as the customer sees it under the reply and the logs record it.")


def cli_login() -> str:
    """What a reply from the command line records as its login, beside the free-text ``--as`` name: ``cli:`` and
    the operating-system user who ran it, or ``cli`` where there is none to read (a container with no user
    entry). A review-page login cannot look like it (usernames have no ``:``)."""
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        return "cli"
    return f"cli:{user}" if user else "cli"


def _staff_manager(ctx: typer.Context) -> tuple[Assistant, DialogManager]:
    """The store-backed dialog manager for staff commands: they never answer, so no model is loaded.
    The database must be there already (a mistyped path is reported, not created) and reachable."""
    from assistant.app import Assistant
    from assistant.store import check_database_exists
    from dialog.manager import DialogManager

    assistant = Assistant(settings_from(ctx))
    ctx.call_on_close(assistant.close)  # the "taken" and "handed_back" notices go out before the command ends
    run_guarded(lambda: check_database_exists(assistant.settings.database_url))
    store = run_guarded(lambda: assistant.store)
    replies = run_guarded(lambda: staff_replies(assistant))  # hand-back tells the customer in the team's words
    return assistant, DialogManager(store, None, max_message_chars=assistant.settings.max_message_chars, replies=replies)  # type: ignore[arg-type]


def staff_replies(assistant: Assistant) -> Replies:
    """The texts a staff command tells the customer (the hand-back's ``handed_back``, in the conversation's language):
    the built-in keys of the team's replies file (RepliesError for a wrong one), with the files of its other languages.
    Not ``Assistant.replies``, which also checks the file's ``intent.NAME`` and business actions' keys: that loads the
    intent model and the team's business actions, and warns about them, though a staff command uses neither."""
    from assistant.app import DEMO_RULES
    from dialog.replies import Replies, RepliesError, parse_replies, with_translations
    from dialog.text_files import read_yaml_with_lines

    path = assistant.settings.replies_file
    if path is None:
        return with_translations(Replies(), DEMO_RULES.parent)
    data, lines = read_yaml_with_lines(path, "replies file", RepliesError)
    if isinstance(data, dict):  # the dialog's own keys (intent.NAME, ACTION.TEXT) are the dialog's to check
        data = {key: text for key, text in data.items() if "." not in str(key) or str(key).startswith("language.")}
    return with_translations(parse_replies(data, str(path), lines=lines), path.parent)


@inbox_app.command("list")
def inbox_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a conversation, a line each, for scripts.")] = False,
) -> None:
    """The conversations a person has: awaiting a staff reply first, longest waiting first."""
    import json

    from assistant.store.inbox import conversations_with_a_person, reason_for_agents, waited

    assistant, _ = _staff_manager(ctx)
    items = run_guarded(lambda: conversations_with_a_person(assistant.sql_store.engine))
    if as_json:
        for item in items:  # the staff API's fields, and how long the customer has waited (null: answered)
            print(json.dumps({
                "session_id": item.session_id, "title": item.title, "handed_off_at": item.handed_off_at.isoformat(),
                "waiting_since": item.waiting_since.isoformat() if item.waiting_since else None,
                "reason": item.reason, "agent": item.agent, "awaiting_reply": item.awaiting_reply,
                "assigned_to": item.assigned_to,
            }, ensure_ascii=False))
        return
    if not items:
        out.print("Nobody is waiting for a person.")
        return
    # At 80 columns the date was cut to "2026-12-…", and then the first message and the reason wrapped a word a line
    # with words broken ("NW-20481 / 736"): the date and the session id are whole, the first message and the reason
    # one line each in one column, shortened with "…" to what the terminal leaves them (the whole: --json, the page).
    texts = max(12, min(60, out.width - 62))  # the other columns: date 10-16, waiting 8, staff 10, session 22, spacing
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("handed off (UTC)", min_width=len("2026-12-05"), max_width=16)
    # how long the customer has waited for a staff reply (the page's Waiting); "answered": staff wrote last
    table.add_column("waiting", no_wrap=True, width=8)
    table.add_column("first message / reason", no_wrap=True, overflow="ellipsis", width=texts)
    # who has taken it (`inbox assign`, the page's Assigned to; "-": nobody), under it who from staff wrote last
    table.add_column("assigned / staff", overflow="fold", max_width=10)
    table.add_column("session", no_wrap=True, width=22)  # whole, to copy into `inbox reply`
    for item in items:
        table.add_row(
            f"{item.handed_off_at:%Y-%m-%d %H:%M}", waited(item.waiting_since) if item.waiting_since else "answered",
            Text(" ".join((item.title or "").split()) + "\n") + Text(reason_for_agents(item.reason), style="dim"),
            Text(f"{item.assigned_to or '-'}\n") + Text(item.agent or "", style="dim"), item.session_id,
        )
    out.print(table)


@inbox_app.command("reply")
def inbox_reply(
    ctx: typer.Context,
    session_id: Annotated[str, typer.Argument(help="The conversation (see `assistant inbox list`).")],
    text: Annotated[str, typer.Argument(help="What to tell the customer.")],
    author: Annotated[str, AUTHOR] = "support",
) -> None:
    """Write to the customer; a conversation not handed off yet is taken over, so the assistant stops answering it."""
    _, manager = _staff_manager(ctx)
    run_guarded(lambda: manager.reply_as_staff(session_id, text, author=author, login=cli_login()))
    out.print(f"Sent to {session_id} at {datetime.now(timezone.utc):%H:%M} UTC; the customer's chat shows it.")


@inbox_app.command("assign")
def inbox_assign(
    ctx: typer.Context,
    session_id: Annotated[str, typer.Argument(help="The conversation (see `assistant inbox list`).")],
    to: Annotated[str | None, typer.Option("--to", help="The review login that takes it (the Inbox's Assigned to).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Nobody has it any more.")] = False,
) -> None:
    """Note who has taken a conversation a person has, so that two agents do not answer the same customer; another
    login's assignment is replaced. Lasts until the conversation is handed back."""
    from assistant.store.inbox import NotWithAPerson, assign, unassign
    from assistant.store.staff import StaffUsers
    from assistant.store.tables import InboxAssignmentRow

    if (to is None) != clear:  # neither, or both
        raise typer.BadParameter("give --to LOGIN or --clear", param_hint="--to")
    if to is not None:
        to = to.strip()
        longest = InboxAssignmentRow.__table__.c.agent.type.length  # 64: longer is an error of the database (PostgreSQL)
        if not 0 < len(to) <= longest:
            raise typer.BadParameter(f"give a review login of 1 to {longest} characters (got {len(to)})", param_hint="--to")
    assistant, _ = _staff_manager(ctx)
    engine = assistant.sql_store.engine
    try:
        if clear:
            before = run_guarded(lambda: unassign(engine, session_id))
            out.print(f"Nobody has {session_id} now" + (f" ({before} had it)." if before else " (nobody had it)."))
            return
        logins = [name for name, _role, _at in run_guarded(lambda: StaffUsers(engine).logins())]
        if logins and to not in logins:
            fail(f"{to} is not a review login; the logins are: {', '.join(logins)}")
        run_guarded(lambda: assign(engine, session_id, str(to)))
    except NotWithAPerson as error:
        fail(str(error))
    out.print(f"Assigned {session_id} to {to}.")


_BARE_MINUTES = re.compile(r"\s*(\d+)\s*m\s*", re.IGNORECASE)


def idle_age(text: str) -> timedelta:
    """``--older-than``: ``parse_age``'s minutes, hours, days and weeks; here a bare "m" is minutes too (``1m``), as
    most people read it for an idle time (a purge refuses it: months or minutes?)."""
    from assistant.store.admin import parse_age

    bare = _BARE_MINUTES.fullmatch(text)
    return parse_age(f"{bare.group(1)}min" if bare else text)


@inbox_app.command("hand-back")
def inbox_hand_back(
    ctx: typer.Context,
    session_id: Annotated[
        str | None, typer.Argument(help="The conversation to give back to the assistant (or --older-than instead).")
    ] = None,
    author: Annotated[str, AUTHOR] = "support",
    older_than: Annotated[
        str | None,
        typer.Option(
            help="Instead of one conversation: every one a person has that has been idle longer than this, e.g. 30d, "
            "2w, 12h or 30min (m: minutes) (after upgrading from a release without the Inbox, whose handoffs were never "
            "handed back)."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --older-than: only count them.")] = False,
) -> None:
    """Hand the conversation back: the assistant answers the customer's next message again."""
    from assistant.store.inbox import idle_with_a_person
    from dialog.manager import InvalidMessage
    from dialog.store import UnknownSession

    if (session_id is None) == (older_than is None):
        raise typer.BadParameter("give one conversation's id or --older-than", param_hint="SESSION_ID")
    if session_id is not None:
        _, manager = _staff_manager(ctx)
        run_guarded(lambda: manager.hand_back(session_id, author=author))
        out.print(f"Handed {session_id} back to the assistant.")
        return
    age = run_guarded(lambda: idle_age(older_than))
    assistant, manager = _staff_manager(ctx)
    cutoff = datetime.now(timezone.utc) - age
    idle = run_guarded(lambda: idle_with_a_person(assistant.sql_store.engine, cutoff))
    if dry_run:
        out.print(f"Would hand back {len(idle)} conversation(s) idle since before {cutoff:%Y-%m-%d %H:%M} UTC.")
        return

    def hand_back_each() -> int:
        handed = 0
        for idle_id in idle:
            try:
                manager.hand_back(idle_id, author=author)
            except (InvalidMessage, UnknownSession):
                continue  # handed back or erased meanwhile: the others still go
            handed += 1
        return handed

    handed = run_guarded(hand_back_each)
    out.print(f"Handed back {handed} of {len(idle)} conversation(s) idle since before {cutoff:%Y-%m-%d %H:%M} UTC.")
