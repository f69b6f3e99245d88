"""The intent model: a BERT encoder with a sentence-level classification head.

Two heads are offered. ``cls`` is the stock ``BertForSequenceClassification`` (pooler on the [CLS]
token, new linear layer). ``mean-cosine`` averages the token vectors, as all-MiniLM-L6-v2 was trained
to, and scores each intent by the cosine between that sentence vector and a learned intent vector
(times a fixed scale). Its intent vectors can start as the class centroids of the base encoder's
sentence embeddings, so training begins from a nearest-centroid classifier instead of from noise,
which matters on a CPU where every epoch costs minutes.

The ``mean-cosine`` model is registered with the transformers Auto classes (model type
``intent-bert``), so ``AutoModelForSequenceClassification.from_pretrained(folder)`` loads a saved
intent model once this module is imported.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    BertConfig,
    BertModel,
    BertPreTrainedModel,
    PreTrainedModel,
)
from transformers.modeling_outputs import SequenceClassifierOutput

HEADS = ("mean-cosine", "cls")


class IntentBertConfig(BertConfig):
    """BertConfig plus the head settings of the mean-pooling cosine classifier."""

    model_type = "intent-bert"

    def __init__(self, logit_scale: float = 20.0, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.logit_scale = logit_scale


class MeanPoolingBertForSequenceClassification(BertPreTrainedModel):
    """BERT, mean pooling over real tokens, cosine scores against one learned vector per intent."""

    config_class = IntentBertConfig

    def __init__(self, config: IntentBertConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.intent_vectors = nn.Parameter(torch.empty(config.num_labels, config.hidden_size))
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if module is self:
            nn.init.normal_(self.intent_vectors, std=self.config.initializer_range)

    def sentence_embeddings(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **kwargs: object) -> torch.Tensor:
        """Mean of the token vectors over the attention mask: (batch, hidden)."""
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask, **kwargs).last_hidden_state  # (B, T, H)
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)  # (B, H)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: object,
    ) -> SequenceClassifierOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        pooled = self.sentence_embeddings(input_ids, attention_mask, token_type_ids=token_type_ids)  # (B, H)
        pooled = nn.functional.normalize(self.dropout(pooled), dim=-1)
        vectors = nn.functional.normalize(self.intent_vectors, dim=-1)  # (L, H)
        logits = self.config.logit_scale * pooled @ vectors.T  # (B, L)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


AutoConfig.register(IntentBertConfig.model_type, IntentBertConfig)
AutoModelForSequenceClassification.register(IntentBertConfig, MeanPoolingBertForSequenceClassification)


def build_model(
    base: Path | str,
    labels: Sequence[str],
    head: str = "mean-cosine",
    logit_scale: float = 20.0,
) -> PreTrainedModel:
    """A new classifier for ``labels`` on top of the encoder in ``base`` (weights loaded, head new)."""
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; choose one of: {', '.join(HEADS)}")
    with quiet_load_report():
        return _build(base, labels, head, logit_scale)


@contextmanager
def quiet_load_report() -> Iterator[None]:
    """transformers' load report lists the weights a new head starts without (and an unused pooler): expected
    when a head is put on an encoder to be trained, so not printed (it read as an error: "classifier.weight |
    MISSING")."""
    from transformers.utils import logging as hf_logging

    before = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(before)


def _build(base: Path | str, labels: Sequence[str], head: str, logit_scale: float) -> PreTrainedModel:
    id2label = dict(enumerate(labels))
    label2id = {label: i for i, label in id2label.items()}
    if head == "cls":
        return AutoModelForSequenceClassification.from_pretrained(
            base, num_labels=len(labels), id2label=id2label, label2id=label2id
        )
    base_config = BertConfig.from_pretrained(base).to_dict()
    for key in ("model_type", "architectures", "transformers_version", "id2label", "label2id", "num_labels"):
        base_config.pop(key, None)
    config = IntentBertConfig(logit_scale=logit_scale, id2label=id2label, label2id=label2id, **base_config)
    return MeanPoolingBertForSequenceClassification.from_pretrained(base, config=config)


@torch.no_grad()
def init_from_centroids(
    model: MeanPoolingBertForSequenceClassification,
    encoded: Sequence[dict[str, torch.Tensor]],
    label_ids: Sequence[torch.Tensor],
) -> None:
    """Set each intent vector to the mean normalized sentence embedding of its training examples.

    ``encoded`` are tokenized batches and ``label_ids`` their labels; a class without examples keeps
    its random vector.
    """
    was_training = model.training
    model.eval()
    sums = torch.zeros_like(model.intent_vectors)  # (L, H)
    counts = torch.zeros(model.num_labels, device=sums.device)
    for batch, labels in zip(encoded, label_ids, strict=True):
        batch = {k: v.to(sums.device) for k, v in batch.items() if k in ("input_ids", "attention_mask")}
        vectors = nn.functional.normalize(model.sentence_embeddings(**batch), dim=-1)  # (B, H)
        labels = labels.to(sums.device)
        sums.index_add_(0, labels, vectors)
        counts.index_add_(0, labels, torch.ones_like(labels, dtype=counts.dtype))
    seen = counts > 0
    model.intent_vectors[seen] = sums[seen] / counts[seen].unsqueeze(-1)
    model.train(was_training)
