"""Supervised fine-tuning of the generator on (question, passages, answer) examples.

A plain PyTorch loop (no Trainer: its arguments move between transformers releases): LoRA through
``peft`` by default (merged into the weights at the end), or full fine-tuning. The loss counts only the
answer tokens; the prompt is the assistant's own (prompts.build_messages), so the model learns exactly
the format it is asked in. GPU with bf16 autocast when present, CPU fp32 otherwise.

The output folder loads like any transformers model (``generator_path`` selects it) and describes
itself in ``assistant_manifest.json``: base model and its sha256, LoRA settings, data, metrics, time.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from assistant.lm.local import check_model_dir
from assistant.lm.prompts import build_messages
from assistant.lm.training_data import Example
from assistant.output_folder import OutputFolder, check_not_the_base
from assistant.wording import counted

MANIFEST_FILE = "assistant_manifest.json"  # prepared models have one too, without "kind": "generator"

IGNORE = -100


@dataclass
class TrainConfig:
    full: bool = False  # full fine-tuning instead of LoRA
    epochs: float = 1.0
    max_steps: int | None = None  # overrides epochs
    batch_size: int = 8
    learning_rate: float | None = None  # default: 2e-4 LoRA, 5e-5 full
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    max_length: int = 1024  # longer examples are skipped
    eval_every: int = 50
    max_eval_examples: int = 200
    warmup_fraction: float = 0.05
    seed: int = 0
    device: str = "cpu"
    max_minutes: float | None = None  # stop early (and still save) after this long

    @property
    def lr(self) -> float:
        return self.learning_rate if self.learning_rate is not None else (5e-5 if self.full else 2e-4)


@dataclass
class TrainResult:
    output_dir: Path
    steps: int
    train_loss_first: float
    train_loss_last: float
    eval_loss_before: float | None
    eval_loss_after: float | None
    seconds: float
    skipped_too_long: int
    history: list[dict[str, float]] = field(default_factory=list)


def encode(tokenizer: Any, example: Example) -> tuple[list[int], list[int]]:
    """Token ids of prompt + answer (with the chat template's end of turn) and labels that are IGNORE on
    the prompt, so that the loss counts only the answer."""
    messages = build_messages(example.question, example.prompt_passages())
    prompt = _template_ids(tokenizer, messages, add_generation_prompt=True)
    full = _template_ids(tokenizer, messages + [{"role": "assistant", "content": example.answer}], add_generation_prompt=False)
    if full[: len(prompt)] != prompt:  # a template that rewrites earlier turns: append the answer by hand
        full = prompt + tokenizer(example.answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return full, [IGNORE] * len(prompt) + full[len(prompt) :]


def _template_ids(tokenizer: Any, messages: list[dict[str, str]], add_generation_prompt: bool) -> list[int]:
    out = tokenizer.apply_chat_template(messages, add_generation_prompt=add_generation_prompt, tokenize=True, return_dict=True)
    return list(out["input_ids"])


def _batches(rows: list[tuple[list[int], list[int]]], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar lengths (less padding): shuffle, sort within windows, cut."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    window = batch_size * 32
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: len(rows[i][0]))
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def _collate(rows: Sequence[tuple[list[int], list[int]]], pad_id: int, device: str) -> dict[str, Any]:
    import torch

    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, (row_ids, row_labels) in enumerate(rows):  # right padding
        ids[r, : len(row_ids)] = torch.tensor(row_ids)
        labels[r, : len(row_labels)] = torch.tensor(row_labels)
        mask[r, : len(row_ids)] = 1
    return {"input_ids": ids.to(device), "labels": labels.to(device), "attention_mask": mask.to(device)}


def _loss(model: Any, batch: dict[str, Any], device: str) -> Any:
    """Mean cross-entropy over the answer tokens. Logits are computed only from the first answer position
    of the batch on (``logits_to_keep``): a 49k-word vocabulary over whole prompts would cost gigabytes."""
    import torch

    labels = batch["labels"]  # (B, L), IGNORE on prompt and padding
    length = labels.shape[1]
    answer_columns = (labels != IGNORE).any(0).nonzero()
    first = int(answer_columns[0]) if len(answer_columns) else length - 1
    keep = length - first + 1  # positions first-1 .. L-1 predict tokens first .. L
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], logits_to_keep=keep).logits  # (B, keep, V)
    targets = torch.cat([labels, labels.new_full((labels.shape[0], 1), IGNORE)], dim=1)[:, first : length + 1]  # (B, keep)
    return torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)


def evaluate_loss(model: Any, rows: list[tuple[list[int], list[int]]], pad_id: int, device: str, batch_size: int) -> float:
    """Mean answer-token loss over ``rows``."""
    import torch

    if not rows:
        return float("nan")
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            batch = _collate(chunk, pad_id, device)
            tokens = int((batch["labels"][:, 1:] != IGNORE).sum())
            total += float(_loss(model, batch, device)) * tokens
            count += tokens
    model.train()
    return total / max(count, 1)


def _steps_bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="Fine-tuning", unit="step", file=sys.stderr)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


BASE_DIR_HOLDS = (
    "config.json, the weights (model.safetensors, model.safetensors.index.json with its shards, or pytorch_model.bin) "
    "and the tokenizer (tokenizer.json, tokenizer.model or vocab.json) with a chat template"
)


def check_base_dir(base_dir: Path | str) -> None:
    """A ModelError saying what a ``--base-dir`` must hold when ``base_dir`` is not a generator folder to
    start from; file checks only, nothing is loaded (the chat template is checked once the tokenizer loads)."""
    from assistant.lm.local import check_model_dir, missing_model_files
    from assistant.models import ModelError

    path = Path(base_dir)
    advice = (
        f"--base-dir takes a chat (instruct) generator's model folder, which holds {BASE_DIR_HOLDS}: a packaged "
        "generator once prepared (`assistant models prepare smollm2-135m`), or an earlier `train lm` output; "
        "leave --base-dir out to start from the configured generator"
    )
    if not path.exists():
        raise ModelError(f"--base-dir {path} does not exist; {advice}.")
    if not path.is_dir():
        raise ModelError(f"--base-dir {path} is a file, not a model folder; {advice}.")
    missing = missing_model_files(path)
    if missing:
        raise ModelError(f"--base-dir {path} is not a model folder (no {', '.join(missing)}); {advice}.")
    check_model_dir(path)  # e.g. an intent model: "holds a ...ForSequenceClassification, not a text generator"


def generator_output(output_dir: Path | str) -> OutputFolder:
    """Where a fine-tuned generator is saved: a new or empty folder, or an earlier `train lm` folder."""
    return OutputFolder(Path(output_dir), MANIFEST_FILE, "fine-tuned generator", kind="generator")


def finetune(
    base_dir: Path,
    train: Sequence[Example],
    output_dir: Path,
    config: TrainConfig,
    eval_examples: Sequence[Example] = (),
    data_description: dict[str, Any] | None = None,
    progress: Callable[[str], None] = print,
    bar: bool = False,
) -> TrainResult:
    """Fine-tune the model in ``base_dir`` on ``train``; write a merged, self-describing model folder.
    ``progress`` receives the report lines; ``bar`` adds a progress bar over the steps (stderr, with the
    time left)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    base_dir, output_dir = Path(base_dir), Path(output_dir)
    target = generator_output(output_dir)
    target.check()  # before any training time is spent
    check_not_the_base(base_dir, output_dir, "--base-dir, or the configured generator")
    check_model_dir(base_dir)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base_dir, local_files_only=True)
    if getattr(tokenizer, "chat_template", None) is None:  # the examples are written in the assistant's chat prompt
        raise ValueError(f"{base_dir} has no chat template; --base-dir takes a chat (instruct) generator folder, "
                         "such as a prepared model or a `train lm` output")
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, local_files_only=True).to(config.device)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    encoded = [encode(tokenizer, e) for e in train]
    rows = [r for r in encoded if len(r[0]) <= config.max_length]
    skipped = len(encoded) - len(rows)
    eval_rows = [r for r in (encode(tokenizer, e) for e in list(eval_examples)[: config.max_eval_examples]) if len(r[0]) <= config.max_length]
    if not rows:
        raise ValueError(f"no training example fits in max_length {config.max_length} tokens")

    lora: dict[str, Any] | None = None
    if not config.full:
        from peft import LoraConfig, get_peft_model

        lora = {"r": config.lora_r, "alpha": config.lora_alpha, "dropout": config.lora_dropout, "target_modules": "all-linear"}
        with warnings.catch_warnings():  # peft asks transformers 5 a deprecated question; not the user's to act on
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            model = get_peft_model(
                model,
                LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout, target_modules="all-linear", task_type="CAUSAL_LM"),
            )
    model.train()
    if hasattr(model, "config"):
        model.config.use_cache = False
    trainable = [p for p in model.parameters() if p.requires_grad]
    steps_per_epoch = math.ceil(len(rows) / config.batch_size)
    total_steps = config.max_steps or max(1, math.ceil(steps_per_epoch * config.epochs))
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=0.0)
    warmup = max(1, int(total_steps * config.warmup_fraction))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total_steps - s) / max(total_steps - warmup, 1)))
    )
    progress(
        f"fine-tuning {'fully' if config.full else 'with LoRA'} on {config.device}: {counted(len(rows), 'example')} "
        f"({skipped} too long skipped), {counted(total_steps, 'step')} of {config.batch_size}, "
        f"{sum(p.numel() for p in trainable):,} trainable parameters"
    )
    eval_before = evaluate_loss(model, eval_rows, pad_id, config.device, config.batch_size) if eval_rows else None
    if eval_before is not None:
        progress(f"eval loss before: {eval_before:.4f}")
    history: list[dict[str, float]] = []
    losses: list[float] = []
    skipped_updates = 0
    step = 0
    deadline = started + config.max_minutes * 60 if config.max_minutes else None
    steps_bar = _steps_bar(total_steps) if bar else None
    if steps_bar is not None:
        progress = partial(steps_bar.write, file=sys.stderr)  # report lines above the bar, not through it
    with steps_bar if steps_bar is not None else nullcontext():  # closed on Ctrl-C too, before the CLI says it stopped
        while step < total_steps:
            steps_before_pass = step
            for batch_index in _batches(rows, config.batch_size, rng):
                loss = _loss(model, _collate([rows[i] for i in batch_index], pad_id, config.device), config.device)
                loss.backward()
                norm = torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                if not (torch.isfinite(loss) and torch.isfinite(norm)):  # an overflow: skip this update, keep the weights finite
                    optimizer.zero_grad(set_to_none=True)
                    skipped_updates += 1
                    continue
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                losses.append(float(loss.detach()))
                if steps_bar is not None:
                    steps_bar.update(1)
                    steps_bar.set_postfix(loss=f"{losses[-1]:.3f}")
                if step % config.eval_every == 0 or step == total_steps:
                    entry = {"step": step, "train_loss": sum(losses[-config.eval_every :]) / len(losses[-config.eval_every :]), "seconds": time.perf_counter() - started}
                    if eval_rows:
                        entry["eval_loss"] = evaluate_loss(model, eval_rows, pad_id, config.device, config.batch_size)
                    history.append(entry)
                    progress("step {step}/{total}: train loss {train_loss:.4f}".format(total=total_steps, **entry) + (f", eval loss {entry['eval_loss']:.4f}" if "eval_loss" in entry else ""))
                if step >= total_steps or (deadline and time.perf_counter() > deadline):
                    break
            if deadline and time.perf_counter() > deadline:
                progress(f"time limit reached after {counted(step, 'step')}")
                break
            if step == steps_before_pass:  # every update of a whole pass overflowed: more passes would never end
                raise ValueError(
                    f"no update in a whole pass over the data had a finite loss and gradient ({skipped_updates} skipped); "
                    "nothing was saved: lower the learning rate (--learning-rate) or check the base model"
                )
    eval_after = evaluate_loss(model, eval_rows, pad_id, config.device, config.batch_size) if eval_rows else None

    if lora is not None:
        model = model.merge_and_unload()
    model.config.use_cache = True
    window = len(losses) // 10 or 1
    result = TrainResult(output_dir, step, sum(losses[:window]) / window, sum(losses[-window:]) / window, eval_before, eval_after, time.perf_counter() - started, skipped, history)
    base_manifest = base_dir / MANIFEST_FILE
    weights = next((base_dir / n for n in ("model.safetensors", "pytorch_model.bin") if (base_dir / n).is_file()), None)
    manifest = {
        "kind": "generator",
        "name": output_dir.name,
        "base_model": {
            "path": str(base_dir.resolve()),
            "weights_sha256": file_sha256(weights) if weights else None,
            "manifest": json.loads(base_manifest.read_text()) if base_manifest.is_file() else None,
        },
        "method": "full" if config.full else "lora (merged)",
        "lora": lora,
        "training": {k: v for k, v in asdict(config).items() if k != "device"} | {"device": config.device, "learning_rate": config.lr},
        "data": data_description or {"examples": len(train)},
        "metrics": {
            "steps": step,
            "examples_trained": len(rows),
            "skipped_too_long": skipped,  # longer than max_length tokens: not trained on (data counts them)
            "train_loss_first": result.train_loss_first,
            "train_loss_last": result.train_loss_last,
            "eval_loss_before": eval_before,
            "eval_loss_after": eval_after,
            "skipped_non_finite_updates": skipped_updates,
            "seconds": round(result.seconds, 1),
            "history": history,
        },
        "prompt": "assistant.lm.prompts.build_messages",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }

    def save(staging: Path) -> None:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))

    target.write(save)
    progress(f"saved {output_dir} ({counted(step, 'step')}, {result.seconds:.0f} s)")
    return result
