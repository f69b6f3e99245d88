"""Retrieval evaluation on public datasets: dense, BM25 and fused rankings, scored with ranking metrics.

Datasets (paths point at the dataset's folder or file):
- ``stackfaq``: 125 FAQ threads (question and first answer) are the passages, loaded and chunked as a
  user's FAQ file is (``loaders.faq_documents``, ``chunking.chunk_document``), so each is embedded
  as the mean of its entry and its question vectors; the user paraphrases are the queries; the gold
  passage is the query's own thread.
- ``squad2``: the paragraphs of the SQuAD v2 file are the passages; each answerable question is a
  query whose gold passage is its own paragraph.
- ``dstc11``: FAQ entries and review sentences of the knowledge base (entity name prefixed) are the
  passages (an FAQ entry's question, "name: question", is embedded on its own too, as for any FAQ);
  each knowledge-seeking turn of ``val`` (with the two turns before it) is a query whose gold
  passages are its labelled snippets.
- ``cmrc2018``: the Chinese paragraphs of the CMRC2018 dev file are the passages; each question is a
  query whose gold passage is its own paragraph.

Splits (for training without reporting on what was trained on): every query has a group (its article
for SQuAD and CMRC2018, the query itself otherwise); ``query_split`` puts a group in ``train`` or
``test`` by a seeded hash, so the halves are fixed across runs. The passages always stay whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.chunking import chunk_document, question_text, with_question_vectors
from retrieval.embedders import Embedder
from retrieval.fusion import (
    DEFAULT_BM25_WEIGHT, DEFAULT_COVERAGE_POWER, DEFAULT_FAQ_BM25_WEIGHT, DEFAULT_FAQ_COVERAGE_POWER, adaptive_fusion,
    reciprocal_rank_fusion,
)
from retrieval.keyword import KeywordIndex
from retrieval.loaders import faq_documents
from retrieval.metrics import summarise
from retrieval.retriever import CANDIDATES  # results taken from each method before fusion, as in search
from retrieval.sentences import DEFAULT_SENTENCE_WEIGHT, rescore, sentence_texts



@dataclass
class EvalSet:
    """Passages to index and queries with the ids of their gold passages."""

    name: str
    passage_ids: list[str] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    gold: list[set[str]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # what a split keeps together (see module docstring)
    language: str = "en"
    # passage row -> its FAQ question, embedded on its own and mixed in (chunking.with_question_vectors)
    questions: dict[int, str] = field(default_factory=dict)

    def add_query(self, query: str, gold: set[str], group: str | None = None) -> None:
        self.queries.append(query)
        self.gold.append(gold)
        self.groups.append(group if group is not None else f"q{len(self.queries)}")

    # the full query list this set was cut from and its rows there, so cached query vectors are reused
    source_queries: list[str] | None = None
    source_rows: list[int] | None = None

    def subset(self, rows: Sequence[int]) -> EvalSet:
        """The same passages with only the queries at ``rows``."""
        rows = list(rows)
        origin = self.source_queries if self.source_queries is not None else self.queries
        origin_rows = [self.source_rows[i] for i in rows] if self.source_rows is not None else rows
        return EvalSet(
            self.name, self.passage_ids, self.passages, [self.queries[i] for i in rows], [self.gold[i] for i in rows],
            [self.groups[i] for i in rows], self.language, self.questions, origin, origin_rows,
        )

    def add_passage(self, passage_id: str, text: str, question: str | None = None) -> None:
        if question:
            self.questions[len(self.passages)] = question
        self.passage_ids.append(passage_id)
        self.passages.append(text)


def _find(path: Path, name: str) -> Path:
    if path.is_file():
        return path
    matches = sorted(path.rglob(name))
    if not matches:
        raise FileNotFoundError(f"{name} not found under {path}")
    return matches[0]


def load_stackfaq(path: Path) -> EvalSet:
    data = json.loads(_find(path, "*.json").read_text(encoding="utf-8"))
    dataset = EvalSet("stackfaq")
    for number, thread in enumerate(data["root"]["qapair"]):
        passage_id = f"thread-{number}"
        answers = thread.get("answer") or [""]
        row = {"question": thread["question"].strip(), "answer": answers[0].strip()}  # an FAQ entry: question and first answer
        documents = faq_documents([row], str(path), passage_id)
        if not documents:  # no answer: not an FAQ entry a user could index
            continue
        chunk = chunk_document(documents[0])[0]  # an FAQ entry is one chunk
        dataset.add_passage(passage_id, chunk.embedding_text, question_text(chunk))
        for paraphrase in thread.get("rephr") or []:
            if paraphrase and paraphrase.strip() not in ("", "*"):
                dataset.add_query(paraphrase.strip(), {passage_id})
    return dataset


def load_squad2(path: Path) -> EvalSet:
    data = json.loads(_find(path, "*.json").read_text(encoding="utf-8"))
    dataset = EvalSet("squad2")
    for article in data["data"]:
        for number, paragraph in enumerate(article["paragraphs"]):
            passage_id = f"{article['title']}#{number}"
            dataset.add_passage(passage_id, paragraph["context"])
            for qa in paragraph["qas"]:
                if not qa.get("is_impossible") and qa.get("answers"):
                    dataset.add_query(qa["question"], {passage_id}, group=article["title"])
    return dataset


def load_cmrc2018(path: Path) -> EvalSet:
    file = path if path.is_file() else _find(path, "cmrc2018_dev.json")
    data = json.loads(file.read_text(encoding="utf-8"))
    dataset = EvalSet("cmrc2018", language="zh")
    for article in data["data"]:
        for number, paragraph in enumerate(article["paragraphs"]):
            passage_id = f"{article['id']}#{number}"
            dataset.add_passage(passage_id, paragraph["context"])
            for qa in paragraph["qas"]:
                dataset.add_query(qa["question"], {passage_id}, group=article["id"])
    return dataset


def load_dstc11(path: Path, context_turns: int = 3) -> EvalSet:
    knowledge = json.loads(_find(path, "knowledge.json").read_text(encoding="utf-8"))
    folder = _find(path, "knowledge.json").parent / "val"
    logs = json.loads((folder / "logs.json").read_text(encoding="utf-8"))
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    dataset = EvalSet("dstc11")
    for domain, entities in knowledge.items():
        for entity_id, entity in entities.items():
            name = entity.get("name") or domain
            for faq_id, faq in (entity.get("faqs") or {}).items():
                dataset.add_passage(
                    f"{domain}/{entity_id}/faq/{faq_id}", f"{name}: {faq['question']} {faq['answer']}", f"{name}: {faq['question']}"
                )
            for review_id, review in (entity.get("reviews") or {}).items():
                for sent_id, sentence in review["sentences"].items():
                    dataset.add_passage(f"{domain}/{entity_id}/review/{review_id}/{sent_id}", f"{name}: {sentence}")
    for turns, label in zip(logs, labels, strict=True):
        if not label.get("target"):
            continue
        dataset.add_query(
            " ".join(turn["text"] for turn in turns[-context_turns:]),
            {
                f"{k['domain']}/{k['entity_id']}/{k['doc_type']}/{k['doc_id']}"
                + (f"/{k['sent_id']}" if k["doc_type"] == "review" else "")
                for k in label["knowledge"]
            },
        )
    return dataset


LOADERS: dict[str, Callable[[Path], EvalSet]] = {
    "stackfaq": load_stackfaq, "squad2": load_squad2, "dstc11": load_dstc11, "cmrc2018": load_cmrc2018,
}
# dense and bm25 alone; rrf: plain reciprocal rank fusion; hybrid: the default fusion (weighted scores);
# rerank: hybrid's top candidates re-ordered by the trained cross-encoder.
METHODS = ("dense", "bm25", "rrf", "hybrid", "rerank")
SPLITS = ("all", "train", "test")
SPLIT_SEED = "retrieval-split-v1"


def load_dataset(name: str, path: Path) -> EvalSet:
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(LOADERS)}")
    if not Path(path).exists():
        raise FileNotFoundError(f"dataset path {path} does not exist")
    try:
        return LOADERS[name](Path(path))
    except json.JSONDecodeError as error:  # a file of another kind (a CSV, an HTML page saved as .json)
        raise ValueError(f"{path} does not look like the {name} dataset: not valid JSON ({error})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} does not look like the {name} dataset: not UTF-8 text") from None


def in_train_half(group: str, seed: str = SPLIT_SEED) -> bool:
    """A fixed, seeded half of the groups: the same on every run and machine."""
    return hashlib.sha256(f"{seed}\x00{group}".encode("utf-8")).digest()[0] < 128


def query_split(dataset: EvalSet, split: str) -> EvalSet:
    """``all`` queries, or the ``train`` / ``test`` half by group (passages unchanged)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    if split == "all":
        return dataset
    rows = [i for i, group in enumerate(dataset.groups) if in_train_half(group) == (split == "train")]
    return dataset.subset(rows)


