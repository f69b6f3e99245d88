"""Combining ranked lists from several searches into one.

Two ways: reciprocal rank fusion (only ranks count) and weighted score fusion (each list's scores
min-max normalised per query to [0, 1], then a weighted sum; an id missing from a list gets 0 there).
Plain RRF loses to the better single method when one method is much better than the other (dense on
StackFAQ, BM25 on SQuAD paragraphs); score fusion keeps how sure each method is, which is what lets
one set of weights hold on both (docs/retrieval.md).

The hybrid default goes one step further (``adaptive_fusion``): the keyword list's weight grows with
the query's *coverage* (the IDF-weighted share of its words found in BM25's best text, see
``KeywordIndex.search_with_coverage``): ``bm25_weight * coverage ** power``. Questions that reuse the
passage's rare words (SQuAD) lean on BM25; paraphrases (StackFAQ) and long dialogue turns (DSTC11),
which share few rare words, stay close to dense. When dense search's best passage is an FAQ entry
(the query matched an FAQ question: it carries a question vector), the query is taken as a paraphrase
of that question and the keyword list gets a much smaller weight, ``faq_weight * coverage **
faq_power``: keywords then count only when the query's rare words are nearly all in one text. The
defaults (weight 2, power 2; after an FAQ match weight 1, power 8) were chosen on the train halves
of StackFAQ, SQuAD and DSTC11; the test halves are reported in docs/retrieval.md.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

Ranking = Sequence[tuple[int, float]]  # (id, score), best first


def reciprocal_rank_fusion(rankings: Sequence[Ranking], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Sum of weight / (k + rank) over the lists an id appears in (rank from 1); best first."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (item, _score) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)


def _minmax(ranking: Ranking) -> dict[int, float]:
    if not ranking:
        return {}
    scores = [score for _, score in ranking]
    low, high = min(scores), max(scores)
    span = high - low
    return {item: (score - low) / span if span > 0 else 1.0 for item, score in ranking}


def score_fusion(rankings: Sequence[Ranking], weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Weighted sum of per-query min-max normalised scores; best first."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for item, score in _minmax(ranking).items():
            fused[item] = fused.get(item, 0.0) + weight * score
    return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)


DEFAULT_BM25_WEIGHT = 2.0
DEFAULT_COVERAGE_POWER = 2.0
DEFAULT_FAQ_BM25_WEIGHT = 1.0
DEFAULT_FAQ_COVERAGE_POWER = 8.0


def adaptive_fusion(
    dense: Ranking, keyword: Ranking, coverage: float, dense_weight: float = 1.0,
    bm25_weight: float = DEFAULT_BM25_WEIGHT, power: float = DEFAULT_COVERAGE_POWER,
    faq: Container[int] = (), faq_weight: float = DEFAULT_FAQ_BM25_WEIGHT, faq_power: float = DEFAULT_FAQ_COVERAGE_POWER,
) -> list[tuple[int, float]]:
    """Score fusion with the keyword weight ``bm25_weight * coverage ** power``, or ``faq_weight *
    coverage ** faq_power`` when the best dense result is one of the FAQ entries in ``faq`` (a power of
    0: fixed weights)."""
    if dense and dense[0][0] in faq:
        weight = faq_weight * (coverage**faq_power if faq_power else 1.0)
    else:
        weight = bm25_weight * (coverage**power if power else 1.0)
    return score_fusion([dense, keyword], (dense_weight, weight))
