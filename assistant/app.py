"""Wiring: the only place that picks concrete classes from the settings."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from fastapi import FastAPI

from assistant.config import Settings
from assistant.lm.base import Generator, ScriptedGenerator
from assistant.lm.extractive import ExtractiveAnswerer
from assistant.models import get_spec, model_path, resolve_device
from assistant.privacy import RedactingStore, redactor_from_settings
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store.staff import StaffUsers
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.store import ConversationStore
from retrieval.embedders import CachedEmbedder, Embedder, HashEmbedder, SentenceTransformerEmbedder
from retrieval.retriever import Retriever

# Deterministic stand-ins that load nothing, for tests and for trying the plumbing quickly.
FAKE_EMBEDDERS = {"hash": HashEmbedder}
FAKE_GENERATORS = {"scripted": ScriptedGenerator}


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedder in FAKE_EMBEDDERS:
        return FAKE_EMBEDDERS[settings.embedder]()
    spec = get_spec(settings.embedder)
    if spec.role != "embedder":
        raise ValueError(f"{spec.name} is a {spec.role}, not an embedder; see `assistant models list`.")
    path = model_path(spec.name, settings.model_cache_dir)
    return SentenceTransformerEmbedder(spec.name, path, spec.sha256, device=resolve_device(settings.device))


def build_generator(settings: Settings) -> Generator:
    if settings.generator in FAKE_GENERATORS:
        return FAKE_GENERATORS[settings.generator]()
    from assistant.lm.local import TransformersGenerator

    spec = get_spec(settings.generator)
    if spec.role != "generator":
        raise ValueError(f"{spec.name} is an {spec.role}, not a generator; see `assistant models list`.")
    path = model_path(spec.name, settings.model_cache_dir)
    return TransformersGenerator(spec.name, path, device=resolve_device(settings.device))


class Assistant:
    """The assembled parts, built lazily so that a command only loads what it uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def sql_store(self) -> SqlStore:
        """The database itself (StoreUnavailable when it cannot be opened)."""
        return SqlStore(make_engine(self.settings.database_url))

    @cached_property
    def store(self) -> ConversationStore:
        """Where the dialog logs: personal data redacted first (if on), then written to the database, or to
        a local spool while the database is down (flushed when it is back)."""
        store: ConversationStore = SpoolingStore(self.sql_store, self.settings.data_dir / "spool" / "turns.jsonl")
        redactor = redactor_from_settings(self.settings)
        return RedactingStore(store, redactor) if redactor is not None else store

    @cached_property
    def embedder(self) -> Embedder:
        return build_embedder(self.settings)

    @cached_property
    def turn_embedder(self) -> Embedder:
        """The embedder as turns use it: the vectors of repeated texts are remembered."""
        return CachedEmbedder(self.embedder)

    @cached_property
    def generator(self) -> Generator:
        return build_generator(self.settings)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.turn_embedder, self.settings.index_dir, method=self.settings.retrieval_method)

    @property
    def extractive(self) -> bool:
        return self.settings.answer_mode == "extractive"

    @cached_property
    def manager(self) -> DialogManager:
        answer = AnswerFromKnowledgeBase(
            self.retriever,
            None if self.extractive else self.generator,  # extractive mode loads no generator
            top_k=self.settings.top_k,
            min_score=self.settings.min_retrieval_score,
            max_new_tokens=self.settings.max_new_tokens,
            extractive=ExtractiveAnswerer(self.turn_embedder) if self.extractive else None,
        )
        return DialogManager(self.store, answer, max_message_chars=self.settings.max_message_chars)

    @cached_property
    def staff(self) -> StaffUsers:
        return StaffUsers(self.sql_store.engine)

    def passage_text(self, chunk_id: int) -> str | None:
        """An indexed chunk's text, or None when it is no longer in the index."""
        chunk = self.retriever.index.chunks.get(chunk_id)
        return chunk.text if chunk is not None else None

    def web_app(self) -> FastAPI:
        """The whole web server: chat page, HTTP API, article pages and the review pages."""
        from ui.chat import ChatPage
        from ui.kb_admin import KnowledgeBaseAdmin
        from ui.review import ReviewPage
        from ui.server import create_app

        knowledge_base = KnowledgeBaseAdmin(
            self.retriever,
            self.embedder,
            self.settings.index_dir,
            uploads_dir=self.settings.data_dir / "uploads",
            max_tokens=self.settings.chunk_max_tokens,
            overlap_tokens=self.settings.chunk_overlap_tokens,
        )
        review = ReviewPage(
            self.sql_store.engine,
            self.store,
            export_dir=self.settings.data_dir / "review",
            passage_text=self.passage_text,
            analytics=self.analytics,
            knowledge_base=knowledge_base,
        )
        return create_app(
            ChatPage(self.manager).build(), self.retriever, self.manager, review=review.build(), login=self.staff.check
        )

    def analytics(self, since: datetime | None, until: datetime | None) -> dict[str, Any]:
        """The review page's analytics figures for a date range."""
        from ui.analytics import build_analytics

        return build_analytics(self.sql_store.engine, since, until, embed=self.embedder.embed)

    def warm_up(self) -> None:
        """Load models now rather than on the first question."""
        for part in (self.embedder,) if self.extractive else (self.embedder, self.generator):
            if hasattr(part, "warm_up"):
                part.warm_up()
        if self.extractive:  # the sentences extractive answers are picked from: embedded once, now
            from assistant.lm.extractive import split_sentences

            chunks = self.retriever.index.chunks.values()
            self.turn_embedder.embed(list(dict.fromkeys(s for chunk in chunks for s in split_sentences(chunk.text))))
