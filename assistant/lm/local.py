"""Local transformers generator: CUDA with bf16 where present, CPU fp32 otherwise; streams tokens.

Every ``stream()`` call, from any thread, goes through one ``BatchScheduler``: concurrent sessions share
forward passes (on a GPU, 64 sessions cost little more per step than one).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.lm.base import Message
from assistant.lm.batching import DEFAULT_MAX_PREFILL_TOKENS
from assistant.lm.prompts import DONT_KNOW, PromptTooLong
from assistant.models import ModelError

logger = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json")


def missing_model_files(path: Path) -> list[str]:
    """What a transformers model folder lacks of its parts: "config.json", "weights", "tokenizer" (in that order)."""
    parts = {"config.json": ("config.json",), "weights": WEIGHT_FILES, "tokenizer": TOKENIZER_FILES}
    return [part for part, names in parts.items() if not any((path / name).is_file() for name in names)]


def check_model_dir(path: Path) -> None:
    """A ModelError naming what is missing when ``path`` is not a loadable transformers model folder."""
    path = Path(path)
    if not path.is_dir():
        raise ModelError(f"Model folder {path} does not exist.")
    named = {"weights": "weights (model.safetensors)", "tokenizer": "tokenizer (tokenizer.json)"}
    missing = [named.get(part, part) for part in missing_model_files(path)]
    if missing:
        raise ModelError(
            f"Model folder {path} is incomplete: missing {', '.join(missing)}. Prepare it again "
            "(`assistant models prepare NAME`) or point generator_path at a complete folder."
        )
    try:
        architectures = json.loads((path / "config.json").read_text(encoding="utf-8")).get("architectures") or []
    except (ValueError, AttributeError):
        architectures = []
    if architectures and not any(str(name).endswith("ForCausalLM") for name in architectures):
        raise ModelError(
            f"Model folder {path} holds a {', '.join(map(str, architectures))}, not a text generator (a ...ForCausalLM): "
            "an intent model or an embedder cannot write answers; give a generator folder (a prepared model or a `train lm` output)."
        )


def turn_off_cudnn_attention() -> None:
    """Let PyTorch's attention pick its other CUDA kernels than cuDNN's (process-wide).

    cuDNN's attention builds an execution plan for every new input shape (50 ms to 1 s each on an H200,
    torch 2.11), and the batching scheduler's shapes change with every prefill pass and decode step; the
    memory-efficient kernel needs no plan. Measured with the 0.5B generator, 64 sessions: time to first
    token p50 1,506 ms with cuDNN, 139 ms without (docs/lm.md).
    """
    import torch

    if torch.backends.cuda.cudnn_sdp_enabled():
        torch.backends.cuda.enable_cudnn_sdp(False)
        logger.info("cuDNN attention turned off for generation (a plan per shape costs more than it saves)")


class TransformersGenerator:
    """A causal LM from a local folder, loaded lazily; concurrent calls are batched together."""

    def __init__(
        self,
        name: str,
        path: Path,
        device: str = "cpu",
        max_batch_size: int = 64,
        repetition_penalty: float = 1.05,
        max_prefill_tokens: int = DEFAULT_MAX_PREFILL_TOKENS,
        decline_bias: float | None = None,
        cudnn_attention: bool = False,
    ) -> None:
        self.name = name
        self.cudnn_attention = cudnn_attention  # True keeps cuDNN's attention on a GPU (slower here; to compare)
        self.path = Path(path)
        self.device = device
        self.max_batch_size = max_batch_size
        self.max_prefill_tokens = max_prefill_tokens  # padded prompt tokens per batched prefill pass
        self.repetition_penalty = repetition_penalty
        # added to the logit of the decline's first token at an answer's first step; None: the model
        # folder's manifest ("decline_bias", chosen on tuning questions by `eval answers`), else 0
        self.decline_bias = decline_bias if decline_bias is not None else manifest_decline_bias(self.path)
        self._model: Any = None
        self._tokenizer: Any = None
        self._scheduler: Any = None
        self._load_lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()  # a fast tokenizer used from many threads can fail "Already borrowed"

    @property
    def tokenizer(self) -> Any:
        self.warm_up()
        return self._tokenizer

    @property
    def model(self) -> Any:
        self.warm_up()
        return self._model

    @property
    def context_window(self) -> int:
        config = self.model.config
        return int(getattr(config, "max_position_embeddings", None) or 2048)

    def warm_up(self) -> None:
        """Load the tokenizer and weights (seconds on a CPU)."""
        with self._load_lock:
            if self._model is not None:
                return
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            from assistant.lm.batching import BatchScheduler

            check_model_dir(self.path)
            dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
            if self.device.startswith("cuda") and not self.cudnn_attention:
                turn_off_cudnn_attention()
            tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(self.path, dtype=dtype, local_files_only=True)
            model = model.to(self.device).eval()
            eos = model.generation_config.eos_token_id
            eos_ids = [eos] if isinstance(eos, int) else list(eos or [])
            if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in eos_ids:
                eos_ids.append(tokenizer.eos_token_id)
            pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_ids[0]
            self._scheduler = BatchScheduler(
                model, eos_ids, pad, max_batch_size=self.max_batch_size, repetition_penalty=self.repetition_penalty,
                max_prefill_tokens=self.max_prefill_tokens,
            )
            self._tokenizer, self._model = tokenizer, model
            self._apply_decline_bias()

    @property
    def decline_token_id(self) -> int:
        """The first token of the decline reply ("I don't know")."""
        self.warm_up()
        return self._decline_token()

    def _decline_token(self) -> int:  # (the tokenizer is loaded; no warm_up, which holds the load lock)
        return int(self._tokenizer(DONT_KNOW, add_special_tokens=False)["input_ids"][0])

    def set_decline_bias(self, bias: float) -> None:
        """Shift the first-step logit of the decline's first token: > 0 declines more, < 0 less."""
        self.decline_bias = float(bias)
        self.warm_up()
        self._apply_decline_bias()

    def _apply_decline_bias(self) -> None:
        self._scheduler.first_token_bias = {self._decline_token(): self.decline_bias} if self.decline_bias else {}

    def decline_margins(self, conversations: Sequence[list[Message]], max_tokens: int = 8192) -> list[float]:
        """Per conversation: the first-step logit of the decline token minus the best other logit (after
        the repetition penalty, before any bias). Greedy decoding declines when margin + bias > 0."""
        import torch

        from assistant.lm.batching import left_padded, penalize_repeats

        prompts = [self.prompt_ids(messages) for messages in conversations]
        token = self.decline_token_id
        pad = self._tokenizer.pad_token_id if self._tokenizer.pad_token_id is not None else 0
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        margins = [0.0] * len(prompts)
        start = 0
        with torch.inference_mode():
            while start < len(order):
                end = start + 1  # prompts sorted by length: the chunk's last is its longest
                while end < len(order) and len(prompts[order[end]]) * (end - start + 1) <= max_tokens:
                    end += 1
                chunk = order[start:end]
                ids, mask, positions = left_padded([prompts[i] for i in chunk], pad, self.device)
                logits = self._model(input_ids=ids, attention_mask=mask, position_ids=positions, logits_to_keep=1).logits[:, -1, :].float()
                logits = penalize_repeats(logits, ids.masked_fill(mask == 0, logits.shape[-1]), self.repetition_penalty)
                chosen = logits[:, token].clone()
                logits[:, token] = float("-inf")
                for row, i in enumerate(chunk):
                    margins[i] = float(chosen[row] - logits[row].max())
                start = end
        return margins

    def prompt_ids(self, messages: list[Message]) -> list[int]:
        """The chat-template token ids of ``messages``, ending with the assistant's turn."""
        tokenizer = self.tokenizer
        with self._tokenizer_lock:
            ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)
        return list(ids["input_ids"])

    def count_tokens(self, text: str) -> int:
        tokenizer = self.tokenizer
        with self._tokenizer_lock:
            return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def close(self) -> None:
        """Stop the batching thread (after the forward pass it is in); the generator is not used after this."""
        if self._scheduler is not None:
            self._scheduler.close()

    def stream(self, messages: list[Message], max_new_tokens: int = 160) -> Iterator[str]:
        """Greedy decoding, yielding text as tokens arrive; batched with other concurrent calls."""
        ids = self.prompt_ids(messages)
        room = self.context_window - len(ids)
        if room < 1:
            raise PromptTooLong(
                f"The prompt is {len(ids)} tokens, but {self.name} reads at most {self.context_window}; "
                "use fewer or shorter passages (top_k) or less history."
            )
        tokens = self._scheduler.submit(ids, min(max_new_tokens, room))
        yield from decode_incrementally(self._tokenizer, tokens, self._tokenizer_lock)


def manifest_decline_bias(path: Path) -> float:
    """The decline bias a model folder's ``assistant_manifest.json`` records (0 when none)."""
    manifest = Path(path) / "assistant_manifest.json"
    try:
        return float(json.loads(manifest.read_text()).get("decline_bias", 0.0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0.0


def decode_incrementally(tokenizer: Any, token_ids: Iterator[int], lock: Any = None) -> Iterator[str]:
    """Text pieces for a stream of token ids; holds back a piece while it ends in a partial character."""
    lock = lock or threading.Lock()
    seen: list[int] = []
    sent = ""
    for token in token_ids:
        seen.append(token)
        with lock:
            text = tokenizer.decode(seen, skip_special_tokens=True)
        if text.endswith("\ufffd") or not text.startswith(sent):
            continue
        if len(text) > len(sent):
            yield text[len(sent) :]
            sent = text
