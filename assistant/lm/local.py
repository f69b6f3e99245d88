"""Local transformers generator: CUDA with bf16 where present, CPU fp32 otherwise; streams tokens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from assistant.lm.base import Message


class TransformersGenerator:
    """A causal LM from a local folder, loaded lazily; one generation at a time per instance."""

    def __init__(self, name: str, path: Path, device: str = "cpu") -> None:
        self.name = name
        self.path = Path(path)
        self.device = device
        self._model = None
        self._tokenizer = None
        self._load_lock = threading.Lock()
        self._generate_lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the tokenizer and weights (seconds on a CPU)."""
        with self._load_lock:
            if self._model is not None:
                return
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
            self._tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(self.path, dtype=dtype, local_files_only=True)
            self._model = model.to(self.device).eval()

    def stream(self, messages: list[Message], max_new_tokens: int = 160) -> Iterator[str]:
        """Greedy decoding, yielding text as tokens arrive (generation runs in a worker thread)."""
        import torch
        from transformers import TextIteratorStreamer

        self.warm_up()
        tokenizer, model = self._tokenizer, self._model
        inputs = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.device)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with torch.inference_mode():
                    model.generate(
                        **inputs,
                        streamer=streamer,
                        max_new_tokens=max_new_tokens,
                        do_sample=False,
                        repetition_penalty=1.05,
                        pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                    )
            except BaseException as error:  # surfaced to the caller below
                errors.append(error)
                streamer.end()

        with self._generate_lock:
            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            for piece in streamer:
                if piece:
                    yield piece
            worker.join()
        if errors:
            raise errors[0]
