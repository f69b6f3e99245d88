"""`assistant backup FOLDER`: a consistent copy of the conversation log, index, uploads, spool and waiting handoff
notices (assistant/backup.py); `assistant restore FOLDER` puts it back (assistant/restore.py).

Registers the ``backup`` command on the main ``app`` when imported (see ``assistant/cli.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import app
from assistant.cli_common import err, out, run_guarded, settings_from


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="A new or empty folder for the backup.", show_default=False)],
    pg_dump: Annotated[bool, typer.Option(
        "--pg-dump/--no-pg-dump",
        help="With PostgreSQL: dump the database into FOLDER/assistant.dump with pg_dump (when installed), or only print the command.",
    )] = True,
) -> None:
    """Copy the conversation log, search index, staff uploads, spool and waiting handoff notices into FOLDER; safe while a server runs.

    The log: SQLite's online backup, or a PostgreSQL dump by pg_dump (which must be the server's major version
    or newer; without pg_dump, or with --no-pg-dump, the command prints the pg_dump command instead).
    Restoring: `assistant restore FOLDER` (docs/operations.md, Backups).
    """
    from assistant.app import is_trained_embedder
    from assistant.backup import backup

    settings = settings_from(ctx)
    report = run_guarded(
        lambda: backup(
            folder, settings.database_url, settings.index_dir, settings.data_dir,
            on_wait=lambda message: err.print(message, highlight=False, soft_wrap=True), run_pg_dump=pg_dump,
        )
    )
    say = lambda line: out.print(line, highlight=False, soft_wrap=True, markup=False)  # noqa: E731
    say(f"Backup in {report.folder} ({report.created}):")
    if report.database_copy:
        say(f"  conversation log: {report.database_copy}")
    else:
        why = "" if not pg_dump else " (pg_dump is not installed here)"
        say(f"  conversation log: not copied{why} ({report.database}); back it up with: {report.pg_dump}")
    if report.index_copy:
        say(f"  search index: {report.index_copy} ({report.documents} documents, {report.chunks} chunks)")
    else:
        say(f"  search index: none at {settings.index_dir}")
    for what, copy in (("staff uploads", report.uploads_copy), ("spooled writes", report.spool_copy),
                       ("handoff notices waiting for the webhook", report.notices_copy)):
        if copy:
            say(f"  {what}: {copy}")
    checked = [what for what, done in ((f"the database copy passes {report.database_check}", report.database_check),
                                       ("the index files match their checksums", report.index_copy)) if done]
    if checked:
        say(f"Checked: {' and '.join(checked)}.")
    if report.not_copied:
        say(f"Not copied, keep your own copies: the knowledge-base sources ({', '.join(report.not_copied)}), the models and the configuration.")
    if report.index_copy and is_trained_embedder(settings.embedder):
        say(f"Keep a copy of the trained embedder {settings.embedder} too: the index loads only with the weights it was built "
            "with (their sha256), which a new training need not give back.")


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="A folder `assistant backup` made.", show_default=False)],
    force: Annotated[bool, typer.Option(
        "--force", help="Restore over the data in place, which is moved aside into DATA_DIR/before-restore-<time>/ (not deleted).",
    )] = False,
) -> None:
    """Put back what `assistant backup` copied into FOLDER: the conversation log (staff logins with it), the
    search index, staff uploads, spooled writes and handoff notices waiting for the webhook, under the current
    settings' paths.

    The backup is checked first (backup.json, its checksums, the database copy, the index's checksums). Refused
    while a server (or `assistant chat`) runs on this data_dir or has the SQLite file open, and, without --force,
    when there is data in place. A PostgreSQL dump is loaded with pg_restore into the database of database_url
    (which must exist: createdb). See docs/operations.md, Backups.
    """
    from assistant.restore import restore

    settings = settings_from(ctx)
    report = run_guarded(
        lambda: restore(
            folder, settings.database_url, settings.index_dir, settings.data_dir, force=force,
            on_wait=lambda message: err.print(message, highlight=False, soft_wrap=True),
        )
    )
    say = lambda line: out.print(line, highlight=False, soft_wrap=True, markup=False)  # noqa: E731
    for warning in report.warnings:
        err.print(f"Warning: {warning}", highlight=False, soft_wrap=True, markup=False)
    say(f"Restored the backup {report.backup} (made {report.created}):")
    for line in report.restored:
        say(f"  {line}")
    if report.moved_aside:
        say(f"The data it replaced is kept in {report.moved_aside} (delete it once the restore is checked).")
    say("Next: `assistant db current` (a log from an older version is migrated by `assistant db upgrade` or the server) "
        "and `assistant index status`; run your `logs purge` and the `logs delete` of erasure requests made since the backup again.")
