"""Ranking metrics for retrieval evaluation, with binary relevance."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence


def recall_at(ranked: Sequence[object], gold: Collection[object], k: int) -> float:
    """Share of the gold items found in the first ``k`` results."""
    return len(set(ranked[:k]) & set(gold)) / len(gold) if gold else 0.0


def reciprocal_rank_at(ranked: Sequence[object], gold: Collection[object], k: int) -> float:
    """1 / rank of the first gold item within the first ``k`` results, else 0."""
    for rank, item in enumerate(ranked[:k], start=1):
        if item in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[object], gold: Collection[object], k: int) -> float:
    """Normalised discounted cumulative gain with binary relevance."""
    gain = sum(1.0 / math.log2(rank + 1) for rank, item in enumerate(ranked[:k], start=1) if item in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return gain / ideal if ideal else 0.0


def summarise(runs: Sequence[tuple[Sequence[object], Collection[object]]]) -> dict[str, float]:
    """Mean Recall@1/5/10, MRR@10 and nDCG@10 over (ranked ids, gold ids) pairs."""
    count = max(len(runs), 1)
    return {
        "recall@1": sum(recall_at(r, g, 1) for r, g in runs) / count,
        "recall@5": sum(recall_at(r, g, 5) for r, g in runs) / count,
        "recall@10": sum(recall_at(r, g, 10) for r, g in runs) / count,
        "mrr@10": sum(reciprocal_rank_at(r, g, 10) for r, g in runs) / count,
        "ndcg@10": sum(ndcg_at(r, g, 10) for r, g in runs) / count,
    }
