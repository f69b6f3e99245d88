"""Generation speed: tokens/s and time to first token, batched scheduler vs plain ``model.generate``.

    .venv/bin/python benchmarks/generation.py --model smollm2-135m --sessions 1,8 --max-new-tokens 32
    .venv/bin/python benchmarks/generation.py --model-dir PATH --device cuda --sessions 1,8,32,64

For each model, in one run:

- baseline: plain ``model.generate`` (greedy), one request at a time, over ``--baseline-requests``
  prompts: tokens/s (tokens over total time) and time to first token (a 1-token generate);
- the project's generator (``TransformersGenerator``: every ``stream()`` goes through the batching
  scheduler) with N concurrent sessions for each N in ``--sessions`` (N threads start together, each
  streams one answer): aggregate tokens/s (all tokens / wall time), TTFT p50/p95 and each session's
  TTFT (submit to first token), the ratio of the aggregate to the baseline's tokens/s, and the
  scheduler's own counters for the run (prefill passes and rows per pass, ms per prefill pass and per
  decode step; ``--prefill-tokens`` sets its padded-token budget per prefill pass);
- whether the scheduler's tokens equal the baseline's for the same prompts (greedy; bf16/fp32 near-ties
  can flip a few).

``--prefill-tokens`` takes several budgets (``8192,16384``): the session counts run once per budget,
with one model load. ``--ignore-eos`` makes every answer run to ``--max-new-tokens`` (the baseline and
the scheduler alike), so that runs compare equal work. ``--random-weights`` loads only the folder's
config and tokenizer and initialises the weights at random: the speed of a model whose weights cannot
be copied to the machine (the shapes, kernels and work are the same; the words are not). Combine it
with ``--ignore-eos``.

Prompts are real ones: the demo questions with three help-centre passages each, in the assistant's
prompt format (~450 tokens). Prints a table and writes JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.lm.batching import DEFAULT_MAX_PREFILL_TOKENS  # noqa: E402
from assistant.lm.local import TransformersGenerator  # noqa: E402
from assistant.lm.prompts import PromptPassage, build_messages  # noqa: E402


def demo_prompts(count: int) -> list[list[dict[str, str]]]:
    """``count`` chat prompts: demo questions, each with three passages from the demo knowledge base."""
    questions = [json.loads(line)["question"] for line in (ROOT / "demo" / "questions.jsonl").read_text().splitlines() if line.strip()]
    texts = []
    for path in sorted((ROOT / "demo" / "knowledge_base").rglob("*.md")):
        body = path.read_text(encoding="utf-8")
        title = body.splitlines()[0].lstrip("# ").strip()
        texts.append(PromptPassage(title, " ".join(body.split()[:110])))
    prompts = []
    for i in range(count):
        passages = [texts[(3 * i + k) % len(texts)] for k in range(3)]
        prompts.append(build_messages(questions[i % len(questions)], passages))
    return prompts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


RANDOM_MARKER = "RANDOM_WEIGHTS"  # written into a folder whose weights are random


def with_random_weights(path: Path, label: str, seed: int = 0) -> Path:
    """A temporary copy of the model folder ``path`` (config, tokenizer) with randomly initialised weights."""
    import shutil
    import tempfile

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from assistant.lm.local import WEIGHT_FILES

    target = Path(tempfile.mkdtemp()) / f"{label}-random-weights"
    target.mkdir()
    for item in path.iterdir():
        if item.is_file() and item.name not in WEIGHT_FILES and not item.name.startswith("model-"):
            shutil.copy2(item, target / item.name)
    torch.manual_seed(seed)
    config = AutoConfig.from_pretrained(path, local_files_only=True)
    AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16).save_pretrained(target)
    (target / RANDOM_MARKER).write_text("weights initialised at random from config.json: for speed measurements only\n")
    return target


def model_label(path: Path) -> str:
    """A model folder's name for the tables: ``qwen2.5-coder-0.5b`` for ``.../qwen2.5-coder-0.5b/transformers``."""
    return path.name if path.name != "transformers" else path.parent.name


def baseline(
    generator: TransformersGenerator, prompts: list[list[dict[str, str]]], max_new_tokens: int, ignore_eos: bool = False
) -> dict[str, Any]:
    """Plain ``model.generate``, one request at a time (no streaming, no batching)."""
    import torch

    model, tokenizer = generator.model, generator.tokenizer
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    outputs, tokens, seconds, ttft = [], 0, 0.0, []
    for messages in prompts:
        ids = torch.tensor([generator.prompt_ids(messages)], device=model.device)
        kwargs = dict(do_sample=False, repetition_penalty=generator.repetition_penalty, pad_token_id=pad)
        if ignore_eos:
            kwargs["eos_token_id"] = []  # no stop token: every answer runs to max_new_tokens
        with torch.inference_mode():
            _sync(model)
            started = time.perf_counter()
            model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=1, **kwargs)
            _sync(model)
            ttft.append(time.perf_counter() - started)
            started = time.perf_counter()
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens, **kwargs)
            _sync(model)
            seconds += time.perf_counter() - started
        new = out[0, ids.shape[1] :].tolist()
        eos = set(generator._scheduler.eos_token_ids)  # empty with ignore_eos
        new = new[: next((i for i, t in enumerate(new) if t in eos), len(new))]
        outputs.append(new)
        tokens += len(new)
    return {
        "requests": len(prompts),
        "tokens": tokens,
        "tokens_per_s": tokens / seconds,
        "ttft_p50_ms": statistics.median(ttft) * 1000,
        "outputs": outputs,
    }


