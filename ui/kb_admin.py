"""The knowledge-base tab of the staff pages: upload documents, see the index, re-index, remove a document.

Uploaded files are kept in one folder (``uploads``) and indexed from there, so a re-index keeps them.
A file is read before it is kept, so a broken re-upload leaves the earlier file alone. Re-index ingests
again exactly what was ingested (the index records the paths given to ``assistant ingest``) and the
uploads folder. Operations run one at a time, also against ingests from other processes (the index's
write lock); the chat keeps answering from the previous index until the new one is swapped in (the
retriever reloads it when the manifest changes).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import gradio as gr
import pandas as pd
from gradio.utils import get_upload_folder

from retrieval.embedders import Embedder
from retrieval.errors import IndexWriteError
from retrieval.file_records import recorded_file_ids
from retrieval.index import IndexLoadError
from retrieval.index_lock import IndexBusy
from retrieval.ingest import IngestReport, UnknownDocuments, ingest, remove_documents
from retrieval.loaders import FAQ_COLUMNS, SUPPORTED_SUFFIXES, file_id, load_file, resolve_faq_id, skip_reason
from retrieval.retriever import Retriever
from retrieval.sources import recorded_roots, relative_within
from ui.errors import refusal

logger = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 10.0  # how long a page action waits for an ingest running elsewhere before it gives up
DOCUMENT_COLUMNS = ["Document", "Chunks", "File", "Language", "Tags"]  # language and tags: what search_filters select by
LISTED_ROWS = 300  # documents sent to the page at a time: all 15,936 of a large help centre were 1.8 MB of JSON
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")  # a search as typed in the status line, not as formatting
_UNSAFE = re.compile(r"[^\w.-]+")  # \w: letters and digits of every script, and "_"


def safe_filename(name: str) -> str:
    """A file name without folders, spaces or punctuation (``../x y.md`` → ``x_y.md``); letters of any
    script are kept (``Rückgabe für Kunden.md`` → ``Rückgabe_für_Kunden.md``)."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", Path(name).name)).strip("._")
    return cleaned or "document"


def summarise(report: IngestReport) -> str:
    parts = [
        f"{len(report.added)} added",
        f"{len(report.updated)} updated",
        f"{len(report.removed)} removed",
        f"{len(report.unchanged)} unchanged",
        f"{report.chunks_embedded} chunk(s) embedded",
    ]
    lines = [", ".join(parts) + f"; the index holds {report.total_documents} document(s), {report.total_chunks} chunk(s)."]
    lines += [f"- skipped {Path(path).name}: {reason}" for path, reason in report.skipped]
    lines += [f"- note {Path(where).name}: {note}" for where, note in report.notes]
    lines += [f"- {doc} duplicates {original}; not indexed twice" for doc, original in report.duplicates]
    lines += [
        f"- not indexed {Path(source).name}: the id {doc} belongs to a document from {root}"
        for doc, source, root in report.conflicts
    ]
    return "\n".join(lines)


def listing_line(found: int, total: int, query: str) -> str:
    """What the table shows: all, or the first ``LISTED_ROWS`` of how many, with a hint to search."""
    if not query:
        if total <= LISTED_ROWS:
            return f"Showing all {total} document(s)."
        return f"Showing the first {LISTED_ROWS} of {total} document(s), by id: search to narrow."
    if not found:
        return f"No document of the {total} matches “{query}”."
    matching = f"{found} of {total} document(s) match “{query}”"
    return f"{matching}." if found <= LISTED_ROWS else f"{matching}; showing the first {LISTED_ROWS}, by id: type more to narrow."


def document_rows(index: Any, served: Any) -> list[tuple[list[Any], str]]:
    """Every document's row of the KB tab's table, sorted by id, with the text a search looks in (worked out once
    per loaded index: a search of 15,936 documents then only compares texts). ``served`` is not used: the tab
    lists the whole index, the documents ``search_filters`` leave out included."""
    counts, labels = index.chunk_counts(), index.document_labels()
    rows = []
    for doc_id, info in sorted(index.documents.items()):
        language, tags = labels.get(doc_id, ("", ()))
        row = [doc_id, counts[doc_id], Path(info["source"]).name, language, ", ".join(tags)]
        searched = "\n".join((doc_id, row[2], language, row[4]))  # not the chunk count
        rows.append((row, unicodedata.normalize("NFC", searched).casefold()))
    return rows