def embed_cached(
    embedder: Embedder, texts: Sequence[str], cache_dir: Path | None, queries: bool = False, show_progress: bool = False
) -> np.ndarray:
    """``embedder``'s vectors of ``texts``, read from ``cache_dir`` when this exact list was embedded before.

    Queries go through ``embed_queries`` where an embedder has it (E5 embeds queries and passages
    with different prefixes). The cache key covers the embedder's name and fingerprint and every text.
    """
    encode = getattr(embedder, "embed_queries", None) if queries else None
    encode = encode or embedder.embed
    if cache_dir is None:
        return encode(list(texts), show_progress=show_progress)
    digest = hashlib.sha256(f"{embedder.name}\x00{embedder.fingerprint}\x00{'q' if queries else 'p'}".encode())
    for text in texts:
        digest.update(text.encode("utf-8") + b"\x00")
    path = Path(cache_dir) / f"{embedder.name}-{digest.hexdigest()[:20]}.npy"
    if path.is_file():
        return np.load(path)
    vectors = encode(list(texts), show_progress=show_progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path.with_suffix(".tmp.npy"), vectors)
    path.with_suffix(".tmp.npy").replace(path)
    return vectors


def sentence_vectors(
    embedder: Embedder, dataset: EvalSet, cache_dir: Path | None, show_progress: bool = False
) -> dict[int, np.ndarray]:
    """Passage row -> (m, d) vectors of its sentences, for the passages ingest would give them (not FAQ entries)."""
    groups = {row: texts for row, text in enumerate(dataset.passages) if row not in dataset.questions and (texts := sentence_texts(text))}
    flat = [t for texts in groups.values() for t in texts]
    if not flat:
        return {}
    vectors = embed_cached(embedder, flat, cache_dir, show_progress=show_progress)
    result, start = {}, 0
    for row, texts in groups.items():
        result[row] = vectors[start : start + len(texts)]
        start += len(texts)
    return result


