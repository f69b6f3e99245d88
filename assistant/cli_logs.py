"""`assistant logs …`: export and purge the stored conversation logs."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.cli_common import err, fail, out, run_guarded, settings_from, user_errors

logs_app = typer.Typer(help="Export and purge the stored conversation logs.", no_args_is_help=True)


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


class Feedback(str, Enum):
    up = "up"
    down = "down"
    none = "none"


@logs_app.command("export")
def logs_export(
    ctx: typer.Context,
    out_file: Annotated[
        Path,
        typer.Argument(
            metavar="OUT",
            help="The file to write. Its suffix picks the format (.csv, .jsonl, .parquet) unless --format is given.",
            show_default=False,
        ),
    ],
    fmt: Annotated[Optional[ExportFormat], typer.Option("--format", help="csv, jsonl (one JSON object a line) or parquet.")] = None,
    since: Annotated[
        Optional[datetime],
        typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Only conversations last active on or after this day (UTC)."),
    ] = None,
    until: Annotated[
        Optional[datetime],
        typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Only conversations last active on or before this day (UTC)."),
    ] = None,
    intent: Annotated[Optional[str], typer.Option(help="Only conversations with a turn of this intent.")] = None,
    handoff: Annotated[
        Optional[bool], typer.Option("--handoff/--no-handoff", help="Only conversations handed off to a human (or never handed off).")
    ] = None,
    abstained: Annotated[
        Optional[bool],
        typer.Option("--abstained/--no-abstained", help="Only conversations where the assistant declined to answer (or never did)."),
    ] = None,
    not_helped: Annotated[
        Optional[bool],
        typer.Option(
            "--not-helped/--no-not-helped",
            help="Only conversations where the customer said an answer did not help (or never did): the review page's Not helped.",
        ),
    ] = None,
    failed_action: Annotated[
        Optional[bool],
        typer.Option(
            "--failed-action/--no-failed-action",
            help="Only conversations where a business action found nothing or failed, such as an order lookup with a "
            "wrong e-mail or an unknown number (or where none did).",
        ),
    ] = None,
    feedback: Annotated[
        Optional[Feedback], typer.Option(help="up / down: with a thumbs up / down; none: without any thumbs rating.")
    ] = None,
    search: Annotated[
        Optional[str], typer.Option(metavar="TEXT", help="Only conversations where a question or answer has all these words.")
    ] = None,
    model: Annotated[Optional[str], typer.Option(help="Only conversations whose last answer came from this model.")] = None,
    max_top_score: Annotated[
        Optional[float], typer.Option(help="Only conversations where some turn's best passage scored below this.")
    ] = None,
    sessions: Annotated[
        Optional[list[str]],
        typer.Option(
            "--session", metavar="ID",
            help="Only this conversation (repeat for more): e.g. for a customer who asks what is held about them.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT when it exists already.")] = False,
) -> None:
    """Export the turn records of the conversations that match the filters, one row per turn.

    The filters are those of the review page and select whole conversations: every turn of a matching one is exported.
    --session picks conversations by id (the review list's Session column), with the other filters or alone.

    Without filters, every conversation is. Each turn comes with its verdicts: the customer's thumbs and comments
    (customer_rating, customer_comment) and the reviewers' labels (review_verdict, review_correct_intent,
    review_notes and reviewer of the latest label; every reviewer's in labels). Sources, retrieved passages,
    timings and labels are JSON text in CSV and Parquet.
    In CSV, a text that begins with = + - or @ gets a leading ' so that a spreadsheet shows it rather than runs it.

    The file appears only once complete: a failed export leaves none behind. An existing file is replaced only with --force.
    """
    from assistant.store import export
    from assistant.store.review import LogFilter, day_after, utc_day

    if since is not None and until is not None and until < since:
        fail(f"--until {until:%Y-%m-%d} is before --since {since:%Y-%m-%d}")
    log_filter = run_guarded(
        lambda: LogFilter(
            text=search or "",
            since=utc_day(since) if since is not None else None,
            until=day_after(until),
            intent=intent or None,
            handoff=handoff,
            abstained=abstained,
            not_helped=not_helped,
            feedback=feedback.value if feedback is not None else "any",
            max_top_score=max_top_score,
            model=model or None,
            failed_action=failed_action,
        )
    )
    chosen = fmt.value if fmt is not None else None
    wanted = list(dict.fromkeys(session_id.strip() for session_id in sessions or [] if session_id.strip()))
    if sessions is not None and not wanted:
        fail("--session needs a conversation id")  # not an export of every conversation
    if out_file.is_file() and not force:
        fail(f"{out_file} exists already; add --force to replace it")
    run_guarded(lambda: (export.check_target(out_file), export.export_format(out_file, chosen)))  # before the database
    from assistant.store import check_database_exists

    url = settings_from(ctx).database_url
    run_guarded(lambda: check_database_exists(url))  # a mistyped SQLite path: said now, not under the progress bar
    columns = [TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(), TextColumn("turns"), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("export", total=None)
        try:
            rows = run_guarded(
                lambda: export.export_logs(
                    url,
                    log_filter,
                    out_file,
                    chosen,
                    on_total=lambda total: progress.update(task, total=total),
                    progress=lambda done: progress.update(task, completed=done),
                    session_ids=wanted,
                )
            )
        except OSError as error:  # not a missing folder (checked above) but e.g. no permission, disk full
            fail(f"cannot write {out_file}: {error.strerror or error}")
    note = "" if rows else " (no conversation matches the filters)"
    out.print(f"Exported {rows} turn record(s) to {out_file} ({export.export_format(out_file, chosen)}){note}.", highlight=False)
    found = stored_of(url, wanted) if wanted else None
    missing = [session_id for session_id in wanted if found is not None and session_id not in found]
    if missing:  # as `logs delete` does: a script answering an access request learns of it (the file holds the rest)
        fail(f"no conversation with the id(s) {', '.join(missing)} in the database; {out_file} holds the others")


@logs_app.command("purge")
def logs_purge(
    ctx: typer.Context,
    older_than: Annotated[str, typer.Option(help="Delete conversations idle longer than this: e.g. 90d, 2w, 12h.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be deleted.")] = False,
) -> None:
    """Delete conversations (with their events and turn records) whose last activity is older than the cutoff,
    and the writes the database refused after an outage (DATA_DIR/spool/turns.jsonl.rejected) spooled before it.
    The cutoff is noted in the database: any server's spool replay drops a write spooled before it of a conversation
    the database no longer has."""
    from assistant.store import admin

    age = run_guarded(lambda: admin.parse_age(older_than))
    settings = settings_from(ctx)
    report = run_guarded(lambda: admin.purge_logs(settings.database_url, age, dry_run=dry_run))
    rejected = 0 if report.dry_run else forget_rejected_or_fail(settings.data_dir, spooled_before=report.cutoff.timestamp())
    verb = "Would delete" if report.dry_run else "Deleted"
    refused = f", and {rejected} refused write(s) kept from an outage" if rejected else ""
    out.print(
        f"{verb} {report.sessions} session(s), {report.events} event(s) and {report.turns} turn record(s) "
        f"last active before {report.cutoff:%Y-%m-%d %H:%M} UTC{refused}.",
        highlight=False,
    )


def forget_rejected_or_fail(data_dir: Path, session_ids: list[str] | None = None, spooled_before: float | None = None) -> int:
    """``forget_rejected`` on the spool of ``data_dir``; a file that cannot be rewritten is one line, exit 1."""
    from assistant.store.spool import forget_rejected, rejected_file, spool_file

    try:
        return forget_rejected(spool_file(data_dir), session_ids, spooled_before)
    except OSError as error:
        fail(f"the database rows are deleted, but {rejected_file(spool_file(data_dir))} could not be rewritten: {error.strerror or error}")


def record_erasures_or_fail(data_dir: Path, session_ids: list[str]) -> tuple[int, bytes]:
    """``record_erasures`` for the spool of ``data_dir``, before the rows go; a file that cannot be written is one
    line, exit 1, and nothing is deleted (a server's replay of a turn spooled meanwhile would keep or restore it)."""
    from assistant.store.spool import erasures_file, record_erasures, spool_file

    try:
        return record_erasures(spool_file(data_dir), session_ids)
    except OSError as error:
        fail(f"nothing deleted: {erasures_file(spool_file(data_dir))} could not be written ({error.strerror or error}); "
             "run the command as the server's user, with the server's data folder (--data-dir)")


def spooled_or_fail(data_dir: Path, session_ids: list[str]) -> set[str]:
    """``spooled_sessions`` for the spool of ``data_dir``; a file that cannot be read is one line, exit 1."""
    from assistant.store.spool import spool_file, spooled_sessions

    try:
        return spooled_sessions(spool_file(data_dir), session_ids)
    except OSError as error:
        fail(f"nothing deleted: {spool_file(data_dir)} could not be read ({error.strerror or error}); "
             "run the command as the server's user, with the server's data folder (--data-dir)")


class ErasureRecorder:
    """What ``delete_conversations`` calls before deleting: note as erased the conversations it found in the
    database and those only in the spool (``spooled``), not an id found nowhere. Keeps what it noted (``found``,
    ``notes``), so that a delete that fails after it can take the notes back (``failed``)."""

    def __init__(self, data_dir: Path, session_ids: list[str], spooled: set[str]) -> None:
        self.data_dir, self.session_ids, self.spooled = data_dir, session_ids, spooled
        self.found: tuple[str, ...] = ()
        self.notes: list[tuple[int, bytes]] = []

    def __call__(self, found: tuple[str, ...]) -> None:
        erased = [session_id for session_id in self.session_ids if session_id in found or session_id in self.spooled]
        if erased:
            self.found = found
            self.notes.append(record_erasures_or_fail(self.data_dir, erased))

    def failed(self, url: str, error: Exception) -> NoReturn:
        """The delete failed (``error``: the database locked, or gone): one line that says whether anything was deleted
        and to run the command again, exit 1. A transaction known to be rolled back (the conversations found are all
        still stored) takes back the notes: they would have this data folder's server answer the conversations, still
        stored, as unknown during an outage. Where that cannot be told, the notes stay (the erasure's side)."""
        from assistant.store.spool import erasures_file, spool_file

        again = f"run `assistant logs delete {' '.join(self.session_ids)}` again once the database is available"
        if not self.notes:  # failed before any row could go
            fail(f"nothing was deleted: {error}; {again}")
        if stored_of(url, self.found) == set(self.found):
            kept = [note for note in self.notes if not _withdrawn(self.data_dir, note)]
            noted = f"; the id(s) stay noted as erased in {erasures_file(spool_file(self.data_dir))}" if kept else ""
            fail(f"nothing was deleted: {error}; {again}{noted}")
        fail(f"the delete may have been done (one transaction), the database cannot tell now: {error}; {again} "
             "(an id it no longer finds was deleted; the files written from them are removed then)")


def _withdrawn(data_dir: Path, note: tuple[int, bytes]) -> bool:
    from assistant.store.spool import spool_file, withdraw_erasures

    try:
        return withdraw_erasures(spool_file(data_dir), note)
    except OSError:
        return False


def stored_of(url: str, session_ids: Collection[str]) -> set[str] | None:
    """Those of these conversations the database at ``url`` holds; None when it cannot say."""
    from sqlalchemy import select

    from assistant.store import make_engine
    from assistant.store.tables import SessionRow

    try:
        engine = make_engine(url, create_tables=False)
        try:
            with engine.connect() as connection:
                return set(connection.scalars(select(SessionRow.id).where(SessionRow.id.in_(sorted(set(session_ids))))))
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - unreachable, locked even for reading: it cannot say
        return None


REVIEW_FILE_FOLDERS = ("conversation_tests", "training_examples")  # under data_dir/review, named after the conversation


def review_files(data_dir: Path, session_ids: list[str]) -> list[Path]:
    """The files the review pages wrote from these conversations (a conversation test, fine-tuning examples), and
    Gradio's copies of them, served as downloads (``gradio_temp_dir``: ``<hash>/<the file's name>``)."""
    from assistant.store.export import gradio_temp_dir

    wanted = set(session_ids)
    folders = [data_dir / "review" / name for name in REVIEW_FILE_FOLDERS]
    cache = gradio_temp_dir(data_dir)
    if cache.is_dir():
        folders += sorted(folder for folder in cache.iterdir() if folder.is_dir() and not folder.is_symlink())
    return sorted(path for folder in folders if folder.is_dir() for path in folder.iterdir() if path.stem in wanted)


def delete_review_files(data_dir: Path, files: list[Path]) -> None:
    """Delete ``review_files``, and the folders of Gradio's copies they leave empty."""
    from assistant.store.export import gradio_temp_dir

    cache = gradio_temp_dir(data_dir)
    for path in files:
        path.unlink(missing_ok=True)
        if path.parent.parent == cache:
            with contextlib.suppress(OSError):  # not empty: another file of the same content's copy
                path.parent.rmdir()


@logs_app.command("delete")
def logs_delete(
    ctx: typer.Context,
    session_ids: Annotated[list[str], typer.Argument(metavar="ID", help="Conversation ids (the review list's Session column).", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be deleted.")] = False,
) -> None:
    """Delete these conversations with everything stored of them (events, turn records, feedback, reviewer labels),
    e.g. when a customer asks for their data to be erased, the conversation tests and fine-tuning examples the
    review pages wrote from them (under DATA_DIR/review) and Gradio's copies of them served as downloads (under
    DATA_DIR/tmp/gradio), their writes that the database refused after an outage (DATA_DIR/spool/turns.jsonl.rejected)
    and their handoff notices still waiting for the webhook (DATA_DIR/notices). Their writes still waiting in the
    spool are dropped when the server replays them: the ids found (in the database, or in DATA_DIR/spool/turns.jsonl
    alone: a conversation started during an outage, not yet replayed) are noted in DATA_DIR/spool/turns.jsonl.erased
    (a digest of each id, not the id) before any row is deleted, and in the database (the same digests) in the
    delete's transaction, which every server's replay reads. An id found nowhere is said (exit 1) and not noted; when
    the database is out of reach or refuses the delete (locked by another process) nothing is deleted and the note
    is taken back: run it again. Exported files (the review page's exports too) and backups are not touched."""
    from assistant.notify import forget_notices, notices_folder
    from assistant.store import admin

    settings = settings_from(ctx)
    ids = [session_id.strip() for session_id in session_ids]
    given = list(dict.fromkeys(session_id for session_id in ids if session_id))
    spooled = spooled_or_fail(settings.data_dir, given)  # before the database: a replay may move them there meanwhile
    record = ErasureRecorder(settings.data_dir, given, spooled)
    try:
        report = admin.delete_conversations(
            settings.database_url, session_ids, dry_run=dry_run, before_delete=record, also_erased=spooled
        )
    except user_errors() as error:
        record.failed(settings.database_url, error)
    only_spooled = [session_id for session_id in report.unknown if session_id in spooled]
    unknown = [session_id for session_id in report.unknown if session_id not in spooled]
    files = review_files(settings.data_dir, ids)
    rejected = notices = 0
    if not report.dry_run:
        delete_review_files(settings.data_dir, files)
        rejected = forget_rejected_or_fail(settings.data_dir, session_ids=ids)
        notices = forget_notices(notices_folder(settings.data_dir), ids)
    verb = "Would delete" if report.dry_run else "Deleted"
    refused = f", and {rejected} refused write(s) kept from an outage" if rejected else ""
    waiting = f", and {notices} handoff notice(s) waiting for the webhook" if notices else ""
    spool = (f", and {len(only_spooled)} conversation(s) only in the spool, not yet in the database (their writes are "
             "dropped when a server replays it)") if only_spooled else ""
    out.print(
        f"{verb} {report.sessions} conversation(s), {report.events} event(s) and {report.turns} turn record(s), "
        f"and {len(files)} file(s) written from them on the review pages{refused}{waiting}{spool}.",
        highlight=False,
    )
    for path in files:
        out.print(f"  {path}", highlight=False)
    if unknown:
        fail(f"no conversation with the id(s) {', '.join(unknown)}")
