"""A small continuous-batching scheduler: concurrent requests share forward passes on one model.

Why our own: transformers 5's ``ContinuousBatchingManager`` (``init_continuous_batching``) does batch
on a CPU, but its per-request streaming reads one shared output queue and puts back what belongs to
others (its own TODO calls it wasteful; with several threads, streamed pieces were coalesced), it has no
repetition penalty here, and its API changed between 5.17 and 5.23. This loop is ~300 lines over the
plain model forward and ``DynamicCache``, which every 5.x release has.

How it works (one background thread; each turn of its loop is "admit, then one decode step"):

1. Admit: waiting requests (first come, first served, up to the free rows) are prefilled together in
   one forward pass, left-padded to the longest prompt, at most ``max_prefill_tokens`` padded tokens per
   pass (a longer prompt goes alone); each request's first token is sampled from its last prompt
   position. The new rows' KV cache is left-padded (or the running batch's is) to a common length and
   concatenated onto the running batch along the batch dimension; the attention mask marks the padding.
2. Prefill policy: while rows are already decoding, one prefill pass per turn, so a running answer
   waits for at most one pass of ``max_prefill_tokens`` between two of its tokens. When no row was
   decoding (a burst arriving at an idle or emptied batch), further passes follow at once while
   requests are waiting and rows are free: requests that arrive together, or while the first pass runs,
   get their first tokens without a decode step in between.
3. Decode: one step feeds every running row its last token, with position ids counted from the real
   tokens only (so padding changes nothing but the mask), and samples the next token greedily.
4. Finished rows (end-of-sequence, token limit, or the reader went away) are dropped from the batch and
   the all-padding columns on the left are cut off.

Greedy choices equal ``model.generate(do_sample=False, repetition_penalty=...)`` one request at a time,
up to floating-point summation order (identical in float64; in float32/bf16 a near-tie can rarely flip).
"""

from __future__ import annotations

import inspect
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

_DONE = object()  # end of a request's token stream
DEFAULT_MAX_PREFILL_TOKENS = 16384  # padded prompt tokens per batched prefill pass


@dataclass(eq=False)
class _Request:
    prompt: list[int]
    max_new_tokens: int
    tokens: "queue.Queue[Any]" = field(default_factory=queue.Queue)  # token ids, then _DONE or an exception
    cancelled: threading.Event = field(default_factory=threading.Event)
    produced: int = 0
    submitted: float = field(default_factory=time.perf_counter)


class SchedulerClosed(RuntimeError):
    """The scheduler was closed or its loop failed; the request was not (fully) generated."""


