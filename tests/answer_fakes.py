"""Fakes for dialog tests that need the answer action to find something without an index: retrievers that
find one article, or score articles by the key words a query contains (both keep the queries searched), and
an extractive answerer that gives the first passage's first sentence."""

from __future__ import annotations

from retrieval.documents import Chunk, Passage


def article(doc_id: str, text: str) -> Chunk:
    """A one-passage article whose title and heading are its id."""
    return Chunk(Chunk.make_id(doc_id, doc_id, text), doc_id, doc_id, doc_id, text, f"{doc_id}.md")


class OneArticle:
    """Finds ``found`` for every query, scored ``score``."""

    index_version = "test"

    def __init__(self, found: Chunk, score: float = 0.8) -> None:
        self.found, self.score = found, score
        self.queries: list[str] = []

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        self.queries.append(query)
        return [Passage(self.found, self.score)]

    def article_titles(self) -> dict[str, str]:
        return {self.found.doc_id: self.found.title}

    def embed_ahead(self, queries: list[str]) -> None:
        pass


class KeywordArticles:
    """``{doc_id: (text, keys)}``: scores each article 0.3 and 0.1 more for each of its ``keys`` the query contains,
    best first (in their order on a tie)."""

    index_version = "test"

    def __init__(self, articles: dict[str, tuple[str, tuple[str, ...]]]) -> None:
        self.chunks = {doc_id: (article(doc_id, text), keys) for doc_id, (text, keys) in articles.items()}
        self.queries: list[str] = []

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        self.queries.append(query)
        found = [Passage(c, 0.3 + 0.1 * sum(key in query.lower() for key in keys)) for c, keys in self.chunks.values()]
        return sorted(found, key=lambda p: -p.score)[:k]

    def article_titles(self) -> dict[str, str]:
        return {doc_id: doc_id for doc_id in self.chunks}

    def embed_ahead(self, queries: list[str]) -> None:
        pass


class FirstSentence:
    """An extractive answerer that answers with the first passage's first sentence, cited."""

    name = "first-sentence"

    def answer(self, question: str, passages: list[str], **_: object) -> str:
        return f"{passages[0].strip().split('. ')[0].rstrip('.')}. [1]"


class FirstPassage:
    """An extractive answerer that answers with the whole first passage, cited."""

    name = "first-sentence"

    def answer(self, question: str, passages: list[str], **_: object) -> str:
        return f"{passages[0]} [1]"