def dense_rankings(
    embedder: Embedder, dataset: EvalSet, k: int, show_progress: bool, cache_dir: Path | None = None,
    index_type: str = "flat", sentence_weight: float = 0.0,
) -> list[list[tuple[int, float]]]:
    """Each query's top ``k`` passages by dense score; with ``sentence_weight`` re-scored by sentence vectors as search does."""
    rankings = _chunk_rankings(embedder, dataset, k, show_progress, cache_dir, index_type)
    if sentence_weight <= 0:
        return rankings
    sentences = sentence_vectors(embedder, dataset, cache_dir, show_progress)
    queries = _query_vectors(embedder, dataset, cache_dir, show_progress)
    return [
        rescore(ranking, {i: float(np.max(sentences[i] @ query)) for i, _ in ranking if i in sentences}, sentence_weight)
        for ranking, query in zip(rankings, queries)
    ]


def _query_vectors(embedder: Embedder, dataset: EvalSet, cache_dir: Path | None, show_progress: bool) -> np.ndarray:
    if dataset.source_queries is not None and cache_dir is not None:  # a split: embed (or reuse) the whole list once
        everything = embed_cached(embedder, dataset.source_queries, cache_dir, queries=True, show_progress=show_progress)
        return everything[dataset.source_rows]  # (Q, d)
    return embed_cached(embedder, dataset.queries, cache_dir, queries=True, show_progress=show_progress)  # (Q, d)


def _chunk_rankings(
    embedder: Embedder, dataset: EvalSet, k: int, show_progress: bool, cache_dir: Path | None, index_type: str
) -> list[list[tuple[int, float]]]:
    passages = embed_cached(embedder, dataset.passages, cache_dir, show_progress=show_progress)  # (P, d)
    if dataset.questions:  # FAQ entries: the mean of entry and question vectors, as ingest stores them
        rows = sorted(dataset.questions)
        questions = embed_cached(embedder, [dataset.questions[r] for r in rows], cache_dir, show_progress=show_progress)
        passages = with_question_vectors(passages, questions, rows)
    queries = _query_vectors(embedder, dataset, cache_dir, show_progress)
    if index_type not in ("flat", "auto"):  # the approximate index the assistant would search
        from retrieval.index import build_ann

        ann = build_ann(np.ascontiguousarray(passages), np.arange(len(passages), dtype=np.int64), index_type)
        scores, ids = ann.search(np.ascontiguousarray(queries), min(k, len(passages)))
        return [[(int(i), float(s)) for s, i in zip(row_s, row_i) if i >= 0] for row_s, row_i in zip(scores, ids)]
    rankings = []
    for start in range(0, len(queries), 512):
        scores = queries[start : start + 512] @ passages.T  # (batch, P)
        top = np.argsort(-scores, axis=1)[:, :k]
        rankings.extend([[(int(i), float(row[i])) for i in order] for row, order in zip(scores, top)])
    return rankings


