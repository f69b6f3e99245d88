"""One bounded GPU run for the language model (5-7 minutes on an H100, at most ~9.5), fully offline.

    python scripts/gpu_lm.py MODEL_DIR OUT_DIR [--squad DIR] [--dstc11 DIR] [--device cuda]

Steps, each a subprocess with its own time limit (a step that fails or times out is recorded and the
run goes on):

  a. benchmarks/generation.py: batching scheduler vs plain ``model.generate``, 1/8/32/64 sessions;
  b. SQuAD v2 (cs224n half), held-out "report" articles: EM/F1, abstention, support trade-off, base model;
  c. fine-tuning on the "train" articles (full fine-tuning by default, 2 epochs, at most 2.5 minutes; ``--method lora``);
  d. the evaluation of (b) with the fine-tuned model;
  e. DSTC11 val: knowledge-seeking detection and BLEU/ROUGE-L (base model), if the data and time allow.

Needs only torch, transformers, peft (and sacrebleu + rouge-score for e): it imports ``assistant.lm``
and nothing of the web app. Everything lands in OUT_DIR: generation.json, squad2_before.json,
squad2_after.json, train_manifest.json, dstc11.json, summary.json, one .log per step.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# -- steps run in a child process ----------------------------------------------------------------


def step_eval_squad(args: argparse.Namespace) -> None:
    from assistant.lm.answer_eval import eval_squad2, save_best_decline_bias
    from assistant.lm.local import TransformersGenerator

    generator = TransformersGenerator(Path(args.model).name, Path(args.model), device=args.device, max_batch_size=args.workers)
    generator.warm_up()
    progress = lambda m: print(m, flush=True)  # noqa: E731
    result = eval_squad2(generator, Path(args.data), args.split, args.limit, 32, args.workers, progress, decline_sweep=args.sweep)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result["summary"]), flush=True)
    for row in result.get("decline_tradeoff", result["tradeoff"]):
        print(json.dumps(row), flush=True)
    if args.save_bias:
        best = save_best_decline_bias(Path(args.model), result)
        print(f"decline bias {best['decline_bias']:+.3f} saved (F1 {best['f1']:.1f} on {args.split})", flush=True)


def step_eval_dstc11(args: argparse.Namespace) -> None:
    from assistant.lm.dstc11_eval import eval_dstc11
    from assistant.lm.local import TransformersGenerator

    generator = TransformersGenerator(Path(args.model).name, Path(args.model), device=args.device, max_batch_size=args.workers)
    generator.warm_up()
    result = eval_dstc11(generator, Path(args.data), args.limit, 60, args.workers, progress=lambda m: print(m, flush=True), snippets="labelled")
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps({k: result[k] for k in ("detection", "response")}), flush=True)


def step_train(args: argparse.Namespace) -> None:
    import random

    from assistant.lm.finetune import TrainConfig, finetune
    from assistant.lm.training_data import SPLIT_SEED, describe, load_squad, split_titles, squad_examples, squad_split, write_jsonl

    questions = load_squad(Path(args.data))
    train = squad_examples(squad_split(questions, "train"))[: args.limit]
    random.Random(0).shuffle(train)
    held_out = squad_examples(squad_split(questions, "tune"))  # eval loss (the decline bias is chosen on these too)
    write_jsonl(train, Path(args.out).parent / "train.jsonl")
    full = args.method == "full"
    config = TrainConfig(
        full=full, epochs=args.epochs, max_steps=args.max_steps, batch_size=16,
        learning_rate=args.lr or (5e-5 if full else 2e-4), eval_every=50, device=args.device, max_minutes=args.minutes,
    )
    titles = split_titles(q.title for q in questions)
    data = {
        "squad_split": {"seed": SPLIT_SEED, "by": "article title", "train_titles": titles["train"], "report_titles": titles["report"],
                        "held_out": "the tune questions of the train articles (training_data.squad_split)"},
        "train": describe(train), "eval": describe(held_out),
    }
    finetune(Path(args.model), train, Path(args.out), config, held_out, data, progress=lambda m: print(m, flush=True))


STEPS = {"eval-squad": step_eval_squad, "eval-dstc11": step_eval_dstc11, "train": step_train}


# -- the driver -----------------------------------------------------------------------------------


TIMEOUT_SCALE = 1.0


def run(name: str, command: list[str], timeout: int, out: Path, summary: dict, tail_lines: int = 14) -> bool:
    """Run one step as a subprocess with a time limit, its output in OUT/NAME.log; print the log's last lines."""
    timeout = int(timeout * TIMEOUT_SCALE)
    started = time.perf_counter()
    print(f"== {time.strftime('%H:%M:%S')} {name} (limit {timeout} s)", flush=True)
    with (out / f"{name}.log").open("w") as log:
        try:
            process = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, cwd=ROOT)
            status = "ok" if process.returncode == 0 else f"exit {process.returncode}"
        except subprocess.TimeoutExpired:
            status = f"timed out after {timeout} s"
    seconds = round(time.perf_counter() - started, 1)
    summary["steps"][name] = {"status": status, "seconds": seconds}
    lines = (out / f"{name}.log").read_text(errors="replace").splitlines()
    tail = [line for line in lines if "Loading weights" not in line and "it/s]" not in line][-tail_lines:]
    print("\n".join("   " + line for line in tail), flush=True)
    print(f"   -> {status} in {seconds} s", flush=True)
    return status == "ok"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_step":
        parser = argparse.ArgumentParser()
        parser.add_argument("_", help="_step")
        parser.add_argument("step", choices=sorted(STEPS))
        for flag in ("--model", "--data", "--out", "--device", "--method"):
            parser.add_argument(flag)
        parser.add_argument("--split", default="report")
        parser.add_argument("--sweep", action="store_true")
        parser.add_argument("--save-bias", action="store_true")
        parser.add_argument("--lr", type=float, default=None)
        parser.add_argument("--limit", type=int, default=None)
        parser.add_argument("--workers", type=int, default=64)
        parser.add_argument("--epochs", type=float, default=2.0)
        parser.add_argument("--max-steps", type=int, default=None)
        parser.add_argument("--minutes", type=float, default=3.0)
        args = parser.parse_args()
        STEPS[args.step](args)
        return

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path, help="a prepared transformers model folder")
    parser.add_argument("out_dir", type=Path, help="where every result goes")
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "data" / "squad_v2_dev_cs224n")
    parser.add_argument("--dstc11", type=Path, default=ROOT.parent / "shared" / "data" / "dstc11_track5")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--method", choices=["full", "lora"], default="full", help="fine-tuning: full (default for 135M) or LoRA")
    parser.add_argument("--eval-limit", type=int, default=1200, help="report-article questions evaluated (half answerable)")
    parser.add_argument("--train-limit", type=int, default=None, help="train-article examples used (default: all ~3,100)")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default 5e-5 full, 2e-4 LoRA)")
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--skip", default="", help="comma-separated steps to skip: bench, base, dstc11")
    parser.add_argument("--train-minutes", type=float, default=2.5, help="training stops after this long (loading included) and saves")
    parser.add_argument("--sessions", default="1,8,32,64")
    parser.add_argument("--bench-tokens", type=int, default=64)
    parser.add_argument("--bench-baseline", type=int, default=8)
    parser.add_argument("--workers", type=int, default=64, help="concurrent questions in the evaluations")
    parser.add_argument("--dstc-limit", type=int, default=300)
    parser.add_argument("--tune-limit", type=int, default=None, help="tune questions for choosing the decline bias (default: all ~310)")
    parser.add_argument("--timeout-scale", type=float, default=1.0, help="multiply every step's time limit (e.g. 5 on a CPU)")
    parser.add_argument("--keep-model", action="store_true", help="keep the fine-tuned weights (large) in OUT_DIR/model")
    args = parser.parse_args()

    global TIMEOUT_SCALE
    TIMEOUT_SCALE = args.timeout_scale
    out = args.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    model = str(args.model_dir.resolve())
    tuned = out / "model"
    me = [sys.executable, str(Path(__file__).resolve()), "_step"]
    started = time.perf_counter()
    import torch
    import transformers

    summary: dict = {
        "env": {"torch": torch.__version__, "transformers": transformers.__version__, "cuda": torch.cuda.is_available(),
                "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
        "model_dir": model, "steps": {},
    }
    print(json.dumps(summary["env"]), flush=True)
    skip = set(filter(None, args.skip.split(",")))
    if "bench" not in skip:
        run("a-generation", [sys.executable, "benchmarks/generation.py", "--model-dir", model, "--device", args.device,
                         "--sessions", args.sessions, "--max-new-tokens", str(args.bench_tokens),
                         "--baseline-requests", str(args.bench_baseline), "--out", str(out / "generation.json")], 120, out, summary)
    common = ["--device", args.device, "--workers", str(args.workers)]
    if "base" not in skip:
        run("b-squad2-before", me + ["eval-squad", "--model", model, "--data", str(args.squad), "--limit", str(args.eval_limit),
                                     "--out", str(out / "squad2_before.json")] + common, 150, out, summary)
    train_cmd = me + ["train", "--model", model, "--data", str(args.squad), "--out", str(tuned), "--method", args.method,
                      "--epochs", str(args.epochs), "--minutes", str(args.train_minutes), "--device", args.device]
    train_cmd += ["--limit", str(args.train_limit)] if args.train_limit else []
    train_cmd += ["--max-steps", str(args.max_steps)] if args.max_steps else []
    train_cmd += ["--lr", str(args.lr)] if args.lr else []
    if run("c-train", train_cmd, int(args.train_minutes * 60) + 90, out, summary):
        run("d0-tune-decline-bias", me + ["eval-squad", "--model", str(tuned), "--data", str(args.squad), "--split", "tune",
                                          "--sweep", "--save-bias", "--out", str(out / "squad2_tune.json")] + common
            + (["--limit", str(args.tune_limit)] if args.tune_limit else []), 90, out, summary)
        (out / "train_manifest.json").write_text((tuned / "assistant_manifest.json").read_text())
        run("d-squad2-after", me + ["eval-squad", "--model", str(tuned), "--data", str(args.squad), "--limit", str(args.eval_limit),
                                    "--sweep", "--out", str(out / "squad2_after.json")] + common, 120, out, summary)
    if "dstc11" not in skip and args.dstc11.is_dir() and time.perf_counter() - started < 450 * TIMEOUT_SCALE:
        run("e-dstc11", me + ["eval-dstc11", "--model", model, "--data", str(args.dstc11), "--limit", str(args.dstc_limit),
                              "--out", str(out / "dstc11.json")] + common, 60, out, summary)
    for name in ("squad2_before", "squad2_tune", "squad2_after"):
        path = out / f"{name}.json"
        if path.is_file():
            result = json.loads(path.read_text())
            summary[name] = result["summary"] | {"tradeoff": result["tradeoff"]}
            for key in ("decline_tradeoff", "best_decline_bias"):
                if key in result:
                    summary[name][key] = result[key]
    if not args.keep_model and (tuned / "model.safetensors").is_file():
        (tuned / "model.safetensors").unlink()  # large; the manifest and metrics stay
    summary["seconds"] = round(time.perf_counter() - started, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"== done in {summary['seconds']} s; results in {out}", flush=True)


if __name__ == "__main__":
    main()