class BatchScheduler:
    """Greedy decoding for many concurrent requests, one shared batch.

    ``submit(prompt_ids, max_new_tokens)`` returns an iterator of generated token ids (without the
    end-of-sequence token); it may be called from any thread. The model must be a decoder-only
    transformers model whose cache is a plain ``DynamicCache`` (Llama, Qwen2, Mistral without a
    sliding window, ...).
    """

    def __init__(
        self,
        model: Any,
        eos_token_ids: Sequence[int],
        pad_token_id: int,
        max_batch_size: int = 64,
        repetition_penalty: float = 1.0,
        max_prefill_tokens: int = DEFAULT_MAX_PREFILL_TOKENS,
    ) -> None:
        self.model = model  # the setter also notes which forward argument takes the cache
        self.eos_token_ids = tuple(eos_token_ids)
        self.pad_token_id = pad_token_id
        self.max_batch_size = max_batch_size
        self.repetition_penalty = repetition_penalty
        self.max_prefill_tokens = max_prefill_tokens
        # added to the first token's logits (after the repetition penalty); e.g. {decline token: bias}
        self.first_token_bias: dict[int, float] = {}
        self._waiting: deque[_Request] = deque()  # appended by any thread, taken only by the loop
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._live: set[_Request] = set()  # taken from the queue and not finished (only the loop touches it)
        # counters for tests and benchmarks (written only by the loop)
        self.steps = 0  # decode steps run
        self.max_rows_seen = 0  # largest batch a decode step ran with
        self.prefills = 0  # prefill forward passes run
        self.prefill_rows = 0  # requests prefilled, over all passes
        self.prefill_seconds = 0.0  # time in prefill passes (first tokens included)
        self.decode_seconds = 0.0  # time in decode steps

    # -- public ------------------------------------------------------------------------------------

    @property
    def model(self) -> Any:
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        self._model = model
        self._cache_arg = cache_keyword(model)  # read once here, not on every forward pass

    def submit(self, prompt_ids: Sequence[int], max_new_tokens: int) -> Iterator[int]:
        """Queue a request; iterate the result to receive its token ids as they are produced."""
        if self._closed:
            raise SchedulerClosed("the batch scheduler is closed")
        if not prompt_ids:
            raise ValueError("empty prompt")
        request = _Request(list(prompt_ids), max_new_tokens)
        self._ensure_started()
        self._waiting.append(request)
        self._wake.set()
        return self._drain(request)

    def close(self) -> None:
        """Stop the loop; requests still running end with SchedulerClosed."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    # -- the loop ----------------------------------------------------------------------------------

    def _drain(self, request: _Request) -> Iterator[int]:
        try:
            while True:
                item = request.tokens.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            request.cancelled.set()  # the reader stopped early (or finished): free the row

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="batch-scheduler", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        import torch

        state: _Batch | None = None
        try:
            with torch.inference_mode():
                while not self._closed:
                    if state is None and not self._waiting:
                        self._wake.wait(timeout=0.5)
                        self._wake.clear()
                        self._let_burst_land()
                        continue
                    try:
                        state = self._admit(state)
                        if state is not None:
                            state = self._decode(state)
                    except Exception as error:  # e.g. out of memory: fail the running requests, keep serving
                        logger.exception("generation step failed")
                        for request in list(self._live):
                            request.tokens.put(SchedulerClosed(f"generation failed: {error}"))
                        self._live.clear()
                        state = None
        finally:
            leftover = list(self._live)
            while self._waiting:
                leftover.append(self._waiting.popleft())
            for request in leftover:
                request.tokens.put(SchedulerClosed("the batch scheduler was closed"))
            self._live.clear()

    def _let_burst_land(self, limit_s: float = 0.002) -> None:
        """After waking from idle: wait while submissions keep coming (at most ``limit_s``).

        Threads released together submit a few microseconds apart; without this the first prefill pass
        often holds only the first of them and the rest need a second pass.
        """
        deadline = time.perf_counter() + limit_s
        seen = -1
        while self._waiting and len(self._waiting) != seen and time.perf_counter() < deadline:
            seen = len(self._waiting)
            time.sleep(0.0002)

    def _take_waiting(self, room: int) -> list[_Request]:
        """Up to ``room`` waiting requests, first come first served, whose padded prompts fit the budget."""
        taken: list[_Request] = []
        longest = 0
        while len(taken) < room and self._waiting:
            request = self._waiting[0]
            if request.cancelled.is_set():
                self._waiting.popleft()
                continue
            padded = max(longest, len(request.prompt)) * (len(taken) + 1)  # tokens of the padded pass
            if taken and padded > self.max_prefill_tokens:
                break  # it goes first in the next pass
            self._waiting.popleft()
            longest = max(longest, len(request.prompt))
            taken.append(request)
            self._live.add(request)
        return taken

    def _admit(self, state: "_Batch | None") -> "_Batch | None":
        """Prefill waiting requests into the batch: one pass while rows are decoding, else all that fit.

        Rows already decoding wait for at most one prefill pass per token. A burst that meets no decoding
        row (the batch was idle, or all its rows just finished) is prefilled pass after pass without
        decode steps in between, so its last request's first token is not also delayed by decode steps.
        """
        decoding = state is not None
        while True:
            room = self.max_batch_size - (len(state.requests) if state else 0)
            new = self._take_waiting(room) if room > 0 else []
            if not new:
                return state
            fresh = self._prefill(new)
            if fresh is not None:
                state = fresh if state is None else _merge(state, fresh)
            if decoding:
                return state

    def _prefill(self, requests: list[_Request]) -> "_Batch | None":
        from transformers import DynamicCache

        started = time.perf_counter()
        ids, mask, positions = left_padded([r.prompt for r in requests], self.pad_token_id, self.model.device)
        cache = DynamicCache()
        logits = self.model(
            input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1,
            **{self._cache_arg: cache},
        ).logits[:, -1, :]  # (b, V)
        vocab = logits.shape[-1]
        history = ids.masked_fill(mask == 0, vocab)  # (b, L): tokens seen, the sentinel `vocab` for padding
        batch = _Batch(list(requests), cache, mask, history, ids[:, -1], vocab)
        batch = self._sample_and_emit(batch, logits, bias=self.first_token_bias)  # (its .tolist() waits for the device)
        self.prefills += 1
        self.prefill_rows += len(requests)
        self.prefill_seconds += time.perf_counter() - started
        return batch

    def _decode(self, state: "_Batch") -> "_Batch | None":
        import torch

        started = time.perf_counter()
        mask = torch.cat([state.mask, state.mask.new_ones((state.mask.shape[0], 1))], dim=1)  # (B, L+1)
        positions = (mask.sum(-1, keepdim=True) - 1)  # (B, 1)
        logits = self.model(
            input_ids=state.last.unsqueeze(1), attention_mask=mask, position_ids=positions, use_cache=True,
            **{self._cache_arg: state.cache},
        ).logits[:, -1, :]  # (B, V)
        state.mask = mask
        self.steps += 1
        self.max_rows_seen = max(self.max_rows_seen, len(state.requests))
        state = self._sample_and_emit(state, logits)
        self.decode_seconds += time.perf_counter() - started
        return state

    def _sample_and_emit(self, state: "_Batch", logits: Any, bias: dict[int, float] | None = None) -> "_Batch | None":
        import torch

        logits = penalize_repeats(logits.float(), state.history, self.repetition_penalty)
        for token, value in (bias or {}).items():
            logits[:, token] += value
        chosen = logits.argmax(dim=-1)  # (B,)
        state.history = torch.cat([state.history, chosen.unsqueeze(1)], dim=1)
        state.last = chosen
        keep: list[int] = []
        for row, (request, token) in enumerate(zip(state.requests, chosen.tolist(), strict=True)):
            finished = token in self.eos_token_ids
            if not finished:
                request.tokens.put(token)
                request.produced += 1
            if finished or request.produced >= request.max_new_tokens or request.cancelled.is_set():
                request.tokens.put(_DONE)
                self._live.discard(request)
            else:
                keep.append(row)
        if not keep:
            return None
        if len(keep) < len(state.requests):
            state.select(keep)
        return state


@dataclass
class _Batch:
    """The running rows: their requests, KV cache (B, heads, L, d per layer), mask (B, L), tokens seen."""

    requests: list[_Request]
    cache: Any
    mask: Any  # (B, L) 1 for real tokens, 0 for left padding
    history: Any  # (B, T) prompt + generated ids, `vocab` where padding
    last: Any  # (B,) the token each row feeds next
    vocab: int  # logits width; the history's padding id

    def select(self, rows: list[int]) -> None:
        """Keep only ``rows`` and cut the columns that are padding in every remaining row."""
        import torch

        index = torch.tensor(rows, device=self.mask.device)
        self.requests = [self.requests[r] for r in rows]
        self.mask = self.mask.index_select(0, index)
        self.history = self.history.index_select(0, index)
        self.last = self.last.index_select(0, index)
        start = int((self.mask.sum(0) > 0).nonzero()[0])  # first column some row uses
        self.mask = self.mask[:, start:]
        for layer in _layers(self.cache):
            layer.keys = layer.keys.index_select(0, index)[:, :, start:, :]
            layer.values = layer.values.index_select(0, index)[:, :, start:, :]


def left_padded(prompts: Sequence[Sequence[int]], pad_id: int, device: Any) -> tuple[Any, Any, Any]:
    """One left-padded batch of token-id lists on ``device``: ids (b, L), attention mask (b, L), and
    position ids counted from each row's first real token."""
    import torch

    longest = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), longest), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        ids[row, longest - len(prompt) :] = torch.tensor(list(prompt))
        mask[row, longest - len(prompt) :] = 1
    ids, mask = ids.to(device), mask.to(device)
    return ids, mask, (mask.cumsum(-1) - 1).clamp(min=0)


