"""Domain adaptation: continued masked-language-model training of the encoder on knowledge-base text.

The packaged MiniLM has no fill-mask head. ``BertForMaskedLM`` ties its decoder to the input
embeddings, so only the small head transform (dense + LayerNorm) and the output bias are new; 15 % of
the tokens are masked (80/10/10) and the encoder learns to predict them. The saved folder is a plain
BERT folder plus ``encoder_manifest.json`` and can be passed as ``--base`` to ``train intents``.
"""

from __future__ import annotations

import random
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.output_folder import OutputFolder, check_not_the_base
from dialog.nlu.manifest import ENCODER_MANIFEST_FILE, FORMAT_VERSION, describe_base, now_utc, packaged_encoder_dir, write_manifest
from dialog.text_files import CsvProblem, NotUtf8, csv_rows, decode_utf8

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".csv"}


@dataclass
class MlmSettings:
    epochs: float = 3.0
    learning_rate: float = 5e-5
    batch_size: int = 32
    warmup: float = 0.06
    weight_decay: float = 0.01
    mask_probability: float = 0.15
    max_length: int = 128
    min_words: int = 3  # shorter lines (headings, table rules) are skipped
    eval_fraction: float = 0.05
    seed: int = 0
    device: str = "auto"
    max_steps: int = -1


def _clean_markdown(line: str) -> str:
    line = re.sub(r"^\s{0,3}(#{1,6}|[-*+]|\d+[.)])\s+", "", line)  # heading / list markers
    line = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line)  # links and images keep their text
    return re.sub(r"[*_`|>]+", " ", line).strip()


def _text_files(paths: Sequence[Path | str]) -> list[Path]:
    """The Markdown, text and CSV files named or inside the folders named; a missing path, a file of another
    kind (a PDF, a Word file: read as text it would teach the encoder its bytes) or a folder without any
    raises an error that says so."""
    kinds = ", ".join(sorted(TEXT_SUFFIXES))
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())
            if not found:
                raise ValueError(f"{path} holds no Markdown, text or CSV files ({kinds})")
            files.extend(found)
        elif path.is_file():
            if path.suffix.lower() not in TEXT_SUFFIXES:
                raise ValueError(f"{path}: train mlm reads Markdown, text and CSV files ({kinds}); convert it to one of them or leave it out")
            files.append(path)
        else:
            raise FileNotFoundError(f"{path} not found")
    return files


def read_texts(paths: Sequence[Path | str], min_words: int = 3) -> list[str]:
    """Lines of text from Markdown/text files, the `text` (or first) column of CSV files, and folders of them."""
    texts: list[str] = []
    for file in _text_files(paths):
        try:
            content = decode_utf8(file.read_bytes())
        except NotUtf8 as error:
            raise ValueError(f"{file} is {error}; save it as UTF-8") from None
        if file.suffix.lower() == ".csv":
            try:
                rows = [row for _, _, row in csv_rows(content)]
            except CsvProblem as error:
                raise ValueError(f"{file}: {error}") from None
            if not rows:
                continue
            header = [c.strip().lower() for c in rows[0]]
            columns = [i for i, c in enumerate(header) if c in ("text", "question", "answer")] or [0]
            lines = [row[i] for row in rows[1:] for i in columns if i < len(row)]
        else:
            lines = [_clean_markdown(line) for line in content.splitlines()]
        texts.extend(line.strip() for line in lines if len(line.split()) >= min_words)
    seen: set[str] = set()
    unique = [t for t in texts if not (t in seen or seen.add(t))]
    if not unique:
        raise ValueError(f"no text lines of at least {min_words} words in {', '.join(map(str, paths))}")
    return unique


def _loss_line(logs: dict[str, Any]) -> str | None:
    """One readable line for the Trainer's periodic loss log (not its end-of-training summary)."""
    if "loss" not in logs:
        return None
    return f"epoch {float(logs.get('epoch', 0)):.2f}: training loss {float(logs['loss']):.4f}"


