"""Fine-tuning for retrieval on question-passage pairs: a cross-encoder reranker and the bi-encoder embedder.

Both start from the packaged MiniLM and run a short plain PyTorch loop (minutes on two CPU cores):

- reranker: for each question, its gold passage and ``negatives`` hard negatives (the first-stage
  search's best wrong passages) are scored together; the loss is softmax cross-entropy over that group
  (listwise), so the model learns to put the gold passage first among look-alikes.
- embedder: in-batch negatives (MultipleNegativesRanking): each question should be closer to its own
  passage than to every other passage in the batch (cosine * ``scale``, cross-entropy).

Each trained model is saved as a self-describing folder: weights, tokenizer and a JSON manifest with
the base model and its sha256, what it was trained on (data and split), the losses, and creation time.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Example:
    """A question, its gold passage and hard negatives (passages that look right but are not)."""

    query: str
    positive: str
    negatives: list[str] = field(default_factory=list)


@dataclass
class TrainResult:
    losses: list[float]
    seconds: float
    steps: int

    @property
    def first_loss(self) -> float:
        head = self.losses[: max(1, len(self.losses) // 10)]
        return sum(head) / len(head)

    @property
    def last_loss(self) -> float:
        tail = self.losses[-max(1, len(self.losses) // 10) :]
        return sum(tail) / len(tail)


def mine_examples(
    queries: Sequence[str], gold_passages: Sequence[str], rankings: Sequence[Sequence[int]], passages: Sequence[str],
    gold_ids: Sequence[set[int]], negatives: int = 3,
) -> list[Example]:
    """One Example per query: its gold passage and the best-ranked passages that are not gold."""
    examples = []
    for query, positive, ranking, gold in zip(queries, gold_passages, rankings, gold_ids, strict=True):
        wrong = [passages[i] for i in ranking if i not in gold][:negatives]
        examples.append(Example(query, positive, wrong))
    return examples


def _progress(total: int, show: bool, desc: str) -> Any:
    """A progress bar over the steps to use in ``with`` (None inside when not shown): it is closed however
    the loop ends, so Ctrl-C does not leave it to be drawn again after the command's "stopped" line."""
    if not show:
        return nullcontext(None)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="step")


def adamw_with_warmup(model: Any, learning_rate: float, total_steps: int) -> tuple[Any, Any]:
    """AdamW (weight decay 0.01) with linear warm-up over the first 10 % of ``total_steps``, then linear decay."""
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, total_steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / max(1, total_steps - warmup)))
    )
    return optimizer, scheduler


def optimizer_step(loss: Any, model: Any, optimizer: Any, scheduler: Any) -> float:
    """Back-propagate ``loss``, clip gradients to norm 1, step optimizer and schedule; the loss as a float."""
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad()
    return loss.item()


def train_cross_encoder(
    model: Any, tokenizer: Any, examples: Sequence[Example], epochs: int = 1, batch_queries: int = 4,
    learning_rate: float = 3e-5, max_length: int = 256, seed: int = 0, show_progress: bool = False,
    on_step: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Listwise fine-tuning of a sequence classifier with one output (``num_labels=1``); trains in place."""
    import torch

    torch.manual_seed(seed)
    order = list(range(len(examples)))
    rng = random.Random(seed)
    total = epochs * ((len(examples) + batch_queries - 1) // batch_queries)
    optimizer, scheduler = adamw_with_warmup(model, learning_rate, total)
    losses: list[float] = []
    started = time.perf_counter()
    model.train()
    with _progress(total, show_progress, "Training reranker") as bar:
        for _ in range(epochs):
            rng.shuffle(order)
            for start in range(0, len(order), batch_queries):
                batch = [examples[i] for i in order[start : start + batch_queries]]
                group = 1 + min(len(e.negatives) for e in batch)  # equal group sizes: positive first
                queries = [e.query for e in batch for _ in range(group)]
                passages = [p for e in batch for p in [e.positive, *e.negatives[: group - 1]]]
                features = tokenizer(queries, passages, truncation="only_second", max_length=max_length, padding=True, return_tensors="pt")
                logits = model(**features).logits.view(len(batch), group)  # (queries, group)
                loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
                losses.append(optimizer_step(loss, model, optimizer, scheduler))
                if on_step:
                    on_step(len(losses), losses[-1])
                if bar:
                    bar.update(1)
                    bar.set_postfix(loss=f"{losses[-1]:.3f}")
    model.eval()
    return TrainResult(losses, time.perf_counter() - started, len(losses))


def train_bi_encoder(
    model: Any, examples: Sequence[Example], epochs: int = 1, batch_size: int = 32, learning_rate: float = 2e-5,
    scale: float = 20.0, use_negatives: bool = True, seed: int = 0, show_progress: bool = False,
) -> TrainResult:
    """In-batch-negatives fine-tuning of a SentenceTransformer (trains in place).

    Each question is scored against every positive in the batch (and each example's first hard
    negative when ``use_negatives``); the right column is its own positive.
    """
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    order = list(range(len(examples)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    total = epochs * ((len(examples) + batch_size - 1) // batch_size)
    losses: list[float] = []
    started = time.perf_counter()
    device = next(model.parameters()).device

    def encode(texts: list[str]) -> torch.Tensor:
        tokenize = getattr(model, "preprocess", None) or model.tokenize  # tokenize: before sentence-transformers 6 (deprecated since)
        features = {k: v.to(device) if hasattr(v, "to") else v for k, v in tokenize(texts).items()}
        return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)  # (n, d)

    model.train()
    with _progress(total, show_progress, "Training embedder") as bar:
        for _ in range(epochs):
            rng.shuffle(order)
            for start in range(0, len(order), batch_size):
                batch = [examples[i] for i in order[start : start + batch_size]]
                if len(batch) < 2:
                    continue
                candidates = [e.positive for e in batch]
                if use_negatives:
                    candidates += [e.negatives[0] for e in batch if e.negatives]
                queries = encode([e.query for e in batch])  # (b, d)
                passages = encode(candidates)  # (b + negatives, d)
                scores = queries @ passages.T * scale  # (b, b + negatives)
                loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch), device=device))
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                losses.append(loss.item())
                if bar:
                    bar.update(1)
                    bar.set_postfix(loss=f"{losses[-1]:.3f}")
    model.eval()
    return TrainResult(losses, time.perf_counter() - started, len(losses))


def best_blend(mrr_by_blend: dict[float, float]) -> float:
    """The reranker blend with the best tuning MRR@10. On a tie the lowest wins: when the tuning queries
    cannot tell a blend from one leaning less on the new reranker, the first stage is the safer bet (a
    reranker that learnt little tied with it on easy queries and then cost 0.19 R@1 on StackFAQ's test half)."""
    return max(mrr_by_blend, key=lambda blend: (mrr_by_blend[blend], -blend))


def write_manifest(folder: Path, name: str, manifest: dict[str, Any]) -> None:
    """The model folder's own description, written last (a folder without it is incomplete)."""
    manifest = {**manifest, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (Path(folder) / name).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
