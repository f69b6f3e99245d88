"""One bounded GPU run for generation speed (3-5 minutes on an H100/H200), fully offline.

    python3 scripts/gpu_generation.py MODEL_DIR OUT_DIR [--random-weights] [--device cuda]

MODEL_DIR is a prepared model folder. With ``--random-weights`` only its config and tokenizer are needed
and the weights are initialised at random: the 0.5B generator's weights (about 1 GB in bf16, 491 MB as
the packaged GGUF) are larger than what may travel to a lent GPU host, while the speed depends only on
the shapes (every answer runs to the same number of tokens, ``--ignore-eos``).

Steps (each time-bounded; a step that fails is recorded and the run goes on):

  a. forward passes in this process: one left-padded prefill pass of 1 to 64 prompts (~660 tokens each),
     the first call of each shape and the median of three more, with PyTorch's cuDNN attention on and
     off; one decode step of 1 and 64 rows; achieved TFLOP/s of each pass (2 x parameters x tokens);
  b. benchmarks/generation.py: plain ``generate`` against the scheduler at 1/8/32/64 sessions, for
     several prefill budgets;
  c. the same at 8 and 64 sessions with PyTorch's cuDNN attention kept on (the generator turns it off).

Everything lands in OUT_DIR: passes.json, generation.json, generation_cudnn.json, one .log per step.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from scripts.gpu_lm import run  # noqa: E402 (one bounded step as a subprocess)

ROWS = (1, 8, 16, 24, 32, 48, 64)


def _timed(function, device: str) -> float:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    function()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - started) * 1000


def time_passes(model_dir: Path, device: str) -> dict:
    """Prefill and decode-step times of the bare model, per batch shape, cuDNN attention on and off."""
    import torch
    from transformers import DynamicCache

    from assistant.lm.batching import cache_keyword, left_padded
    from assistant.lm.local import TransformersGenerator
    from benchmarks.generation import demo_prompts

    generator = TransformersGenerator("passes", model_dir, device=device)
    generator.warm_up()
    model, tokenizer = generator.model, generator.tokenizer
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    prompts = [generator.prompt_ids(p) for p in demo_prompts(max(ROWS))]
    cache_arg = cache_keyword(model)
    params = sum(p.numel() for name, p in model.named_parameters() if "embed_tokens" not in name and "lm_head" not in name)

    def prefill(ids, mask, positions):
        return model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1,
                     **{cache_arg: DynamicCache()})

    results: dict = {"non_embedding_params": params, "default_backends": {
        "cudnn": torch.backends.cuda.cudnn_sdp_enabled(), "flash": torch.backends.cuda.flash_sdp_enabled(),
        "mem_efficient": torch.backends.cuda.mem_efficient_sdp_enabled(), "math": torch.backends.cuda.math_sdp_enabled()}}
    with torch.inference_mode():
        for cudnn in (True, False):
            torch.backends.cuda.enable_cudnn_sdp(cudnn)
            rows_out = []
            for rows in ROWS:
                ids, mask, positions = left_padded(prompts[:rows], pad, model.device)
                first = _timed(lambda: prefill(ids, mask, positions), device)
                again = statistics.median(_timed(lambda: prefill(ids, mask, positions), device) for _ in range(3))
                padded_tokens = ids.numel()
                row = {"rows": rows, "padded_tokens": padded_tokens, "real_tokens": int(mask.sum()), "first_ms": round(first, 1),
                       "median_ms": round(again, 1), "tflops": round(2 * params * padded_tokens / again / 1e9, 1)}
                if rows in (1, 64):
                    out = prefill(ids, mask, positions)
                    cache = getattr(out, "past_key_values", None) or getattr(out, "cache", None)
                    step_mask = torch.cat([mask, mask.new_ones((rows, 1))], dim=1)
                    last = ids[:, -1:]
                    step_positions = step_mask.sum(-1, keepdim=True) - 1

                    def step():
                        model(input_ids=last, attention_mask=step_mask, position_ids=step_positions, use_cache=True,
                              **{cache_arg: cache})
                        for layer in cache.layers:  # undo the step's append, so every timed step has the same shape
                            layer.keys, layer.values = layer.keys[:, :, :-1], layer.values[:, :, :-1]

                    _timed(step, device)
                    row["decode_step_ms"] = round(statistics.median(_timed(step, device) for _ in range(5)), 1)
                print(f"  cudnn {'on ' if cudnn else 'off'} {json.dumps(row)}", flush=True)
                rows_out.append(row)
            results["cudnn_on" if cudnn else "cudnn_off"] = rows_out
    generator.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path, help="a prepared transformers model folder (config and tokenizer at least)")
    parser.add_argument("out_dir", type=Path, help="where every result goes")
    parser.add_argument("--random-weights", action="store_true", help="initialise the weights at random (speed only)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--budgets", default="8192,16384,32768,65536", help="prefill budgets for steps b and c")
    parser.add_argument("--sessions", default="1,8,32,64", help="session counts for step b")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--skip", default="", help="comma-separated steps to skip: passes, cudnn")
    args = parser.parse_args()

    import torch

    out = args.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    summary: dict = {"env": {"torch": torch.__version__, "cuda": torch.cuda.is_available(),
                             "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}, "steps": {}}
    print(json.dumps(summary["env"]), flush=True)
    model_dir = args.model_dir.resolve()
    if args.random_weights:
        from benchmarks.generation import model_label, with_random_weights

        model_dir = with_random_weights(model_dir, model_label(model_dir))
        print(f"random weights in {model_dir}", flush=True)
    skip = set(filter(None, args.skip.split(",")))
    if "passes" not in skip:
        print(f"== {time.strftime('%H:%M:%S')} a-passes", flush=True)
        try:
            (out / "passes.json").write_text(json.dumps(time_passes(model_dir, args.device), indent=1))
            summary["steps"]["a-passes"] = {"status": "ok"}
        except Exception as error:  # recorded; the other steps still run
            summary["steps"]["a-passes"] = {"status": f"failed: {error!r}"}
            print(f"   -> failed: {error!r}", flush=True)
        torch.cuda.empty_cache() if torch.cuda.is_available() else None
    bench = [sys.executable, "benchmarks/generation.py", "--model-dir", str(model_dir), "--device", args.device,
             "--ignore-eos", "--max-new-tokens", str(args.max_new_tokens)]
    run("b-generation", bench + ["--sessions", args.sessions, "--prefill-tokens", args.budgets, "--baseline-requests", "8",
                                 "--out", str(out / "generation.json")], 240, out, summary, tail_lines=40)
    if "cudnn" not in skip:
        run("c-generation-cudnn", bench + ["--sessions", "8,64", "--prefill-tokens", args.budgets, "--baseline-requests", "2",
                                           "--cudnn-attention", "--out", str(out / "generation_cudnn.json")], 150, out, summary, tail_lines=20)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"== done in {summary['seconds']} s: {json.dumps(summary['steps'])}", flush=True)


if __name__ == "__main__":
    main()