@dataclass
class KnowledgeBaseAdmin:
    retriever: Retriever
    embedder: Embedder
    index_dir: Path
    uploads_dir: Path
    max_tokens: int
    overlap_tokens: int
    sentence_vectors: bool = True
    faq_columns: tuple[str, str] = FAQ_COLUMNS
    index_options: dict[str, Any] = field(default_factory=dict)  # index_type, ann_threshold: as the CLI's ingest
    browser_uploads: Path = field(default_factory=lambda: Path(get_upload_folder()))  # where Gradio keeps uploads
    # run after each ingest's swap, its result logged: the server hands back what the C allocator kept of the
    # ingest's embedding batches and of the index before (assistant.malloc_arenas.release_freed_memory)
    release_memory: Callable[[], str] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def _ingest(self, paths: list[Path], then: str = "") -> IngestReport:
        """Ingest ``paths``; a busy or unwritable index is refused with its message and ``then`` after it."""
        try:
            report = ingest(
                paths, self.embedder, self.index_dir, max_tokens=self.max_tokens, overlap_tokens=self.overlap_tokens,
                sentence_vectors=self.sentence_vectors, faq_columns=self.faq_columns, lock_timeout=LOCK_WAIT_SECONDS,
                **self.index_options,
            )
        except (IndexBusy, IndexWriteError) as error:
            raise refusal(f"{error} {then}".strip()) from None
        self._swap_in()
        return report

    def _swap_in(self) -> None:
        """Load the index just written now, so that the tab's status and notes describe it (a server reloads in the
        background: its questions keep the index before until this one is ready)."""
        try:
            self.retriever.reload()
        except IndexLoadError:  # the status line says why
            pass
        if self.release_memory is not None:
            logger.info("after the knowledge base's ingest: %s", self.release_memory())

    def _documents_with_roots(self) -> tuple[dict[str, dict], list[str]]:
        """A copy of the index's documents, each with its root, and the roots the index records (for an
        older index, inferred on the copy: the live index is left as it is)."""
        index = self.retriever.index
        documents = {doc_id: dict(info) for doc_id, info in index.documents.items()}
        roots, _ = recorded_roots(documents, index.sources, index.guessed_sources)
        return documents, roots

    def _ids_held_elsewhere(self) -> tuple[dict[str, str], dict[str, str]]:
        """The ids that documents of ingested paths other than the uploads folder hold, each with that path; and the
        id each indexed file's documents have (``file_records.recorded_file_ids``), which an ingest keeps."""
        if not (self.index_dir / "manifest.json").exists():
            return {}, {}
        documents, _ = self._documents_with_roots()
        elsewhere = {
            doc_id: str(info["root"]) for doc_id, info in documents.items()
            if info.get("root") and relative_within(Path(info["root"]), self.uploads_dir) is None
        }
        return elsewhere, recorded_file_ids(documents)

    def status(self, query: str = "") -> tuple[str, pd.DataFrame]:
        """The index's manifest as text, and its documents with their chunk counts: the first ``LISTED_ROWS`` by
        id, or of those with ``query`` in their id, file name, language or tags (ignoring case), with a line
        saying how many there are in all."""
        try:
            index = self.retriever.index
        except IndexLoadError as error:
            return f"**No usable index.** {error}", pd.DataFrame([], columns=DOCUMENT_COLUMNS)
        manifest = index.manifest()
        rows = self.retriever.derived("kb_tab_rows", document_rows)  # once per loaded index
        needle = unicodedata.normalize("NFC", (query or "").strip()).casefold()
        found = [row for row, text in rows if needle in text] if needle else [row for row, _ in rows]
        text = (
            f"**{manifest['documents']} document(s), {manifest['chunks']} chunk(s)** · embedder `{manifest['embedder']}` · "
            f"{manifest['index_type']} · last update {manifest['updated_at'] or '—'}"
        )
        text += "\n\n" + listing_line(len(found), len(rows), _MARKDOWN.sub(r"\\\1", query.strip()) if needle else "")
        return text, pd.DataFrame(found[:LISTED_ROWS], columns=DOCUMENT_COLUMNS)

    def upload(self, files: list[str] | None) -> str:
        """Index the uploaded files from the uploads folder. Each file is read first: one that cannot be
        read, or is over an ingest's size limit for its type (``retrieval.loaders``), is reported and not
        kept (an earlier upload of the same name stays); a re-upload of a name replaces that file."""
        if not files:
            raise refusal("Choose one or more files first.")
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        notes: list[str] = []
        accepted: dict[Path, Path] = {}  # file in the uploads folder -> the uploaded file
        uploaded_ids: list[str] = []
        held_elsewhere, recorded = self._ids_held_elsewhere()
        for name in files:
            path = Path(name)
            target = self.uploads_dir / safe_filename(path.name)
            if target.suffix.lower() not in SUPPORTED_SUFFIXES:
                notes.append(f"- refused {path.name}: supported types are {', '.join(sorted(SUPPORTED_SUFFIXES))}")
            elif target in accepted:
                notes.append(f"- refused {path.name}: {accepted[target].name} in this upload is also saved as {target.name}; rename one")
            else:
                try:
                    # the id the ingest gives it: an FAQ file keeps the one it has when a same-named neighbour came
                    ids = [d.doc_id for d in load_file(path, file_id(Path(target.name), target, recorded), self.faq_columns)]
                    taken = [doc_id for doc_id in ids if doc_id in held_elsewhere]
                except Exception as error:  # as an ingest skips it: UnreadableFile, or a file no parser copes with
                    notes.append(f"- skipped {path.name}: {skip_reason(error)}")
                    continue
                if taken:
                    root = held_elsewhere[taken[0]]
                    hint = (  # the uploads folder of a restored backup, still recorded at the path it had before
                        f", or, if {root} was this server's uploads folder before a restore to other paths, run "
                        f"`assistant ingest --replace {self.uploads_dir}` once (docs/operations.md, Backups)"
                        if Path(root).name == self.uploads_dir.name else ""
                    )
                    notes.append(
                        f"- refused {path.name}: the id {taken[0]} belongs to a document ingested from elsewhere ({root}); "
                        f"rename the file{hint}"
                    )
                    continue
                accepted[target] = path
                uploaded_ids.extend(ids)
        if not accepted:
            return "\n".join(notes)
        with self._lock:
            for target, path in accepted.items():
                if target.exists():
                    notes.append(f"- {target.name} replaces the earlier upload of that name")
                partial = target.with_name(f".{target.name}.part")  # hidden, so never indexed half-copied
                shutil.copyfile(path, partial)
                os.replace(partial, target)
            saved = "The uploaded files are saved: the next upload or Re-index indexes them."
            report = self._ingest([self.uploads_dir], then=saved)
        saved = f"- indexed from this upload: {', '.join(target.name for target in accepted)}"
        return "\n".join([summarise(report), saved, *notes, *self._filtered_out(uploaded_ids)])

    def _filtered_out(self, doc_ids: list[str]) -> list[str]:
        """A note naming the uploaded documents this server's ``search_filters`` leave out: its answers would
        never find them (an upload has no folder, so no folder tag), and the upload said only "added"."""
        filters = self.retriever.options.filters
        if not filters or not doc_ids:
            return []
        served = self.retriever.served_documents() or frozenset()
        hidden = [doc_id for doc_id in doc_ids if doc_id not in served]
        if not hidden:
            return []
        shown = ", ".join(hidden[:5]) + (f" and {len(hidden) - 5} more" if len(hidden) > 5 else "")
        return [
            f"- note: this server's search_filters {json.dumps(dict(filters), ensure_ascii=False)} leave out {shown}, so its "
            "answers never use them; give them matching tags (Markdown front matter `tags: [...]`, an FAQ file's tags "
            "column) and upload them again"
        ]

    def upload_from_browser(self, files: list[str] | None) -> str:
        """``upload`` for the staff page: only files the browser uploaded, which Gradio keeps in
        ``browser_uploads``. The page's request names the files by their path on the server, and a request
        written by hand can name any path: indexing it would publish a server file at ``/kb/``. (Gradio copies
        a named file into that folder unless it checks the path first: ``ui/server.py`` makes it check.)"""
        folder = Path(os.path.realpath(self.browser_uploads))
        outside = [name for name in files or [] if not Path(os.path.realpath(name)).is_relative_to(folder)]  # "..", links
        if outside:
            raise refusal("Only files uploaded from this page can be indexed.")
        return self.upload(files)

    def index_uploads(self, files: list[str] | None) -> tuple[str, None]:
        """The page's "Index the uploaded files": ``upload_from_browser``'s summary (what was indexed, skipped or
        refused), and an empty upload box. The files stayed listed there after indexing, inviting a second click;
        a refusal of the whole upload (nothing chosen, a busy index) leaves them for another try."""
        return self.upload_from_browser(files), None

    def reindex(self) -> str:
        """Index again every file and folder the index was built from, and the uploads folder."""
        try:
            _, roots = self._documents_with_roots()
        except IndexLoadError:
            roots = []
        paths = {Path(root) for root in roots}
        if self.uploads_dir.is_dir():
            paths.add(self.uploads_dir)
        present = sorted(path for path in paths if path.exists())
        if not present:
            raise refusal("Nothing to index yet: upload documents, or run `assistant ingest FOLDER`.")
        with self._lock:
            report = self._ingest(present)
        gone = [
            f"- {path} no longer exists; its documents stay until it is ingested from its new place or "
            "`assistant index prune` removes them"
            for path in sorted(paths - set(present))
        ]
        return "\n".join([summarise(report), *gone])

    def remove(self, doc_id: str) -> str:
        """Remove a document from the index. An uploaded file is deleted with its last document, so it
        stays removed; a file that still holds other FAQ entries, or lies outside the uploads folder,
        is kept and the message says so."""
        doc_id = (doc_id or "").strip()
        if not doc_id:
            raise refusal("Pick a document first.")
        with self._lock:
            try:
                removal = remove_documents(
                    self.index_dir, self.embedder, [doc_id], lock_timeout=LOCK_WAIT_SECONDS, faq_columns=self.faq_columns,
                    **self.index_options,
                )
            except (UnknownDocuments, IndexBusy, IndexWriteError) as error:
                raise refusal(str(error)) from None
            self._swap_in()
        lines = [f"Removed {', '.join(removal.doc_ids)} ({removal.chunks} chunk(s))."]
        uploads = self.uploads_dir.resolve()
        for source in removal.sources:
            path = Path(source)
            if path.parent == uploads and source in removal.files_emptied:
                path.unlink(missing_ok=True)
            elif path.parent == uploads:
                lines.append(
                    f"Its file {path.name} holds other entries and is kept, so a re-index adds this one back: upload a "
                    f"corrected {path.name}, or remove {doc_id.split('#')[0]} to delete the whole file."
                )
            elif source not in removal.files_emptied:  # an FAQ entry: deleting the file would take its other entries
                lines.append(
                    f"Its file {source} is still there with other FAQ entries: edit the file to drop this entry "
                    "(deleting the file removes the others too), or a re-index adds it back."
                )
            else:
                lines.append(f"Its file {source} is still there: delete it too, or a re-index adds it back.")
        return " ".join(lines)

    def ask_removal(self, doc_id: str) -> tuple[Any, str, str]:
        """The question before a removal (shown with a confirm and a cancel button) and the id it is about. One click
        on "Remove document" removed at once, and an uploaded file, the server's only copy of it, went with it. No id,
        or one the index does not hold, is a ``refusal`` (a question asked before stays as it was)."""
        doc_id = (doc_id or "").strip()
        if not doc_id:
            raise refusal("Pick a document first.")
        shown = _MARKDOWN.sub(r"\\\1", doc_id)  # as typed, not as formatting
        if not self._holds(doc_id):  # asked "Remove no/such-doc?" and refused only after "Yes"
            raise refusal(f"The index holds no document {doc_id}: pick one from the list below.")
        question = f"Remove **{shown}** from the index? Its answers stop using it; an uploaded file is deleted with its last document."
        return gr.update(visible=True), question, doc_id

    def _holds(self, doc_id: str) -> bool:
        """Whether the index holds ``doc_id`` (or, for a file's id, one of its entries ``id#...``), as ``remove`` matches."""
        try:
            documents = self.retriever.index.documents
        except (IndexLoadError, AttributeError, OSError):  # no index to look in: the removal says why
            return True
        wanted = unicodedata.normalize("NFC", doc_id)
        return any(
            form == wanted or form.startswith(f"{wanted}#") for form in (unicodedata.normalize("NFC", d) for d in documents)
        ) or resolve_faq_id(documents, doc_id, self.faq_columns) is not None  # an FAQ entry's id of before

    def select_document(self, table: pd.DataFrame, event: gr.SelectData) -> str:
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        return str(table.iloc[row]["Document"])

    def build_tab(self, page: gr.Blocks) -> tuple[gr.Markdown, gr.Row]:
        """The tab's components, inside the caller's Blocks ``page``. Gives the note that changes need an admin
        (hidden) and the row of controls that change the index, for the page to show the one or the other by role."""
        with gr.Tab("Knowledge base"):
            summary = gr.Markdown(elem_id="kb-summary")
            admins_only = gr.Markdown(visible=False, elem_id="kb-admins-only")
            with gr.Row() as changes:
                files = gr.File(
                    label="Upload documents", file_count="multiple", elem_id="kb-upload",
                    file_types=sorted(SUPPORTED_SUFFIXES),
                )
                with gr.Column():
                    add = gr.Button("Index the uploaded files", variant="primary", elem_id="kb-add")
                    reindex = gr.Button("Re-index everything", elem_id="kb-reindex")
                    doc_id = gr.Textbox(label="Document id to remove", elem_id="kb-doc-id")
                    remove = gr.Button("Remove document", variant="stop", elem_id="kb-remove")
            with gr.Column(visible=False, elem_id="kb-confirm", variant="panel") as confirm:  # a removal is asked about first
                question = gr.Markdown(elem_id="kb-confirm-question")
                with gr.Row():
                    confirmed = gr.Button("Yes, remove it", variant="stop", elem_id="kb-confirm-remove")
                    cancel = gr.Button("Cancel", elem_id="kb-confirm-cancel")
            # the id asked about, whatever the box holds by the time the answer comes (in the page, as the Inbox's open id)
            pending = gr.Textbox("", visible=False, elem_id="kb-confirm-id")
            outcome = gr.Markdown(elem_id="kb-outcome")
            with gr.Column(elem_id="kb-documents"):  # the search runs here: the table holds at most LISTED_ROWS of thousands
                find = gr.Textbox(
                    label="Find a document", placeholder="a part of its id, file name or tags", elem_id="kb-find",
                )
                documents = gr.Dataframe(
                    label="Documents in the index", show_label=False, interactive=False, wrap=True, elem_id="kb-table", max_height=400,
                )

            def then_refresh(event: Any) -> None:  # after a change; a refused one changed nothing
                event.success(self.status, [find], [summary, documents])

            find.change(self.status, [find], [summary, documents], trigger_mode="always_last", show_progress="hidden")

            then_refresh(add.click(self.index_uploads, [files], [outcome, files]))
            then_refresh(reindex.click(self.reindex, None, [outcome]))
            remove.click(self.ask_removal, [doc_id], [confirm, question, pending])
            cancel.click(lambda: (gr.update(visible=False), ""), None, [confirm, pending])
            then_refresh(
                confirmed.click(lambda: gr.update(visible=False), None, [confirm]).success(self.remove, [pending], [outcome])
            )
            documents.select(self.select_document, [documents], [doc_id])
            page.load(self.status, [find], [summary, documents])
        return admins_only, changes