def penalize_repeats(logits: Any, history: Any, penalty: float) -> Any:
    """As transformers' RepetitionPenaltyLogitsProcessor: logits (B, V) of tokens in ``history`` (B, T)
    are divided (positive) or multiplied (negative) by ``penalty``; ``history`` may hold the id V as padding."""
    import torch

    if penalty == 1.0:
        return logits
    padded = torch.cat([logits, logits.new_zeros((logits.shape[0], 1))], dim=1)  # sentinel column
    seen = padded.gather(1, history)
    seen = torch.where(seen < 0, seen * penalty, seen / penalty)
    return padded.scatter(1, history, seen)[:, :-1]


def _layers(cache: Any) -> list[Any]:
    layers = getattr(cache, "layers", None)
    if layers is None or any(type(layer).__name__ != "DynamicLayer" for layer in layers):
        raise NotImplementedError("batching needs a DynamicCache of plain DynamicLayer layers")
    return layers


def _left_pad(tensor: Any, width: int, dim: int, value: int = 0) -> Any:
    """Pad ``tensor`` on the left of ``dim`` up to ``width``."""
    import torch

    missing = width - tensor.shape[dim]
    if missing <= 0:
        return tensor
    shape = list(tensor.shape)
    shape[dim] = missing
    return torch.cat([tensor.new_full(shape, value), tensor], dim=dim)


def cache_keyword(model: Any) -> str:
    """The forward argument that takes the key/value cache: ``cache`` in newer transformers releases,
    ``past_key_values`` (deprecated there) in older ones and in models that do not name it."""
    parameters = inspect.signature(getattr(model, "forward", model)).parameters
    return "cache" if "cache" in parameters else "past_key_values"


def _merge(old: _Batch, new: _Batch) -> _Batch:
    """One batch of the rows of ``old`` then ``new``, left-padded to a common cache length."""
    import torch

    width = max(old.mask.shape[1], new.mask.shape[1])
    for old_layer, new_layer in zip(_layers(old.cache), _layers(new.cache), strict=True):
        old_layer.keys = torch.cat([_left_pad(old_layer.keys, width, 2), _left_pad(new_layer.keys, width, 2)])
        old_layer.values = torch.cat([_left_pad(old_layer.values, width, 2), _left_pad(new_layer.values, width, 2)])
    old.mask = torch.cat([_left_pad(old.mask, width, 1), _left_pad(new.mask, width, 1)])
    hist_width = max(old.history.shape[1], new.history.shape[1])
    old.history = torch.cat(
        [_left_pad(old.history, hist_width, 1, old.vocab), _left_pad(new.history, hist_width, 1, old.vocab)]
    )
    old.last = torch.cat([old.last, new.last])
    old.requests = old.requests + new.requests
    return old

