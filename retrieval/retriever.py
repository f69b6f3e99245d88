"""Search: a query in, scored passages out (dense, keyword, or both fused), optionally reranked and filtered."""

from __future__ import annotations

import json
import logging
import os
import threading
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from retrieval.documents import Chunk, Passage
from retrieval.embedders import Embedder, text_digest
from retrieval.fusion import (
    DEFAULT_BM25_WEIGHT, DEFAULT_COVERAGE_POWER, DEFAULT_FAQ_BM25_WEIGHT, DEFAULT_FAQ_COVERAGE_POWER, adaptive_fusion,
    reciprocal_rank_fusion,
)
from retrieval.index import DEFAULT_ANN_THRESHOLD, IndexLoadError, VectorIndex
from retrieval.keyword import KeywordIndex
from retrieval.places import about_other_places, named_in, places
from retrieval.sentences import DEFAULT_SENTENCE_WEIGHT, split_sentences
from retrieval.spelling import Speller
from retrieval.synonyms import Synonyms
from retrieval.background import building
from retrieval.watch import Poller

logger = logging.getLogger(__name__)

Method = Literal["dense", "bm25", "hybrid", "rrf"]
METHODS: tuple[str, ...] = ("dense", "bm25", "hybrid", "rrf")
CANDIDATES = 50  # results taken from each search before fusion
SEARCHES_KEPT = 256  # searches whose passages each loaded index remembers (``Retriever.search``)
SHARED_DEPTH = 10  # passages a remembered search keeps for a smaller k (a turn's searches take 1, 3 or 5)


@dataclass(frozen=True)
class SearchOptions:
    """How the index is searched (see the retrieval settings in assistant/config.py)."""

    index_type: str = "auto"
    ann_threshold: int = DEFAULT_ANN_THRESHOLD
    ef_search: int = 256
    nprobe: int = 64
    fusion_weights: tuple[float, float] = (1.0, DEFAULT_BM25_WEIGHT)  # (dense, bm25), for "hybrid"
    coverage_power: float = DEFAULT_COVERAGE_POWER  # hybrid's bm25 weight * coverage ** power (0: fixed)
    faq_weight: float = DEFAULT_FAQ_BM25_WEIGHT  # hybrid: the bm25 weight when dense's best is an FAQ entry ...
    faq_coverage_power: float = DEFAULT_FAQ_COVERAGE_POWER  # ... times coverage ** this
    keyword_tokenizer: str = "auto"
    rerank_top: int = 10
    sentence_weight: float = DEFAULT_SENTENCE_WEIGHT  # dense: best-sentence share of a chunk's score (0: off)
    filters: Mapping[str, Any] = field(default_factory=dict)  # applied to every search (see ``matches``)


def query_form(query: str) -> str:
    """``query`` as every search reads it: NFKC, so full-width letters and digits ("ｒｅｔｕｒｎ ｐｏｌｉｃｙ", what CJK
    input methods type) and ligatures ("ﬁle") are the plain characters they stand for, as the dialog reads them.
    Case is kept (a cased embedder reads it); keyword search also case-folds (``retrieval.keyword.keyword_form``)."""
    return unicodedata.normalize("NFKC", query)


def matches(chunk: Chunk, filters: Mapping[str, Any]) -> bool:
    """Whether ``chunk`` passes every filter. Keys: ``source`` (path prefix or exact path), ``doc_id``
    (prefix), ``language``, ``kind``, ``tag`` (one of the chunk's ``metadata["tags"]``), or any other
    metadata key (equality). A list value means any of them."""
    for key, wanted in filters.items():
        options = wanted if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
        if key == "source":
            value_ok = any(chunk.source == str(o) or chunk.source.startswith(str(o).rstrip("/") + "/") for o in options)
        elif key == "doc_id":  # a folder may be written with its slash ("brand-b/"), as a source may
            prefixes = [str(o).rstrip("/") for o in options]
            value_ok = any(chunk.doc_id == o or chunk.doc_id.startswith(f"{o}/") or chunk.doc_id.startswith(f"{o}#") for o in prefixes)
        elif key == "tag":
            value_ok = bool(set(chunk.metadata.get("tags") or []) & set(options))
        else:
            value_ok = chunk.metadata.get(key) in options
        if not value_ok:
            return False
    return True


