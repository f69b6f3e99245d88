"""Wiring: the only place that picks concrete classes from the settings."""

from __future__ import annotations

from functools import cached_property

from assistant.config import Settings
from assistant.lm.base import Generator, ScriptedGenerator
from assistant.lm.extractive import ExtractiveAnswerer
from assistant.models import get_spec, model_path, resolve_device
from assistant.store import SqlStore, make_engine
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from retrieval.embedders import Embedder, HashEmbedder, SentenceTransformerEmbedder
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
    def store(self) -> SqlStore:
        return SqlStore(make_engine(self.settings.database_url))

    @cached_property
    def embedder(self) -> Embedder:
        return build_embedder(self.settings)

    @cached_property
    def generator(self) -> Generator:
        return build_generator(self.settings)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.embedder, self.settings.index_dir, method=self.settings.retrieval_method)

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
            extractive=ExtractiveAnswerer(self.embedder) if self.extractive else None,
        )
        return DialogManager(self.store, answer, max_message_chars=self.settings.max_message_chars)

    def warm_up(self) -> None:
        """Load models now rather than on the first question."""
        for part in (self.embedder,) if self.extractive else (self.embedder, self.generator):
            if hasattr(part, "warm_up"):
                part.warm_up()