@dataclass
class EvalConfig:
    """How the fused and reranked methods are built; the defaults are those of the assistant's settings."""

    fusion_weights: tuple[float, float] = (1.0, DEFAULT_BM25_WEIGHT)  # (dense, bm25) of the hybrid fusion
    coverage_power: float = DEFAULT_COVERAGE_POWER  # bm25 weight * coverage ** power; 0: fixed weights
    faq_weight: float = DEFAULT_FAQ_BM25_WEIGHT  # bm25 weight when dense's best is an FAQ entry ...
    faq_coverage_power: float = DEFAULT_FAQ_COVERAGE_POWER  # ... times coverage ** this
    keyword_tokenizer: str = "auto"
    reranker: object | None = None  # a retrieval.reranker.Reranker, or None (then no ``rerank`` method)
    rerank_top: int = 10
    cache_dir: Path | None = None
    index_type: str = "flat"
    sentence_weight: float = DEFAULT_SENTENCE_WEIGHT  # dense: best-sentence share of an article passage's score


def evaluate(
    dataset: EvalSet,
    embedder: Embedder,
    methods: Sequence[str] = ("dense", "bm25", "rrf", "hybrid"),
    show_progress: bool = False,
    config: EvalConfig | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics per method: ``{"dense": {"recall@1": ..., "mrr@10": ...}, ...}``."""
    rankings = method_rankings(dataset, embedder, methods, show_progress, config)
    results = {}
    for method in methods:
        runs = [([dataset.passage_ids[i] for i, _ in ranking[:10]], gold) for ranking, gold in zip(rankings[method], dataset.gold)]
        results[method] = summarise(runs)
    return results


def method_rankings(
    dataset: EvalSet,
    embedder: Embedder,
    methods: Sequence[str] = ("hybrid",),
    show_progress: bool = False,
    config: EvalConfig | None = None,
) -> dict[str, list[list[tuple[int, float]]]]:
    """Per method, each query's ranking: (passage row, score), best first (the methods ``methods`` need
    are included too, e.g. dense and bm25 for the hybrid)."""
    config = config or EvalConfig()
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown method(s) {sorted(unknown)}; choose from {', '.join(METHODS)}")
    if "rerank" in methods and config.reranker is None:
        raise ValueError("method 'rerank' needs a trained reranker; train one with: assistant train reranker")
    needs = set(methods)
    rankings: dict[str, list[list[tuple[int, float]]]] = {}
    if needs - {"bm25"}:
        rankings["dense"] = dense_rankings(
            embedder, dataset, CANDIDATES, show_progress, config.cache_dir, config.index_type, config.sentence_weight
        )
    if needs - {"dense"}:
        keyword = KeywordIndex(list(range(len(dataset.passages))), dataset.passages, tokenizer=config.keyword_tokenizer)
        rankings["bm25"], coverage = keyword.search_with_coverage(dataset.queries, CANDIDATES)
    pairs = list(zip(rankings.get("dense", []), rankings.get("bm25", [])))
    if "rrf" in needs:
        rankings["rrf"] = [reciprocal_rank_fusion(pair) for pair in pairs]
    if needs & {"hybrid", "rerank"}:
        rankings["hybrid"] = [hybrid_ranking(d, k, c, dataset, config) for (d, k), c in zip(pairs, coverage)]
    if "rerank" in needs:
        rankings["rerank"] = rerank_rankings(config.reranker, dataset, rankings["hybrid"], config.rerank_top, show_progress)
    return rankings


def hybrid_ranking(
    dense: list[tuple[int, float]], keyword: list[tuple[int, float]], coverage: float, dataset: EvalSet, config: EvalConfig | None = None,
) -> list[tuple[int, float]]:
    """One query's hybrid ranking, as search fuses it (the set's FAQ entries known as such)."""
    config = config or EvalConfig()
    return adaptive_fusion(
        dense, keyword, coverage, *config.fusion_weights, config.coverage_power,
        dataset.questions, config.faq_weight, config.faq_coverage_power,
    )


def rerank_rankings(
    reranker, dataset: EvalSet, rankings: list[list[tuple[int, float]]], top: int, show_progress: bool
) -> list[list[tuple[int, float]]]:
    """Each ranking's first ``top`` re-ordered by the reranker (one batched call), the rest after them."""
    pairs = [(query, dataset.passages[i]) for query, ranking in zip(dataset.queries, rankings) for i, _ in ranking[:top]]
    scores = iter(reranker.score_pairs(pairs, show_progress=show_progress))
    reranked = []
    for ranking in rankings:
        head = [(i, next(scores)) for i, _ in ranking[:top]]
        reranked.append(reranker.combine(head, ranking[:top]) + list(ranking[top:]))
    return reranked
