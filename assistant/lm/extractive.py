"""Extractive answering: reply with the passage sentences closest to the question, cited.

For CPUs where generation is too slow: one embedding call per turn instead of a language model, and
every word of the answer comes verbatim from the help centre.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from retrieval.embedders import Embedder

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*])|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences (and list items) of a passage, without Markdown list markers."""
    pieces = (re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", piece).strip() for piece in _SENTENCE_END.split(text))
    return [piece for piece in pieces if len(piece.split()) >= 3]


class ExtractiveAnswerer:
    """Picks the best sentence of the passages, and the next one when it is nearly as relevant."""

    name = "extractive"

    def __init__(self, embedder: Embedder, follow_ratio: float = 0.9) -> None:
        self.embedder = embedder
        self.follow_ratio = follow_ratio

    def answer(self, question: str, passages: Sequence[str]) -> str:
        """An answer built from passage sentences, each followed by its passage number ``[n]``."""
        sentences = [(n, s) for n, text in enumerate(passages, start=1) for s in split_sentences(text)]
        if not sentences:
            return ""
        vectors = self.embedder.embed([question] + [s for _, s in sentences])  # (1 + S, d)
        scores = vectors[1:] @ vectors[0]  # (S,)
        best = int(np.argmax(scores))
        chosen = [best]
        following = best + 1
        if (
            following < len(sentences)
            and sentences[following][0] == sentences[best][0]
            and scores[following] >= self.follow_ratio * scores[best]
        ):
            chosen.append(following)
        return " ".join(f"{sentences[i][1]} [{sentences[i][0]}]" for i in chosen)
