"""`assistant train lm` and `assistant train lm-data`: fine-tune the generator on grounded answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli_common import err, fail, out, run_guarded, settings_from, stopped_note
from assistant.cli_train import train_app, transformers_bars_off
from assistant.wording import counted


@train_app.command("lm-data")
def train_lm_data(
    out_file: Annotated[Path, typer.Option("--out", help="JSONL file to write (format: docs/lm.md); an existing file is replaced.")],
    squad: Annotated[Optional[Path], typer.Option(help="SQuAD-v2-style JSON file or folder.")] = None,
    split: Annotated[str, typer.Option(help="squad: the train articles (default; less the tune share), tune, report or all.")] = "train",
    faq: Annotated[Optional[Path], typer.Option(help="A knowledge base FAQ CSV (question,answer).")] = None,
    distractors: Annotated[int, typer.Option(min=0, help="Other passages shown with the right one.")] = 1,
) -> None:
    """Training examples, answerable and unanswerable, from SQuAD-style data and/or a knowledge base FAQ."""
    from assistant.lm import training_data as td

    if squad is None and faq is None:
        fail("give --squad and/or --faq")
    if out_file.is_dir():
        fail(f"--out {out_file} is a folder; give a file name (.jsonl)")
    examples: list[td.Example] = []
    if squad is not None:
        questions = run_guarded(lambda: td.load_squad(squad))
        examples += run_guarded(lambda: td.squad_examples(td.squad_split(questions, split), distractors))
    if faq is not None:
        examples += run_guarded(lambda: td.faq_examples(faq, distractors))
    held = _lines_in(out_file)
    try:
        count = td.write_jsonl(examples, out_file)
    except OSError as error:
        fail(f"cannot write {out_file}: {error.strerror or error}")
    replacing = f" (replacing the {counted(held, 'example')} it held)" if held else ""
    out.print(f"wrote {counted(count, 'example')} to {out_file}{replacing}: {json.dumps(td.describe(examples))}", highlight=False)


def lm_device(option: str | None, setting: str) -> str:
    """The device `train lm` trains on: its --device, else the global one (the ``device`` setting), resolved
    (auto: cuda when a CUDA GPU is present, else cpu); a ValueError for a bad value or a missing GPU."""
    import torch

    from dialog.nlu.training import DEVICES

    if option is not None and option not in DEVICES:
        raise ValueError(f"--device must be one of {', '.join(DEVICES)}, not {option!r}")
    chosen = option or setting
    if chosen == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if chosen == "cuda" and not torch.cuda.is_available():
        given = "--device cuda was given" if option else "the device setting (or the global --device) is cuda"
        raise ValueError(f"{given}, but this machine has no CUDA GPU (torch sees none); train on the CPU with "
                         "--device cpu (or auto), or run it where a GPU is")
    return chosen


def _lines_in(path: Path) -> int:
    """Non-blank lines of an existing file (0 when there is none or it cannot be read): the examples a
    rewrite replaces, such as reviewed examples appended to it since it was written."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return 0


@train_app.command("lm")
def train_lm(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option(help="Training JSONL (see `assistant train lm-data`).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Model folder to write (new, empty or an earlier `train lm` folder; not the base's own); select it with generator_path.")],
    eval_data: Annotated[Optional[Path], typer.Option(help="JSONL for the evaluation loss; default: 5% of --data held out.")] = None,
    base_dir: Annotated[Optional[Path], typer.Option(help="Base model folder; default: the configured generator.")] = None,
    full: Annotated[bool, typer.Option("--full", help="Full fine-tuning instead of LoRA.")] = False,
    epochs: Annotated[float, typer.Option(min=0.01, help="Passes over the data.")] = 1.0,
    max_steps: Annotated[Optional[int], typer.Option(min=1, help="Stop after this many optimizer steps (overrides epochs).")] = None,
    max_minutes: Annotated[Optional[float], typer.Option(min=0.01, help="Stop after this many minutes of training and save.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Examples per step.")] = 8,
    learning_rate: Annotated[Optional[float], typer.Option(min=0.0, help="Peak AdamW learning rate; default 2e-4 (LoRA), 5e-5 (full).")] = None,
    lora_r: Annotated[int, typer.Option(min=1, help="LoRA rank.")] = 16,
    max_length: Annotated[int, typer.Option(min=16, help="Longer examples (tokens) are skipped.")] = 1024,
    eval_every: Annotated[int, typer.Option(min=1, help="Steps between evaluation-loss reports.")] = 50,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N training examples.")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto (CUDA when available), cpu or cuda; default: the global --device (the device setting, auto unless set). cuda on a machine without a CUDA GPU is refused before anything loads.")] = None,
) -> None:
    """Supervised fine-tuning of the generator (LoRA by default); on a CUDA GPU when present, unless --device says otherwise.

    --base-dir is a chat generator's model folder: config.json, the weights (model.safetensors), and the tokenizer with a chat template (a prepared packaged generator or an earlier `train lm` output).
    """
    import random

    from assistant.app import Assistant
    from assistant.lm.finetune import TrainConfig, check_base_dir, finetune, generator_output
    from assistant.lm.training_data import describe, read_jsonl

    settings = settings_from(ctx)
    run_guarded(generator_output(out_dir).check)  # before the model loads and any training time is spent
    train_device = run_guarded(lambda: lm_device(device, settings.device))
    if base_dir is not None:
        run_guarded(lambda: check_base_dir(base_dir))
    examples = run_guarded(lambda: read_jsonl(data))[:limit]
    if len(examples) < (1 if eval_data is not None else 2):
        fail(f"{data} holds {len(examples)} example(s); give at least 2 (one is held out for the evaluation loss) or --eval-data")
    if eval_data is not None:
        held_out = run_guarded(lambda: read_jsonl(eval_data))
    else:
        shuffled = examples[:]
        random.Random(0).shuffle(shuffled)
        cut = max(1, len(shuffled) // 20)
        held_out, examples = shuffled[:cut], shuffled[cut:]
    if base_dir is None:
        generator = run_guarded(lambda: Assistant(settings).generator)
        base_dir = getattr(generator, "path", None)
        if base_dir is None:
            fail("the configured generator is not a local model folder; pass --base-dir")
    config = TrainConfig(
        full=full, epochs=epochs, max_steps=max_steps, batch_size=batch_size, learning_rate=learning_rate, lora_r=lora_r,
        max_length=max_length, eval_every=eval_every, device=train_device, max_minutes=max_minutes,
    )
    manifest_data = {"train_file": str(data), "train": describe(examples), "eval": describe(held_out)}
    squad_ids = sorted({e.source.removeprefix("squad2:") for e in examples if e.source.startswith("squad2:")})
    if squad_ids:  # `eval answers --dataset squad2` counts the questions it asks that the model has learnt
        from assistant.lm.training_data import SPLIT_SEED

        manifest_data["squad_split"] = {"seed": SPLIT_SEED, "by": "article title", "question_ids": squad_ids}
    with stopped_note(out_dir, "fine-tuned generator"), transformers_bars_off():
        result = run_guarded(lambda: finetune(base_dir, examples, out_dir, config, held_out, manifest_data, progress=err.print, bar=True))
    out.print(
        f"saved {result.output_dir}: {counted(result.steps, 'step')}, train loss {result.train_loss_first:.3f} -> {result.train_loss_last:.3f}"
        + (f", eval loss {result.eval_loss_before:.3f} -> {result.eval_loss_after:.3f}" if result.eval_loss_after is not None else "")
        + f"; select it with ASSISTANT_GENERATOR_PATH={result.output_dir} (or generator_path in assistant.toml)"
    )