class RememberedSearches:
    """A search remembering the passages of its last ``SEARCHES_KEPT`` calls, the least recently used going first. A
    call is known again by the digest of its query (``text_digest``), the filters and ``k``: the customer's question
    itself is not kept."""

    def __init__(self, search: Callable[[str, Mapping[str, Any], int], list[Passage]]) -> None:
        self._search = search
        self._found: OrderedDict[tuple[bytes, tuple[tuple[str, Any], ...], int], tuple[Passage, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, query: str, filters: tuple[tuple[str, Any], ...], k: int) -> tuple[Passage, ...]:
        key = (text_digest(query), filters, k)
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        found = tuple(self._search(query, dict(filters), k))
        with self._lock:
            self._found[key] = found
            self._found.move_to_end(key)
            while len(self._found) > SEARCHES_KEPT:
                self._found.popitem(last=False)
        return found


def _filters_key(filters: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...] | None:
    """``filters`` as a key for remembered searches (a list value as a tuple, which ``matches`` reads alike); None
    when a value cannot be one."""
    items = tuple(sorted((name, tuple(value) if isinstance(value, list) else value) for name, value in (filters or {}).items()))
    try:
        hash(items)
    except TypeError:
        return None
    return items


def without_copies(ranked: list[tuple[int, float]], chunks: Mapping[int, Chunk]) -> list[tuple[int, float]]:
    """Each passage once: a chunk with the title, heading and text of one ranked above it (the same article
    in two brands' folders, both indexed so that each brand's filters find it) is left out."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for chunk_id, score in ranked:
        chunk = chunks[chunk_id]
        key = (chunk.title, chunk.heading, chunk.text)
        if key not in seen:
            seen.add(key)
            kept.append((chunk_id, score))
    return kept


def places_last(ranked: list[tuple[int, float]], asked: frozenset[str], named: Callable[[int], tuple[frozenset[str], bool]]) -> list[tuple[int, float]]:
    """``ranked`` with the passages about other countries only than the ``asked`` ones (``about_other_places``; ``named``:
    chunk id -> ``named_in``) after the rest, each group in its order: "how long does delivery to Canada take?" found
    *Delivery speeds in the United States* first, for its words "delivery" and "take", and the international delivery
    times sixth, past the passages an answer is made from. As it is when the question names no country."""
    if not asked:
        return ranked
    elsewhere = [about_other_places(*named(chunk_id), asked) for chunk_id, _ in ranked]
    return [r for r, away in zip(ranked, elsewhere) if not away] + [r for r, away in zip(ranked, elsewhere) if away]


def filter_problems(chunks: Iterable[Chunk], filters: Mapping[str, Any]) -> list[str]:
    """What in ``filters`` no indexed chunk has, one sentence each: a key no chunk carries, a value no chunk
    matches (a typo'd tag: every search finds nothing and every answer is declined), or filters that each
    match but never together. Empty when every filter value matches some chunk, or when there are no chunks."""
    chunks = list(chunks)
    if not filters or not chunks:
        return []
    keys = {"source", "doc_id", "tag"} | {key for chunk in chunks for key in chunk.metadata if key != "tags"}
    problems = []
    for key, wanted in filters.items():
        if key not in keys:
            problems.append(f"no document has the metadata key {key!r} (keys: {', '.join(sorted(keys))})")
            continue
        options = wanted if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
        if not options:
            problems.append(f"{key} = [] lists no value, so no document passes it")
            continue
        missing = [option for option in options if not any(matches(chunk, {key: option}) for chunk in chunks)]
        if missing:
            shown = ", ".join(repr(option) for option in missing)
            values = sorted(
                {str(tag) for chunk in chunks for tag in chunk.metadata.get("tags") or []} if key == "tag"
                else {str(chunk.metadata.get(key)) for chunk in chunks} if key not in ("source", "doc_id") else set()
            )
            known = f" ({key} values: {', '.join(values[:20])}{' ...' if len(values) > 20 else ''})" if values else ""
            problems.append(f"no document has {key} {shown}{known}")
    if not problems and not any(matches(chunk, filters) for chunk in chunks):
        problems.append("no document passes all of them together")
    return problems


@dataclass(eq=False)
class _Loaded:
    """An index and what was built from it (keyword index, spelling words, the chunks the filters let through,
    ...), swapped in and out as one, so a search never mixes a new index with an old keyword index."""

    index: VectorIndex
    stamp: tuple[int, int] | None  # the manifest's when it was loaded
    built: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)  # one build at a time ("served" needs "filtered")


Build = Callable[[VectorIndex, "frozenset[str] | None"], Any]  # (index, the documents its searches can find) -> value


class Retriever:
    """Search over a saved index. The index loads on first use and reloads when it changes on disk.

    Every returned passage is scored with its dense score, whatever the method that ranked it: the
    cosine similarity of query and chunk, mixed with its best sentence's where the chunk has sentence
    vectors (``retrieval.sentences``), so one threshold ("is anything close enough?") serves all methods.
    A reranker (``retrieval.reranker``), when given, re-orders the first ``rerank_top`` candidates; passages about
    other countries only than the query names (``places_last``) stay after the rest, reranked or not.

    A reload builds, before the new index is swapped in, everything that was built from the one before (the
    keyword index, the spelling words, ``derived`` values): no question waits for them. With
    ``background_reload`` (``assistant serve``) it runs in a thread of its own, and questions are answered
    from the index loaded before until the new one is ready; without it, the question that notices a new
    index waits for it, and is answered from it. With ``background_reload`` and a ``poll_interval`` (seconds),
    a daemon thread started at the first use also looks at the manifest every ``poll_interval`` seconds (one
    ``stat``), so an idle server loads a new index by itself, before any question or ``/healthz`` asks;
    ``close`` stops it.
    """

    def __init__(
        self, embedder: Embedder, index_dir: Path, method: Method = "dense", options: SearchOptions | None = None,
        reranker: Any = None, background_reload: bool = False, poll_interval: float = 0,
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown retrieval method {method!r}; choose one of: {', '.join(METHODS)}")
        self.embedder = embedder
        self.index_dir = Path(index_dir)
        self.method = method
        self.options = options or SearchOptions()
        self.reranker = reranker
        self.background_reload = background_reload
        self.poll_interval = poll_interval  # 0: a new index is noticed only when the index is asked for
        self._poller: Poller | None = None
        self._closed = False
        self._settling: tuple[tuple[str, int, int, int], ...] | None = None  # the folder's files at the last poll
        self._loaded: _Loaded | None = None
        self._failed_stamp: tuple[tuple[str, int, int, int], ...] | None = None  # the files of an index that failed to load
        self._load_lock = threading.Lock()  # one load at a time
        self._loader_lock = threading.Lock()
        self._loader: threading.Thread | None = None  # the background reload under way
        self._builders: dict[str, Callable[[_Loaded], Any]] = {
            "keyword": self._build_keyword, "speller": self._build_speller, "titles": self._build_titles,
            "filtered": self._build_filtered, "served": self._build_served,
            "synonyms": lambda loaded: Synonyms.from_lists(loaded.index.synonyms), "searches": self._build_searches,
            "places": self._build_places,
        }

    @property
    def index(self) -> VectorIndex:
        """The current index; raises IndexLoadError (with the fix) when there is none or it is broken.

        Once an index is loaded, a reload that fails keeps it: a writer swapping in a new index leaves
        the folder missing for a moment, or changes its files while they are read, and a question asked
        then is answered from the index loaded before. A broken index is tried again only once one of its
        files changes (a missing manifest: once it is back): a copy that puts the new manifest in place
        before the data files (``cp``, ``rsync`` to a server's index folder) is loaded when the last one lands.
        """
        return self._current().index

    def _current(self) -> _Loaded:
        if self._poller is None and self.background_reload and self.poll_interval > 0 and not self._closed:
            self._start_polling()
        loaded = self._loaded
        if loaded is not None and not self._changed_on_disk(loaded):
            return loaded
        if loaded is not None and self.background_reload:
            self._reload_in_background()
            return loaded
        return self._reload()

    def _changed_on_disk(self, loaded: _Loaded) -> bool:
        """Whether the folder holds another index than ``loaded`` (and not one that failed to load as it is)."""
        stamp = self._manifest_stamp()
        return stamp is not None and stamp != loaded.stamp and self._folder_stamp() != self._failed_stamp

    def reload(self) -> VectorIndex:
        """Load the index on disk now if it is not the one loaded (the staff KB tab, after its own ingest), build
        for it what was built from the one before, then swap it in. Returns the current index."""
        return self._reload().index

    def _reload(self) -> _Loaded:
        """``reload``: the swap is one assignment, so searches meanwhile use the index loaded before."""
        with self._load_lock:
            before = self._loaded
            if before is not None and not self._changed_on_disk(before):
                return before  # loaded by another thread meanwhile
            stamp, files = self._manifest_stamp(), self._folder_stamp()  # files changed during the load: tried again
            if before is not None:
                logger.info("reloading the index from %s", self.index_dir)
            try:
                with building():  # questions' model passes meanwhile leave this thread a core (retrieval.background)
                    loaded = _Loaded(self._load(), stamp)
                    for name in list(before.built) if before is not None else []:
                        self._built(loaded, name)
            except (IndexLoadError, OSError, ValueError) as error:
                if before is None:
                    raise
                self._failed_stamp = files
                logger.warning(
                    "kept the loaded index: the one in %s cannot be loaded now (%s). An index still being copied in "
                    "is loaded once its last file lands; otherwise fix the copy or rebuild it", self.index_dir, error,
                )
                return before
            self._warn_about_filters(loaded.index)
            self._loaded = loaded
            if before is not None:
                logger.info("reloaded the index from %s (%d chunks), with %s built", self.index_dir, len(loaded.index), ", ".join(loaded.built) or "nothing")
            return loaded

    def _reload_in_background(self) -> None:
        """Start ``reload`` in a thread unless one is under way."""
        with self._loader_lock:
            if self._loader is not None and self._loader.is_alive():
                return
            self._loader = threading.Thread(target=self._reload_quietly, name="index-reload", daemon=True)
            self._loader.start()

    def _reload_quietly(self) -> None:
        files = self._folder_stamp()
        try:
            self._reload()
        except Exception:  # an index loaded before keeps answering; this one is not tried again until its files change
            self._failed_stamp = files
            logger.exception("kept the loaded index: building what searches need from the one in %s failed", self.index_dir)

    def _start_polling(self) -> None:
        with self._loader_lock:
            if self._poller is None and not self._closed:
                self._poller = Poller(self._poll, self.poll_interval, name="index-poll").start()

    def _poll(self) -> None:
        """One look at the folder: a new manifest (one ``stat`` when there is none) starts a background reload once
        the folder's files are the same as at the poll before, so a copy still landing (``rsync``) is not read
        half-way; an index that failed to load is not tried again until one of its files changes."""
        loaded = self._loaded
        if loaded is None or self._manifest_stamp() in (None, loaded.stamp):
            self._settling = None
            return
        files = self._folder_stamp()
        settled = files is not None and files == self._settling
        self._settling = files
        if settled and files != self._failed_stamp:
            self._reload_in_background()

    def close(self) -> None:
        """Stop the polling thread, if one runs (a reload under way finishes on its own)."""
        with self._loader_lock:
            self._closed = True
            poller, self._poller = self._poller, None
        if poller is not None:
            poller.stop()

    def wait_for_reload(self, timeout: float | None = None) -> None:
        """Wait for a background reload under way, if any (for tests and scripts)."""
        loader = self._loader
        if loader is not None:
            loader.join(timeout)

    def _built(self, loaded: _Loaded, name: str) -> Any:
        """``name`` built from ``loaded``, once."""
        with loaded.lock:
            if name not in loaded.built:
                loaded.built[name] = self._builders[name](loaded)
            return loaded.built[name]

    def derived(self, name: str, build: Build) -> Any:
        """What ``build(index, served documents)`` makes of the current index (``served_documents``: None without
        ``search_filters``), made once per loaded index; after a reload it is made for the new index before that
        is swapped in, as the keyword index is. Another part's pages use it (the help centre's list)."""
        self._builders.setdefault(name, lambda loaded: build(loaded.index, self._built(loaded, "served")))
        return self._built(self._current(), name)

    def _warn_about_filters(self, index: VectorIndex) -> None:
        """Log what in the ``search_filters`` no indexed document has (on each load, so also after an ingest that
        took a tag away): a filter that matches nothing silently turns every answer into a decline."""
        filters = self.options.filters
        problems = filter_problems(index.chunks.values(), filters)
        if problems:
            nothing = not any(matches(chunk, filters) for chunk in index.chunks.values())
            logger.warning(
                "search_filters %s: %s; %s", json.dumps(dict(filters), ensure_ascii=False), "; ".join(problems),
                "every search finds nothing, so every question is declined" if nothing
                else "searches find only documents that pass every filter",
            )

    def _manifest_stamp(self) -> tuple[int, int] | None:
        """The manifest's (inode, mtime): every save writes a new one; None while there is none."""
        try:
            stat = (self.index_dir / "manifest.json").stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _folder_stamp(self) -> tuple[tuple[str, int, int, int], ...] | None:
        """(name, inode, mtime, size) of every file in the index folder (a few stat calls, made only while the
        manifest differs from the loaded one); None while the folder cannot be listed."""
        try:
            with os.scandir(self.index_dir) as entries:
                stats = [(entry.name, entry.stat()) for entry in entries if entry.is_file()]
        except OSError:
            return None
        return tuple(sorted((name, st.st_ino, st.st_mtime_ns, st.st_size) for name, st in stats))

    def _load(self) -> VectorIndex:
        o = self.options
        return VectorIndex.load(
            self.index_dir, self.embedder.name, self.embedder.fingerprint,
            index_type=o.index_type, ann_threshold=o.ann_threshold, ef_search=o.ef_search, nprobe=o.nprobe,
        )

    @property
    def index_version(self) -> str | None:
        """When the current index was last written (its manifest's ``updated_at``)."""
        return self.index.updated_at

    def article_titles(self) -> dict[str, str]:
        """Document id -> title of every article (not FAQ entries) in the current index that the ``search_filters``
        let searches find: a pointer to another brand's article of the same title would find no passage."""
        return self._built(self._current(), "titles")

    def _build_titles(self, loaded: _Loaded) -> dict[str, str]:
        filters = self.options.filters
        return {
            c.doc_id: c.title for c in loaded.index.chunks.values()
            if c.metadata.get("kind") != "faq" and c.title and matches(c, filters)
        }

    def served_documents(self) -> frozenset[str] | None:
        """The ids of the documents the ``search_filters`` let searches find (the article pages show only those);
        None when there are no filters. Worked out once per loaded index: each article page took 20 ms more
        at 22,643 chunks when every request tested every chunk."""
        return self._built(self._current(), "served")

    def _build_served(self, loaded: _Loaded) -> frozenset[str] | None:
        allowed = self._built(loaded, "filtered")
        return None if allowed is None else frozenset(loaded.index.chunks[chunk_id].doc_id for chunk_id in allowed)

    def _build_filtered(self, loaded: _Loaded) -> frozenset[int] | None:
        """The ids of the chunks that pass the deployment's ``search_filters``; None when there are none."""
        deployment = self.options.filters
        if not deployment:
            return None
        return frozenset(cid for cid, chunk in loaded.index.chunks.items() if matches(chunk, deployment))

    def _allowed_in(self, loaded: _Loaded, filters: Mapping[str, Any] | None) -> frozenset[int] | None:
        """The ids of the chunks of ``loaded`` that pass the deployment's ``search_filters`` and ``filters``; None
        when there are neither. The deployment's part is worked out once per loaded index, not per question: at
        20,000 chunks, testing every chunk took 65-90 ms, as long as the rest of the search."""
        base = self._built(loaded, "filtered")
        if not filters:
            return base
        chunks = loaded.index.chunks
        return frozenset(cid for cid in (chunks if base is None else base) if matches(chunks[cid], filters))

    def keyword_index(self) -> KeywordIndex:
        """BM25 over the current index's chunks (``retrieval.keyword``), built once per loaded index."""
        return self._built(self._current(), "keyword")

    def _build_keyword(self, loaded: _Loaded) -> KeywordIndex:
        chunks = loaded.index.chunks
        ids = list(chunks)
        return KeywordIndex(ids, [chunks[i].embedding_text for i in ids], tokenizer=self.options.keyword_tokenizer)

    def speller(self) -> Speller:
        """Spelling correction against the current index's words (``retrieval.spelling``); a word the
        embedder's tokenizer holds as one token counts as known, so it is never corrected."""
        return self._built(self._current(), "speller")

    def _build_speller(self, loaded: _Loaded) -> Speller:
        chunks = list(loaded.index.chunks.values())
        # each text's language, as ingest guessed or the front matter said: a help centre in Spanish and English
        # corrects a Spanish message's typos from its Spanish articles' words
        text_languages = [c.metadata.get("language") or "en" for c in chunks]
        synonym_words = self._built(loaded, "synonyms").words  # "amex" is a word of the help centre's, no typo of another

        def known(word: str) -> bool:
            return word in synonym_words or self._known_word(word)

        return Speller((f"{c.title}\n{c.heading}\n{c.text}" for c in chunks), known=known, text_languages=text_languages)

    def _known_word(self, word: str) -> bool:
        count = getattr(self.embedder, "count_tokens", None)
        return count is None or count(word) <= 1

    def corrected(self, query: str) -> str:
        """``query`` with the words it misspells corrected to the index's words ("retrn" -> "return"), then rewritten
        with the knowledge base's synonyms (``expanded``)."""
        return self.expanded(self.speller().correct(query_form(query)))

    def expanded(self, query: str) -> str:
        """``query`` rewritten with the synonyms of the knowledge base (``retrieval.synonyms``: "do you take amex?" is
        searched as "do you take American Express credit card?"); unchanged without them. Every search does this, and
        a rewritten query is not rewritten again."""
        return self._built(self._current(), "synonyms").expand(query_form(query))

    def is_keyboard_mashing(self, text: str) -> bool:
        """Whether ``text`` is keyboard mashing ("asdfgh"): no word the index, the embedder or the spelling knows."""
        return self.speller().is_keyboard_mashing(query_form(text))

    def _embed_queries(self, queries: list[str]) -> np.ndarray:
        encode = getattr(self.embedder, "embed_queries", None) or self.embedder.embed
        return encode(queries)

    def _embed_query(self, query: str) -> np.ndarray:
        return self._embed_queries([query])[0]

    def embed_ahead(self, queries: list[str]) -> None:
        """Embed ``queries`` now in one batch, so that searching each of them finds its vector in a caching
        embedder (one forward pass, where one search after another would take one each)."""
        if len(queries) > 1:
            self._embed_queries([self.expanded(query) for query in queries])

    def search(self, query: str, k: int = 3, filters: Mapping[str, Any] | None = None) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first, among the chunks that pass ``filters`` and the
        options' filters both (a key in both narrows the deployment's filter, never replaces it).

        A search of the same query (as searched: ``expanded``) and filters as one of the loaded index's last
        ``SEARCHES_KEPT`` is answered from it: a turn searches one text several times (the clarify decision's check,
        the answer, its follow-up checks), and each search took an embedding, FAISS, BM25 and maybe the reranker."""
        loaded = self._current()
        query = self._built(loaded, "synonyms").expand(query_form(query))
        key = _filters_key(filters)
        if key is None:  # a filter value that cannot be a key: searched every time
            return self._search(loaded, query, k, filters)
        # every k up to CANDIDATES ranks the same candidates, so one search of SHARED_DEPTH passages serves every k up to
        # it (scoring all CANDIDATES took a third longer than 5); a larger k is a search of its own
        return list(self._built(loaded, "searches")(query, key, max(k, SHARED_DEPTH))[:k])

    @staticmethod
    def _build_places(loaded: _Loaded) -> Callable[[int], tuple[frozenset[str], bool]]:
        """Chunk id -> the countries the chunk names and whether it answers for any country (``named_in``), each chunk
        read once, when a question naming a country first ranks it."""
        chunks = loaded.index.chunks
        found: dict[int, tuple[frozenset[str], bool]] = {}

        def named(chunk_id: int) -> tuple[frozenset[str], bool]:
            if chunk_id not in found:
                chunk = chunks[chunk_id]
                found[chunk_id] = named_in(chunk.heading or chunk.title or "", split_sentences(chunk.text))
            return found[chunk_id]

        return named

    def _build_searches(self, loaded: _Loaded) -> RememberedSearches:
        """``_search`` of ``loaded`` remembering its last ``SEARCHES_KEPT`` results (made anew with each index). It
        holds ``loaded`` by a weak reference: kept in ``loaded.built``, a strong one would be a cycle, which a server's
        ``gc.freeze()`` never collects, so an index replaced by a reload stayed in memory."""
        loaded_ref = weakref.ref(loaded)

        def search(query: str, filters: Mapping[str, Any], k: int) -> list[Passage]:
            current = loaded_ref()
            if current is None:  # cannot happen while a caller holds the loaded index it searches
                raise RuntimeError("the index searched was unloaded")
            return self._search(current, query, k, filters)

        return RememberedSearches(search)

    def _search(self, loaded: _Loaded, query: str, k: int, filters: Mapping[str, Any] | None) -> list[Passage]:
        """``search`` of ``query`` as expanded, in ``loaded``."""
        index = loaded.index
        vector = self._embed_query(query)
        allowed = self._allowed_in(loaded, filters)
        depth = max(k, self.options.rerank_top if self.reranker else k)
        weight = self.options.sentence_weight
        if self.method == "dense":  # sentence vectors re-order the chunk search's first CANDIDATES
            # more than ``depth`` also when they do not: copies left out below must not leave fewer than ``k``
            found = index.search(vector, max(depth, CANDIDATES), allowed, weight)
            ranked = [(chunk.chunk_id, score) for chunk, score in found]
        else:
            pool = CANDIDATES if allowed is None else CANDIDATES + len(index.chunks) - len(allowed)
            found, coverage = self._built(loaded, "keyword").search_with_coverage([query], pool)
            keyword = [(i, s) for i, s in found[0] if allowed is None or i in allowed][:CANDIDATES]
            if self.method == "bm25":
                ranked = keyword
            else:
                dense = [(chunk.chunk_id, score) for chunk, score in index.search(vector, CANDIDATES, allowed, weight)]
                if self.method == "rrf":
                    ranked = reciprocal_rank_fusion([dense, keyword])
                else:
                    o = self.options
                    faq = {i for i, _ in dense[:1] if index.chunks[i].metadata.get("kind") == "faq"}
                    ranked = adaptive_fusion(
                        dense, keyword, coverage[0], *o.fusion_weights, o.coverage_power, faq, o.faq_weight, o.faq_coverage_power
                    )
        ranked = without_copies(ranked, index.chunks)
        asked, named = places(query), self._built(loaded, "places")
        ranked = places_last(ranked, asked, named)  # the reranker's candidates: those for the country asked first
        if self.reranker is not None and len(ranked) > 1:
            head = ranked[: self.options.rerank_top]
            scores = self.reranker.score_pairs([(query, index.chunks[i].embedding_text) for i, _ in head])
            ranked = self.reranker.combine([(i, s) for (i, _), s in zip(head, scores)], list(head)) + list(ranked[len(head):])
            # its blended scores know nothing of places: other countries' passages go back up unless put last again
            ranked = places_last(ranked, asked, named)
        chosen = [chunk_id for chunk_id, _ in ranked[:k]]
        scores = index.dense_scores(chosen, vector, weight)
        return [Passage(index.chunks[chunk_id], scores[chunk_id]) for chunk_id in chosen]
