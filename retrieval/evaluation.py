"""Retrieval evaluation on public datasets: dense, BM25 and fused rankings, scored with ranking metrics.

Datasets (paths point at the dataset's folder or file):
- ``stackfaq``: 125 FAQ threads (question and first answer) are the passages; the user paraphrases are the
  queries; the gold passage is the query's own thread.
- ``squad2``: the paragraphs of the SQuAD v2 file are the passages; each answerable question is a
  query whose gold passage is its own paragraph.
- ``dstc11``: FAQ entries and review sentences of the knowledge base (entity name prefixed) are the
  passages; each knowledge-seeking turn of ``val`` (with the two turns before it) is a query whose
  gold passages are its labelled snippets.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.embedders import Embedder
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.keyword import KeywordIndex
from retrieval.metrics import summarise
from retrieval.retriever import CANDIDATES  # results taken from each method before fusion, as in search



@dataclass
class EvalSet:
    """Passages to index and queries with the ids of their gold passages."""

    name: str
    passage_ids: list[str] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    gold: list[set[str]] = field(default_factory=list)

    def add_passage(self, passage_id: str, text: str) -> None:
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
        dataset.add_passage(passage_id, f"{thread['question']}\n{answers[0]}")  # an FAQ entry: question and its first answer
        for paraphrase in thread.get("rephr") or []:
            if paraphrase and paraphrase.strip() not in ("", "*"):
                dataset.queries.append(paraphrase.strip())
                dataset.gold.append({passage_id})
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
                    dataset.queries.append(qa["question"])
                    dataset.gold.append({passage_id})
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
                dataset.add_passage(f"{domain}/{entity_id}/faq/{faq_id}", f"{name}: {faq['question']} {faq['answer']}")
            for review_id, review in (entity.get("reviews") or {}).items():
                for sent_id, sentence in review["sentences"].items():
                    dataset.add_passage(f"{domain}/{entity_id}/review/{review_id}/{sent_id}", f"{name}: {sentence}")
    for turns, label in zip(logs, labels, strict=True):
        if not label.get("target"):
            continue
        dataset.queries.append(" ".join(turn["text"] for turn in turns[-context_turns:]))
        dataset.gold.append(
            {
                f"{k['domain']}/{k['entity_id']}/{k['doc_type']}/{k['doc_id']}"
                + (f"/{k['sent_id']}" if k["doc_type"] == "review" else "")
                for k in label["knowledge"]
            }
        )
    return dataset


LOADERS: dict[str, Callable[[Path], EvalSet]] = {"stackfaq": load_stackfaq, "squad2": load_squad2, "dstc11": load_dstc11}
METHODS = ("dense", "bm25", "hybrid")


def load_dataset(name: str, path: Path) -> EvalSet:
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(LOADERS)}")
    if not Path(path).exists():
        raise FileNotFoundError(f"dataset path {path} does not exist")
    return LOADERS[name](Path(path))


def dense_rankings(embedder: Embedder, dataset: EvalSet, k: int, show_progress: bool) -> list[list[tuple[int, float]]]:
    passages = embedder.embed(dataset.passages, show_progress=show_progress)  # (P, d)
    queries = embedder.embed(dataset.queries, show_progress=show_progress)  # (Q, d)
    rankings = []
    for start in range(0, len(queries), 512):
        scores = queries[start : start + 512] @ passages.T  # (batch, P)
        top = np.argsort(-scores, axis=1)[:, :k]
        rankings.extend([[(int(i), float(row[i])) for i in order] for row, order in zip(scores, top)])
    return rankings


def evaluate(
    dataset: EvalSet, embedder: Embedder, methods: Sequence[str] = METHODS, show_progress: bool = False
) -> dict[str, dict[str, float]]:
    """Metrics per method: ``{"dense": {"recall@1": ..., "mrr@10": ...}, ...}``."""
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown method(s) {sorted(unknown)}; choose from {', '.join(METHODS)}")
    rankings: dict[str, list[list[tuple[int, float]]]] = {}
    if {"dense", "hybrid"} & set(methods):
        rankings["dense"] = dense_rankings(embedder, dataset, CANDIDATES, show_progress)
    if {"bm25", "hybrid"} & set(methods):
        keyword = KeywordIndex(list(range(len(dataset.passages))), dataset.passages)
        rankings["bm25"] = keyword.search_many(dataset.queries, CANDIDATES)
    if "hybrid" in methods:
        rankings["hybrid"] = [reciprocal_rank_fusion(pair) for pair in zip(rankings["dense"], rankings["bm25"])]
    results = {}
    for method in methods:
        runs = [([dataset.passage_ids[i] for i, _ in ranking[:10]], gold) for ranking, gold in zip(rankings[method], dataset.gold)]
        results[method] = summarise(runs)
    return results
