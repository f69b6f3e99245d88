"""A question's model pass while a reload builds in another thread runs with one torch thread fewer, so the build
keeps its core and the pass does not wait on a thread that has none (retrieval/background.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from retrieval.embedders import HashEmbedder, SentenceTransformerEmbedder  # noqa: E402
from retrieval.ingest import ingest  # noqa: E402
from retrieval.retriever import Retriever  # noqa: E402


class ThreadCountingModel:
    """Stands in for the sentence-transformers model: records torch's thread count at each pass."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.threads.append(torch.get_num_threads())
        return np.ones((len(texts), 384), dtype=np.float32)


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_a_pass_during_a_reload_build_leaves_the_build_a_core(kb_dir: Path, tmp_path: Path, two_threads: None) -> None:
    index_dir = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), index_dir)
    retriever = Retriever(HashEmbedder(), index_dir)
    in_build, release = threading.Event(), threading.Event()

    def slow_build(index: object, served: object) -> str:
        in_build.set()
        release.wait(30)
        return "built"

    retriever.derived("slow", slow_build)  # built again for each reloaded index, before the swap
    in_build.clear()
    embedder = SentenceTransformerEmbedder("stand-in", tmp_path, "sha")
    embedder._model = model = ThreadCountingModel()
    os.utime(index_dir / "manifest.json", ns=(1, 1))  # another index on disk: reloaded below
    reloading = threading.Thread(target=retriever.reload)
    reloading.start()
    try:
        assert in_build.wait(30), "the reload did not build"
        embedder.embed(["a question asked meanwhile"])
    finally:
        release.set()
        reloading.join(30)
    embedder.embed(["a question asked after the reload"])

    assert model.threads == [1, 2]
    assert torch.get_num_threads() == 2


def test_the_builds_own_passes_keep_every_thread(two_threads: None, tmp_path: Path) -> None:
    from retrieval.background import building

    embedder = SentenceTransformerEmbedder("stand-in", tmp_path, "sha")
    embedder._model = model = ThreadCountingModel()

    with building():  # the reloading thread embedding its answer sentences
        embedder.embed(["a sentence of the new index"])

    assert model.threads == [2]
