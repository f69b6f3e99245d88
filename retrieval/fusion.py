"""Combining ranked lists from several searches into one."""

from __future__ import annotations

from collections.abc import Sequence

Ranking = Sequence[tuple[int, float]]  # (id, score), best first


def reciprocal_rank_fusion(rankings: Sequence[Ranking], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Sum of weight / (k + rank) over the lists an id appears in (rank from 1); best first."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (item, _score) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)
