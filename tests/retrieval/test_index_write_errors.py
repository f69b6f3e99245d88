"""An index folder that cannot be written (read-only, a full disk, a path through a file) is one clear
error naming the folder, from the library, the command line and the knowledge-base tab."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from assistant.app import Assistant
from cli_helpers import invoke, runner  # noqa: F401 (fixture)
from retrieval.embedders import HashEmbedder
from retrieval.embedding_checkpoint import embed_resumably
from retrieval.errors import IndexWriteError
from retrieval.index import VectorIndex
from retrieval.ingest import ingest
from ui.kb_admin import KnowledgeBaseAdmin


@pytest.fixture
def blocked(tmp_path: Path) -> Path:
    """An index folder that cannot be made: its parent is a file."""
    (tmp_path / "not-a-folder").write_text("x")
    return tmp_path / "not-a-folder" / "index"


def test_ingest_into_a_folder_that_cannot_be_written_names_it(kb_dir: Path, blocked: Path) -> None:
    with pytest.raises(IndexWriteError, match=f"cannot write the index in {blocked}: .*The index is as it was"):
        ingest([kb_dir], HashEmbedder(), blocked)


def test_a_save_that_fails_names_the_folder_and_leaves_no_staging_folder(blocked: Path) -> None:
    with pytest.raises(IndexWriteError, match="cannot write the index in"):
        VectorIndex(256, "hash", "hash-256").save(blocked)
    assert list(blocked.parent.parent.iterdir()) == [blocked.parent]


def test_kept_vectors_that_cannot_be_written_are_an_index_write_error(blocked: Path) -> None:
    with pytest.raises(IndexWriteError, match="embedded.sqlite"):
        embed_resumably(HashEmbedder(), ["some text"], blocked.parent / ".index.embedded.sqlite")


def test_the_command_says_it_in_one_line(runner, kb_dir: Path, blocked: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(blocked))

    result = invoke(runner, "ingest", str(kb_dir))

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: cannot write the index in {blocked}" in result.output


def test_the_knowledge_base_tab_refuses_with_the_reason(assistant: Assistant, blocked: Path, tmp_path: Path) -> None:
    settings = assistant.settings
    admin = KnowledgeBaseAdmin(assistant.retriever, assistant.embedder, blocked, tmp_path / "uploads", settings.chunk_max_tokens, 0)
    (tmp_path / "gift.md").write_text("# Gift cards\n\nGift cards never expire.\n")

    with pytest.raises(gr.Error, match="cannot write the index"):
        admin.upload([str(tmp_path / "gift.md")])
