"""`assistant ingest PATHS...`: index documents, once or (``--watch``) each time they change.

Registers the ``ingest`` command on the main ``app`` when imported (see ``assistant/cli.py``).
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape

from assistant.cli import app
from assistant.cli_common import err, fail, out, run_guarded, settings_from

if TYPE_CHECKING:
    from assistant.config import Settings
    from retrieval.embedders import Embedder
    from retrieval.watch import Snapshot


@app.command()
def ingest(
    ctx: typer.Context,
    given: Annotated[list[str], typer.Argument(metavar="PATHS...", help="Files or folders: Markdown, text, HTML, PDF, FAQ CSV/JSON.")],
    rebuild: Annotated[bool, typer.Option(help="Discard the index and embed everything again.")] = False,
    replace: Annotated[
        bool, typer.Option(help="These paths take the place of ingested folders that hold the same document ids (a copied or moved knowledge base).")
    ] = False,
    watch: Annotated[
        Optional[float],
        typer.Option(
            metavar="SECONDS", min=0.1, show_default=False,
            help="After indexing, keep watching the paths: look every SECONDS and index again once files changed and "
            "then stayed the same for two more looks (Ctrl-C stops). A folder that has become empty is not taken out.",
        ),
    ] = None,
) -> None:
    """Index documents. Only new or changed documents are embedded; deleted ones are removed.

    Ids are paths relative to the folder given; a file or subfolder of an ingested folder keeps that folder's ids (docs/retrieval.md, "Document ids").

    Running servers pick up the new index by themselves."""
    # "" (an unset variable in `assistant ingest "$KB"`) would be the working folder; a path that is not
    # there is a typo, not a folder emptied on purpose (that is `assistant index prune`)
    if any(not path.strip() for path in given):
        fail("an empty path was given; name the files or folders to index.")
    paths = [Path(path) for path in given]
    missing = [str(path) for path in paths if not path.exists() and not path.is_symlink()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    from assistant.app import Assistant
    from retrieval.watch import snapshot

    settings = settings_from(ctx)
    embedder = run_guarded(lambda: Assistant(settings).embedder)
    before = snapshot(paths) if watch is not None else None  # a file changed while the first ingest runs is seen
    told: set[str] | None = set() if watch is not None else None
    ingest_once(paths, settings, embedder, rebuild=rebuild, replace=replace, told=told)
    if watch is not None:
        watch_and_ingest(paths, settings, embedder, watch, replace=replace, indexed=before, told=told)


def watch_and_ingest(
    paths: list[Path], settings: Settings, embedder: Embedder, interval: float, replace: bool, indexed: Snapshot | None = None,
    told: set[str] | None = None,
) -> None:
    """Index ``paths`` again whenever their files changed (retrieval/watch.py) until Ctrl-C; a round that
    fails is reported and the watching goes on. ``indexed``: the files as they were when the last ingest began;
    ``told``: the notes the last round printed (each round prints only new ones)."""
    told = set() if told is None else told
    from retrieval.watch import watch

    def again() -> None:
        err.print("Files changed; indexing again.", highlight=False)
        try:
            ingest_once(paths, settings, embedder, replace=replace, told=told)
        except typer.Exit as stop:
            if stop.exit_code == 130:  # Ctrl-C during the ingest
                raise
            err.print("Still watching.", highlight=False)

    def left_alone(folders: list[str]) -> None:
        err.print(
            f"[yellow]not indexed[/] {escape(', '.join(folders))}: no files any more (a share no longer mounted?). The "
            "index keeps their documents; to take them out, run `assistant ingest` on the folder by hand.",
            highlight=False, soft_wrap=True,
        )

    err.print(f"Watching {escape(', '.join(map(str, paths)))} every {interval:g} s; Ctrl-C stops.", highlight=False, soft_wrap=True)
    signal.signal(signal.SIGTERM, stop_as_ctrl_c)  # a service manager stopping the watcher: the same as Ctrl-C
    try:
        watch(paths, interval, again, left_alone, indexed=indexed)
    except KeyboardInterrupt:
        err.print("Stopped watching; the index is up to date with the last change seen.", highlight=False)


def stop_as_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def ingest_once(
    paths: list[Path], settings: Settings, embedder: Embedder, rebuild: bool = False, replace: bool = False,
    told: set[str] | None = None,
) -> None:
    """One ingest of ``paths`` with its report; fails (typer.Exit) when nothing could be indexed, on
    conflicting ids, and with code 130 when stopped with Ctrl-C. With ``told`` (while watching: the notes of
    the last round, replaced by this round's), a note said in the last round is counted, not printed again:
    a large help centre's 48 notes of duplicates and repeated questions came again after every edit."""
    from retrieval.ingest import ingest as run_ingest
    from retrieval.loaders import SUPPORTED_SUFFIXES

    try:
        report = run_guarded(
            lambda: run_ingest(
                paths, embedder, settings.index_dir, rebuild=rebuild, show_progress=True, replace=replace,
                on_wait=lambda message: err.print(message, highlight=False, soft_wrap=True), **settings.ingest_options(),
            )
        )
    except KeyboardInterrupt:
        fail("stopped; the index is as it was. The vectors embedded so far are kept: run the same ingest again to continue.", code=130)
    notes = [f"[yellow]skipped[/] {escape(str(path))}: {escape(str(reason))}" for path, reason in report.skipped]
    notes += [
        f"[yellow]note[/] {escape(str(folder))}: the folder has no supported files ({', '.join(sorted(SUPPORTED_SUFFIXES))})"
        for folder in report.empty_folders
    ]
    notes += [f"[yellow]note[/] {escape(where)}: {escape(note)}" for where, note in report.notes]
    notes += [
        f"[yellow]note[/] {escape(doc_id)} duplicates {escape(original)}; only {escape(original)} is indexed"
        for doc_id, original in report.duplicates
    ]
    notes += [f"[yellow]note[/] {escape(doc_id)}: its file could not be read; the previously indexed version is kept" for doc_id in report.kept]
    said_before = [note for note in notes if told is not None and note in told]
    for note in notes:
        if note not in said_before:
            err.print(note, highlight=False, soft_wrap=True)
    if said_before:
        err.print(f"{len(said_before)} note(s) as in the last round, not repeated", highlight=False)
    if told is not None:
        told.clear()
        told.update(notes)
    for doc_id, source, root in report.conflicts:
        err.print(
            f"[yellow]not indexed[/] {escape(str(source))}: the id {escape(doc_id)} belongs to a document from {escape(str(root))}. To keep both, ingest "
            f"their common folder; to move the knowledge base here, add --replace (docs/retrieval.md, Document ids)",
            highlight=False, soft_wrap=True,
        )
    for root in report.replaced_roots:
        err.print(
            f"[yellow]note[/] {escape(str(root))} is replaced by the paths given (it was moved or renamed, lies inside them, or --replace): "
            "its documents now come from them, and those they lack were removed",
            highlight=False, soft_wrap=True,
        )
    out.print(
        f"Indexed {len(report.added)} new, {len(report.updated)} changed, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed document(s); {report.chunks_embedded} chunk(s) embedded. "
        f"Index: {report.total_documents} documents, {report.total_chunks} chunks in {settings.index_dir}.",
        highlight=False, soft_wrap=True, markup=False,
    )
    if report.total_documents == 0:
        fail("no documents could be indexed from the given paths.")
    if report.conflicts:
        fail(f"{len(report.conflicts)} document(s) were not indexed: their ids belong to another source (see above).")
