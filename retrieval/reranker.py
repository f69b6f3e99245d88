"""A cross-encoder reranker: reads query and passage together and scores how well one answers the other.

No pretrained cross-encoder installs offline, so the reranker is trained here from the packaged MiniLM
(``assistant train reranker``, see ``retrieval/training.py``) and saved as a self-describing folder:
the transformers model and tokenizer plus ``reranker.json`` (base model and its sha256, training data,
split, metrics, creation time, and ``blend``). The retriever uses it only when that folder exists.

The final order of the candidates is ``blend * reranker + (1 - blend) * first-stage``, both min-max
normalised per query; training picks ``blend`` on its own training queries.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from retrieval.fusion import score_fusion

MANIFEST = "reranker.json"


class RerankerError(ValueError):
    """The reranker folder is missing or incomplete; the message names the command that builds it."""


class Reranker(Protocol):
    def score_pairs(self, pairs: Sequence[tuple[str, str]], show_progress: bool = False) -> list[float]: ...

    def combine(self, reranked: list[tuple[int, float]], first_stage: list[tuple[int, float]]) -> list[tuple[int, float]]: ...


def blend_scores(reranked: list[tuple[int, float]], first_stage: list[tuple[int, float]], blend: float) -> list[tuple[int, float]]:
    """Candidates ordered by ``blend`` * normalised reranker score + (1 - ``blend``) * normalised first-stage score."""
    if blend >= 1.0:
        return sorted(reranked, key=lambda pair: pair[1], reverse=True)
    return score_fusion([reranked, first_stage], [blend, 1.0 - blend])


class CrossEncoderReranker:
    """A trained cross-encoder folder, loaded lazily on first use."""

    def __init__(self, path: Path, device: str = "cpu", batch_size: int = 32, max_length: int = 256) -> None:
        self.path = Path(path)
        if not (self.path / MANIFEST).is_file():
            raise RerankerError(f"No trained reranker in {self.path}. Train one with: assistant train reranker")
        self.manifest: dict[str, Any] = json.loads((self.path / MANIFEST).read_text())
        self.blend = float(self.manifest.get("blend", 1.0))
        self.max_length = int(self.manifest.get("max_length", max_length))
        self.device = device
        self.batch_size = batch_size
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is None:
                from transformers import AutoModelForSequenceClassification, AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
                model = AutoModelForSequenceClassification.from_pretrained(str(self.path), local_files_only=True)
                self._model = model.to(self.device).eval()

    def score_pairs(self, pairs: Sequence[tuple[str, str]], show_progress: bool = False) -> list[float]:
        """One relevance logit per (query, passage) pair."""
        import torch

        self.warm_up()
        scores: list[float] = []
        batches = range(0, len(pairs), self.batch_size)
        if show_progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="Reranking", unit="batch")
        with torch.inference_mode():
            for start in batches:
                batch = pairs[start : start + self.batch_size]
                features = self._tokenizer(
                    [q for q, _ in batch], [p for _, p in batch], truncation="only_second",
                    max_length=self.max_length, padding=True, return_tensors="pt",
                ).to(self.device)
                logits = self._model(**features).logits  # (batch, 1)
                scores.extend(logits[:, 0].float().cpu().tolist())
        return scores

    def combine(self, reranked: list[tuple[int, float]], first_stage: list[tuple[int, float]]) -> list[tuple[int, float]]:
        return blend_scores(reranked, first_stage, self.blend)


class OverlapReranker:
    """Deterministic fake for tests: the share of query words found in the passage."""

    blend = 1.0

    def score_pairs(self, pairs: Sequence[tuple[str, str]], show_progress: bool = False) -> list[float]:
        scores = []
        for query, passage in pairs:
            words = set(query.lower().split())
            scores.append(len(words & set(passage.lower().split())) / max(len(words), 1))
        return scores

    def combine(self, reranked: list[tuple[int, float]], first_stage: list[tuple[int, float]]) -> list[tuple[int, float]]:
        return blend_scores(reranked, first_stage, self.blend)


def load_reranker(path: Path | None, device: str = "cpu") -> CrossEncoderReranker | None:
    """The reranker at ``path`` when one has been trained there, else None (reranking is optional)."""
    if path is None or not (Path(path) / MANIFEST).is_file():
        return None
    return CrossEncoderReranker(path, device=device)