def _sync(model: Any) -> None:
    import torch

    if model.device.type == "cuda":
        torch.cuda.synchronize()


SCHEDULER_COUNTERS = ("steps", "prefills", "prefill_rows", "prefill_seconds", "decode_seconds")


def concurrent(generator: TransformersGenerator, prompts: list[list[dict[str, str]]], max_new_tokens: int) -> dict[str, Any]:
    """``len(prompts)`` sessions streaming at once through the generator's scheduler."""
    scheduler = generator._scheduler
    before = {name: getattr(scheduler, name) for name in SCHEDULER_COUNTERS}
    n = len(prompts)
    barrier = threading.Barrier(n + 1)
    first: list[float] = [0.0] * n
    done: list[float] = [0.0] * n
    counts: list[int] = [0] * n
    token_ids: list[list[int]] = [[] for _ in range(n)]
    errors: list[BaseException] = []

    def session(i: int) -> None:
        try:
            ids = generator.prompt_ids(prompts[i])
            barrier.wait()
            started = time.perf_counter()
            for token in generator._scheduler.submit(ids, max_new_tokens):
                if not token_ids[i]:
                    first[i] = time.perf_counter() - started
                token_ids[i].append(token)
            counts[i] = len(token_ids[i])
            done[i] = time.perf_counter()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    wall = max(done) - started
    counts_run = {name: getattr(scheduler, name) - before[name] for name in SCHEDULER_COUNTERS}
    return {
        "sessions": n,
        "tokens": sum(counts),
        "wall_s": wall,
        "tokens_per_s": sum(counts) / wall,
        "per_session_tokens_per_s": statistics.median(c / max(d - started - f, 1e-9) for c, d, f in zip(counts, done, first)),
        "ttft_p50_ms": statistics.median(first) * 1000,
        "ttft_p95_ms": percentile(first, 0.95) * 1000,
        "ttft_ms": [round(f * 1000, 1) for f in first],  # per session, in submission order
        "prefill_passes": counts_run["prefills"],
        "rows_per_prefill": counts_run["prefill_rows"] / max(counts_run["prefills"], 1),
        "ms_per_prefill": counts_run["prefill_seconds"] * 1000 / max(counts_run["prefills"], 1),
        "decode_steps": counts_run["steps"],
        "ms_per_decode_step": counts_run["decode_seconds"] * 1000 / max(counts_run["steps"], 1),
        "outputs": token_ids,
    }


