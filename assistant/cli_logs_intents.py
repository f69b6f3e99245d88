"""`assistant logs export-intents`: the intents reviewers gave turns, as training data for `assistant train intents`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape

from assistant.cli_common import err, fail, out, run_guarded, settings_from
from assistant.cli_logs import logs_app

if TYPE_CHECKING:
    from dialog.nlu.relabel import Merged

SHOWN = 5  # examples named per kind of note


def _listed(items: list[str]) -> str:
    return "; ".join(items[:SHOWN]) + (f"; and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _warn(message: str) -> None:
    err.print(f"[yellow]Warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


@logs_app.command("export-intents")
def logs_export_intents(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Argument(metavar="OUT", help="The `text,label` CSV to write.", show_default=False)],
    merge: Annotated[
        Optional[Path],
        typer.Option(
            "--merge", metavar="BASE.csv",
            help="A `text,label` CSV (the one the model was trained on) to merge the labels into; a reviewer's label wins over its row with the same text.",
        ),
    ] = None,
    since: Annotated[
        Optional[datetime],
        typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Only labels given on or after this day (UTC)."),
    ] = None,
    until: Annotated[
        Optional[datetime],
        typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Only labels given on or before this day (UTC)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT when it exists already.")] = False,
) -> None:
    """Write the intents reviewers gave turns on the review pages (Label a turn: Correct intent) as a `text,label` CSV for `assistant train intents`: the customer's text of each labelled turn with its label.

    Redacted values ([EMAIL], [PHONE], …) are written as stand-ins of their kind (customer@example.com).

    When reviewers labelled one turn differently, or one text differently on two turns, the latest label stands and the others are named. Labels that the --merge file lacks are kept and named: they train as new intents.
    """
    from assistant.store import check_database_exists, make_engine
    from assistant.store.db import BATCH_TIMEOUTS
    from assistant.store.intent_labels import labelled_turns
    from assistant.store.review import day_after, utc_day
    from dialog.nlu.data import read_csv
    from dialog.nlu.relabel import Correction, merge_corrections, write_csv

    if since is not None and until is not None and until < since:
        fail(f"--until {until:%Y-%m-%d} is before --since {since:%Y-%m-%d}")
    if out_file.is_dir():
        fail(f"{out_file} is a folder; give a file name to write")
    if not out_file.parent.is_dir():
        fail(f"the folder {out_file.parent} does not exist")
    if out_file.exists() and not force:
        fail(f"{out_file} exists already; add --force to replace it")
    base = run_guarded(lambda: read_csv(merge)) if merge is not None else []  # a broken base file: said before the database
    url = settings_from(ctx).database_url
    run_guarded(lambda: check_database_exists(url))

    def read_labels():  # type: ignore[no-untyped-def]
        engine = make_engine(url, timeouts=BATCH_TIMEOUTS)
        try:
            return labelled_turns(engine, utc_day(since) if since else None, day_after(until))
        finally:
            engine.dispose()

    turns = run_guarded(read_labels)
    if not turns:
        period = " in that period" if since or until else ""
        fail(
            f"no turn has an intent given by a reviewer{period}, so {out_file} was not written. Label turns at /review "
            "(open a conversation, Label a turn: Correct intent, Save labels), then export again."
        )
    for turn in turns:
        if turn.other_labels:
            others = ", ".join(f"{label} by {reviewer}" for reviewer, label in turn.other_labels)
            _warn(f"{turn.where} was labelled {others}, and later {turn.label} by {turn.reviewer}: {turn.label} kept")
    merged = merge_corrections(base, [Correction(t.text, t.label, t.where) for t in turns])
    try:
        write_csv(out_file, merged.examples)
    except OSError as error:
        fail(f"cannot write {out_file}: {error.strerror or error}")
    _report(out_file, merge, merged, len(turns), sorted({p for t in turns for p in t.placeholders}))


def _report(out_file: Path, merge: Path | None, merged: Merged, labelled: int, placeholders: list[str]) -> None:
    """What was written, then what to check before training."""
    if merge is not None:
        parts = [f"{len(merged.added)} new text(s)", f"{len(merged.relabelled)} relabelling a row of {merge}"]
        if merged.confirmed:
            parts.append(f"{len(merged.confirmed)} already there with that label")
        out.print(
            f"Wrote {len(merged.examples)} examples to {out_file}: {merged.from_base} rows of {merge} and {labelled} "
            f"labelled turn(s) ({', '.join(parts)}).",
            highlight=False,
        )
    else:
        out.print(f"Wrote {len(merged.examples)} examples from {labelled} labelled turn(s) to {out_file}.", highlight=False)
    for correction, old in merged.relabelled[:SHOWN]:
        out.print(escape(f"  relabelled: {correction.text!r} {old} -> {correction.label}"), highlight=False)  # customers' words
    if merged.respelt:
        out.print(escape("  labels written as: " + ", ".join(f"{typed!r} -> {label}" for typed, label in merged.respelt.items())), highlight=False)
    if merged.conflicts:
        _warn(f"{len(merged.conflicts)} text(s) labelled differently on two turns, the latest label kept: {_listed(merged.conflicts)}")
    if merged.new_labels:
        named = ", ".join(f"{label} ({n})" for label, n in merged.new_labels.items())
        _warn(f"label(s) that {merge} does not have: {named}. They train as new intents; if one is a mistyped intent, "
              "correct the label on the review page and export again")
    for new, old in merged.near_labels:
        _warn(f"the new label {new!r} is one letter away from {old!r}: a typing mistake?")
    if merged.too_few:
        named = ", ".join(f"{label} ({n})" for label, n in merged.too_few.items())
        hint = "" if merge is not None else " (add --merge with the training data the model was trained on)"
        _warn(f"`assistant train intents` needs at least 2 examples of every label, and these have fewer: {named}{hint}")
    if placeholders:
        _warn(f"some texts keep placeholders of your own redaction patterns ({', '.join(placeholders)}), which the "
              "classifier never sees from a customer: put a typical value in their place in the file")