def encoder_output(out_dir: Path | str) -> OutputFolder:
    """Where an adapted encoder is saved: a new or empty folder, or an earlier `train mlm` folder."""
    return OutputFolder(Path(out_dir), ENCODER_MANIFEST_FILE, "adapted encoder")


def train_mlm(
    texts: Sequence[str], out_dir: Path | str, base: Path | str | None = None, settings: MlmSettings | None = None,
    progress: bool = True, data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Continue masked-LM training of the encoder in ``base`` on ``texts``; save to ``out_dir``; return the manifest.
    ``data`` (where the texts came from) is recorded under "data"."""
    from transformers import AutoTokenizer, BertForMaskedLM, DataCollatorForLanguageModeling, Trainer, TrainingArguments, set_seed

    from dialog.nlu.modeling import quiet_load_report
    from dialog.nlu.training import bar_without_log_lines, resolve_device, run_trainer

    target = encoder_output(out_dir)
    target.check()  # before any training time is spent
    settings = settings or MlmSettings()
    started = time.perf_counter()
    out_dir = Path(out_dir)
    base_dir = Path(base) if base else packaged_encoder_dir()
    check_not_the_base(base_dir, out_dir, "--base")
    base_info = describe_base(base_dir)
    device = resolve_device(settings.device)
    texts = list(texts)
    if len(texts) < 2:
        raise ValueError("masked-LM training needs at least 2 text lines")
    set_seed(settings.seed)
    random.Random(settings.seed).shuffle(texts)
    # enough held-out lines that some tokens are always masked (an empty mask gives no loss)
    n_eval = min(max(8, int(len(texts) * settings.eval_fraction)), len(texts) // 2)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    encode = lambda lines: [dict(input_ids=ids) for ids in tokenizer(lines, truncation=True, max_length=settings.max_length)["input_ids"]]  # noqa: E731
    eval_rows, train_rows = encode(texts[:n_eval]), encode(texts[n_eval:])
    with quiet_load_report():  # the new head transform is expected
        model = BertForMaskedLM.from_pretrained(base_dir)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=settings.mask_probability, seed=settings.seed)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}-mlm-") as work:
        args = TrainingArguments(
            output_dir=str(Path(work) / "checkpoints"),
            num_train_epochs=settings.epochs,
            max_steps=settings.max_steps,
            learning_rate=settings.learning_rate,
            per_device_train_batch_size=settings.batch_size,
            per_device_eval_batch_size=64,
            warmup_steps=settings.warmup,
            lr_scheduler_type="linear",
            optim="adamw_torch",
            weight_decay=settings.weight_decay,
            eval_strategy="no",
            save_strategy="no",
            logging_strategy="epoch" if settings.max_steps <= 0 else "steps",
            logging_steps=max(settings.max_steps, 1),  # with max_steps: one loss line, at the end
            train_sampling_strategy="group_by_length",
            report_to="none",
            disable_tqdm=not progress,
            use_cpu=device == "cpu",
            seed=settings.seed,
        )
        trainer = Trainer(model=model, args=args, train_dataset=train_rows, eval_dataset=eval_rows, data_collator=collator, processing_class=tokenizer)
        bar_without_log_lines(trainer, "masked-LM training", log_line=_loss_line)
        before = trainer.evaluate()["eval_loss"]
        output = run_trainer(trainer)
        after = trainer.evaluate()["eval_loss"]
        staging = Path(work) / "model"
        trainer.model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        manifest = {
            "format_version": FORMAT_VERSION,
            "kind": "encoder",
            "base": base_info,
            "objective": "masked language model",
            "data": data or {},
            "texts": len(texts),
            "train_texts": len(train_rows),
            "eval_texts": len(eval_rows),
            "settings": asdict(settings),
            "steps": int(output.global_step),
            "eval_mlm_loss_before": round(float(before), 4),
            "eval_mlm_loss_after": round(float(after), 4),
            "created": now_utc(),
            "train_seconds": round(time.perf_counter() - started, 1),
            "device": device,
        }
        write_manifest(staging, manifest, ENCODER_MANIFEST_FILE)
        target.replace_with(staging)
    return manifest
