"""The knowledge-base tab of the staff pages: upload documents, see the index, re-index, remove a document.

Uploaded files are kept in one folder (``uploads``) and indexed from there, so a re-index keeps them.
Operations run one at a time; the chat keeps answering from the previous index until the new one is
swapped in (the retriever reloads it when the manifest changes).
"""

from __future__ import annotations

import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import gradio as gr
import pandas as pd

from retrieval.embedders import Embedder
from retrieval.index import IndexLoadError
from retrieval.ingest import IngestReport, UnknownDocuments, ingest, remove_documents
from retrieval.loaders import SUPPORTED_SUFFIXES
from retrieval.retriever import Retriever

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DOCUMENT_COLUMNS = ["Document", "Chunks", "File"]
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A file name without folders or odd characters (``../x y.md`` → ``x_y.md``)."""
    cleaned = _UNSAFE.sub("_", Path(name).name).strip("._")
    return cleaned or "document"


def source_root(doc_id: str, source: str) -> Path:
    """The folder a document was indexed from: its file's path minus the id's folders."""
    depth = len(PurePosixPath(doc_id.split("#")[0]).parts)
    return Path(source).parents[depth - 1]


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
    lines += [f"- {doc} duplicates {original}; not indexed twice" for doc, original in report.duplicates]
    return "\n".join(lines)


@dataclass
class KnowledgeBaseAdmin:
    retriever: Retriever
    embedder: Embedder
    index_dir: Path
    uploads_dir: Path
    max_tokens: int
    overlap_tokens: int
    sentence_vectors: bool = True

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def _ingest(self, paths: list[Path]) -> IngestReport:
        return ingest(
            paths, self.embedder, self.index_dir, max_tokens=self.max_tokens, overlap_tokens=self.overlap_tokens,
            sentence_vectors=self.sentence_vectors,
        )

    def status(self) -> tuple[str, pd.DataFrame]:
        """The index's manifest as text, and its documents with their chunk counts."""
        try:
            index = self.retriever.index
        except IndexLoadError as error:
            return f"**No usable index.** {error}", pd.DataFrame([], columns=DOCUMENT_COLUMNS)
        manifest = index.manifest()
        counts: dict[str, int] = {}
        for chunk in index.chunks.values():
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        rows = [[doc_id, counts.get(doc_id, 0), Path(info["source"]).name] for doc_id, info in sorted(index.documents.items())]
        text = (
            f"**{manifest['documents']} document(s), {manifest['chunks']} chunk(s)** · embedder `{manifest['embedder']}` · "
            f"{manifest['index_type']} · last update {manifest['updated_at'] or '—'}"
        )
        return text, pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)

    def upload(self, files: list[str] | None) -> str:
        """Copy the uploaded files into the uploads folder and index them; a file that cannot be read is
        reported and not kept."""
        if not files:
            raise gr.Error("Choose one or more files first.")
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        refused, saved = [], []
        for name in files:
            path = Path(name)
            target = self.uploads_dir / safe_filename(path.name)
            if target.suffix.lower() not in SUPPORTED_SUFFIXES:
                refused.append(f"- refused {path.name}: supported types are {', '.join(sorted(SUPPORTED_SUFFIXES))}")
            elif path.stat().st_size > MAX_UPLOAD_BYTES:
                refused.append(f"- refused {path.name}: larger than {MAX_UPLOAD_BYTES // 2**20} MB")
            else:
                shutil.copyfile(path, target)
                saved.append(target)
        if not saved:
            return "\n".join(refused)
        with self._lock:
            report = self._ingest([self.uploads_dir])
            unreadable = {str(Path(p).resolve()) for p, _ in report.skipped}
            for target in saved:
                if str(target.resolve()) in unreadable:
                    target.unlink(missing_ok=True)  # not kept: it would be skipped on every re-index
        return "\n".join([summarise(report), *refused])

    def reindex(self) -> str:
        """Index again every folder the index's documents came from (and the uploads folder)."""
        try:
            documents = self.retriever.index.documents
        except IndexLoadError:
            documents = {}
        roots = {source_root(doc_id, info["source"]) for doc_id, info in documents.items()}
        if self.uploads_dir.is_dir():
            roots.add(self.uploads_dir.resolve())
        roots = {root for root in roots if root.is_dir()}
        if not roots:
            raise gr.Error("Nothing to index yet: upload documents, or run `assistant ingest FOLDER`.")
        with self._lock:
            report = self._ingest(sorted(roots))
        return summarise(report)

    def remove(self, doc_id: str) -> str:
        """Remove a document from the index; an uploaded file is deleted too, so it stays removed."""
        doc_id = (doc_id or "").strip()
        if not doc_id:
            raise gr.Error("Pick a document first.")
        with self._lock:
            source = self.retriever.index.documents.get(doc_id, {}).get("source")
            try:
                removed, chunks = remove_documents(self.index_dir, self.embedder, [doc_id])
            except UnknownDocuments as error:
                raise gr.Error(str(error)) from None
        message = f"Removed {', '.join(removed)} ({chunks} chunk(s))."
        if source and Path(source).resolve().parent == self.uploads_dir.resolve():
            Path(source).unlink(missing_ok=True)
        elif source:
            message += f" Its file {source} is still there: delete it too, or a re-index adds it back."
        return message

    def select_document(self, table: pd.DataFrame, event: gr.SelectData) -> str:
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        return str(table.iloc[row]["Document"])

    def build_tab(self, page: gr.Blocks) -> None:
        """The tab's components, inside the caller's Blocks ``page``."""
        with gr.Tab("Knowledge base"):
            summary = gr.Markdown(elem_id="kb-summary")
            with gr.Row():
                files = gr.File(
                    label="Upload documents", file_count="multiple", elem_id="kb-upload",
                    file_types=sorted(SUPPORTED_SUFFIXES),
                )
                with gr.Column():
                    add = gr.Button("Index the uploaded files", variant="primary", elem_id="kb-add")
                    reindex = gr.Button("Re-index everything", elem_id="kb-reindex")
                    doc_id = gr.Textbox(label="Document id to remove", elem_id="kb-doc-id")
                    remove = gr.Button("Remove document", variant="stop", elem_id="kb-remove")
            outcome = gr.Markdown(elem_id="kb-outcome")
            documents = gr.Dataframe(interactive=False, wrap=True, elem_id="kb-documents", max_height=400)

            def then_refresh(event: Any) -> None:
                event.then(self.status, None, [summary, documents])

            then_refresh(add.click(self.upload, [files], [outcome]))
            then_refresh(reindex.click(self.reindex, None, [outcome]))
            then_refresh(remove.click(self.remove, [doc_id], [outcome]))
            documents.select(self.select_document, [documents], [doc_id])
            page.load(self.status, None, [summary, documents])