def bench_model(
    label: str, path: Path, device: str, sessions: list[int], max_new_tokens: int, baseline_requests: int,
    budgets: list[int], ignore_eos: bool = False, cudnn_attention: bool = False,
) -> dict[str, Any]:
    generator = TransformersGenerator(
        label, path, device=device, max_batch_size=max(sessions), max_prefill_tokens=budgets[0], cudnn_attention=cudnn_attention
    )
    generator.warm_up()
    scheduler = generator._scheduler
    if ignore_eos:
        scheduler.eos_token_ids = ()
    prompts = demo_prompts(max(max(sessions), baseline_requests))
    prompt_tokens = [len(generator.prompt_ids(p)) for p in prompts]
    list(scheduler.submit(generator.prompt_ids(prompts[0]), 4))  # warm-up
    print(f"== {label} on {device}: prompts {min(prompt_tokens)}-{max(prompt_tokens)} tokens", flush=True)
    base = baseline(generator, prompts[:baseline_requests], max_new_tokens, ignore_eos)
    print(f"  plain generate: {base['tokens_per_s']:.1f} tokens/s, TTFT p50 {base['ttft_p50_ms']:.0f} ms", flush=True)
    runs = []
    for budget in budgets:
        scheduler.max_prefill_tokens = budget
        single = None
        for n in sessions:
            run = concurrent(generator, prompts[:n], max_new_tokens)
            run["max_prefill_tokens"] = budget
            run["ratio_vs_plain_generate"] = run["tokens_per_s"] / base["tokens_per_s"]
            compared = min(n, baseline_requests)
            run["same_tokens_as_plain_generate"] = sum(
                run["outputs"][i] == base["outputs"][i] for i in range(compared)
            ) / max(compared, 1)
            if n == 1:
                single = run["tokens_per_s"]
            run["ratio_vs_single_stream"] = run["tokens_per_s"] / single if single else None
            del run["outputs"]
            runs.append(run)
            print(
                f"  budget {budget}, {n:>3} sessions: {run['tokens_per_s']:.1f} tokens/s ({run['ratio_vs_plain_generate']:.2f}x plain), "
                f"TTFT p50 {run['ttft_p50_ms']:.0f} ms p95 {run['ttft_p95_ms']:.0f} ms, same tokens {run['same_tokens_as_plain_generate']:.0%}; "
                f"{run['prefill_passes']} prefill passes ({run['rows_per_prefill']:.1f} rows, {run['ms_per_prefill']:.0f} ms each), "
                f"{run['decode_steps']} decode steps ({run['ms_per_decode_step']:.0f} ms each)",
                flush=True,
            )
    del base["outputs"]
    scheduler.close()
    return {
        "model": label, "path": str(path), "device": device, "prompt_tokens_mean": statistics.fmean(prompt_tokens),
        "max_new_tokens": max_new_tokens, "ignore_eos": ignore_eos, "max_prefill_tokens": budgets,
        "plain_generate": base, "scheduler": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=[], help="registry name of a prepared generator (repeatable)")
    parser.add_argument("--model-dir", action="append", type=Path, default=[], help="any transformers model folder (repeatable)")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder holding the prepared models")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--sessions", default="1,8,32,64", help="comma-separated concurrent session counts")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--baseline-requests", type=int, default=8, help="prompts run through plain generate")
    parser.add_argument(
        "--prefill-tokens", default=str(DEFAULT_MAX_PREFILL_TOKENS),
        help="the scheduler's padded-token budget per prefill pass; several, comma-separated, run the sessions once per budget",
    )
    parser.add_argument("--ignore-eos", action="store_true", help="every answer runs to --max-new-tokens (equal work in every run)")
    parser.add_argument(
        "--random-weights", action="store_true",
        help="use only each folder's config and tokenizer, with random weights (speed only; combine with --ignore-eos)",
    )
    parser.add_argument(
        "--cudnn-attention", action="store_true",
        help="keep PyTorch's cuDNN attention kernel on a GPU (the generator turns it off; to compare kernels)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "generation.json")
    args = parser.parse_args()
    try:
        budgets = [int(b) for b in args.prefill_tokens.split(",") if b.strip()]
    except ValueError:
        parser.error(f"--prefill-tokens takes whole numbers, comma-separated; got {args.prefill_tokens!r}")
    if not budgets or min(budgets) < 1:
        parser.error("--prefill-tokens needs at least one budget of 1 or more")

    from assistant.models import ModelError, model_path, resolve_device

    device = resolve_device(args.device)
    models: list[tuple[str, Path]] = [(model_label(p), p) for p in args.model_dir]
    if args.model or not models:
        from assistant.config import load_settings  # only here: a bare GPU host may lack the settings library

        settings = load_settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
        try:
            models += [(name, model_path(name, settings.model_cache_dir)) for name in (args.model or ["smollm2-135m"])]
        except ModelError as error:  # not prepared: say how, rather than a traceback
            sys.exit(f"error: {error}")
    sessions = [int(s) for s in args.sessions.split(",") if s.strip()]
    if args.random_weights:
        models = [(f"{label} (random weights)", with_random_weights(path, label)) for label, path in models]
    results = [
        bench_model(label, path, device, sessions, args.max_new_tokens, args.baseline_requests, budgets, args.ignore_eos, args.cudnn_attention)
        for label, path in models
    ]

    print(f"\n{'model':<34}{'device':<7}{'budget':>7}{'sessions':>9}{'tokens/s':>10}{'x plain':>9}{'x single':>9}{'TTFT p50':>10}{'TTFT p95':>10}{'same':>6}")
    for result in results:
        base = result["plain_generate"]
        print(f"{result['model']:<34}{result['device']:<7}{'':>7}{'plain':>9}{base['tokens_per_s']:>10.1f}{1:>9.2f}{'':>9}{base['ttft_p50_ms']:>8.0f}ms{'':>10}{'':>6}")
        for run in result["scheduler"]:
            single = f"{run['ratio_vs_single_stream']:.2f}" if run["ratio_vs_single_stream"] else ""
            print(
                f"{result['model']:<34}{result['device']:<7}{run['max_prefill_tokens']:>7}{run['sessions']:>9}{run['tokens_per_s']:>10.1f}"
                f"{run['ratio_vs_plain_generate']:>9.2f}{single:>9}{run['ttft_p50_ms']:>8.0f}ms{run['ttft_p95_ms']:>8.0f}ms"
                f"{run['same_tokens_as_plain_generate']:>6.0%}"
            )
    import torch
    import transformers

    meta = {
        "platform": platform.platform(), "cpu_threads": torch.get_num_threads(), "torch": torch.__version__,
        "transformers": transformers.__version__, "random_weights": any((path / RANDOM_MARKER).exists() for _, path in models),
        "cudnn_attention": torch.backends.cuda.cudnn_sdp_enabled(),
    }
    if device.startswith("cuda"):
        meta["gpu"] = torch.cuda.get_device_name(0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
