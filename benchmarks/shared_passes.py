"""Concurrent turns' model passes: shared (``SharedPasses``) against one pass per caller, in one run.

    .venv/bin/python benchmarks/shared_passes.py                       # 20 callers x 10 questions, 3 rounds
    .venv/bin/python benchmarks/shared_passes.py --callers 50 --rounds 5

Each of ``--callers`` threads asks, one after another, ``--questions`` distinct demo questions (embedding
the question with the packaged MiniLM embedder, then classifying it with the demo intent model when there
is one), as a turn does. The same workload runs with passes shared by whoever waits (the server's way)
and with ``max_texts=1`` (one caller per pass: what a plain lock gave), alternating ``--rounds`` times so
that both see the same machine. Reports per-call latency p50/p95, calls per second and passes made.
Writes JSON (default ``benchmarks/results/shared_passes.json``).
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

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.shared_passes import SharedPasses  # noqa: E402


def questions(count: int) -> list[str]:
    """``count`` distinct questions: the demo's, numbered when more are needed (no embedding cache is hit)."""
    lines = (ROOT / "demo" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    base = [json.loads(line)["question"] for line in lines if line.strip()]
    return [f"{base[n % len(base)]} ({n})" if n >= len(base) else base[n] for n in range(count)]


def run_workload(models: list, texts: list[list[str]]) -> dict:
    """Every caller's questions through every model, callers in parallel; latency per question."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(texts) + 1)

    def caller(mine: list[str]) -> None:
        start.wait()
        for text in mine:
            began = time.perf_counter()
            for model in models:
                model.run([text])
            with lock:
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=caller, args=(mine,)) for mine in texts]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "questions_per_s": round(len(latencies) / wall, 1),
        "passes": sum(model.passes for model in models),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per caller")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model-cache-dir", default=str(ROOT / "data" / "models"))
    parser.add_argument("--intent-model", default=str(ROOT / "data" / "models" / "intents"), help="'' for none")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "shared_passes.json"))
    args = parser.parse_args()

    from assistant.app import Assistant
    from assistant.config import load_settings

    settings = load_settings(model_cache_dir=args.model_cache_dir)
    embedder = Assistant(settings).embedder
    embedder = getattr(embedder, "inner", embedder)  # the model itself: no cache in front
    embedder.warm_up()
    forwards = [embedder._encode]
    if args.intent_model and Path(args.intent_model, "intent_manifest.json").exists():
        from dialog.nlu.classifier import IntentClassifier

        classifier = IntentClassifier(args.intent_model, device="cpu")
        classifier.warm_up()
        forwards.append(classifier._probabilities)
    everything = questions(args.callers * args.questions * args.rounds * 2)
    results: dict[str, list[dict]] = {"shared": [], "one_per_pass": []}
    for round_no in range(args.rounds):
        for name, max_texts in (("shared", 64), ("one_per_pass", 1)):
            models = [SharedPasses(forward, max_texts=max_texts) for forward in forwards]
            texts = [everything.pop() for _ in range(args.callers * args.questions)]
            per_caller = [texts[n :: args.callers] for n in range(args.callers)]
            outcome = run_workload(models, per_caller)
            results[name].append(outcome)
            print(f"round {round_no + 1} {name:12s} {outcome}", flush=True)
    summary = {
        name: {key: statistics.median(r[key] for r in rounds) for key in rounds[0]} for name, rounds in results.items()
    }
    report = {
        "settings": vars(args) | {"models": ["embedder"] + (["intent classifier"] if len(forwards) > 1 else [])},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average": os.getloadavg()},
        "rounds": results,
        "median_of_rounds": summary,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("\n| passes | p50 | p95 | questions/s | forward passes |\n|---|---:|---:|---:|---:|")
    for name, row in summary.items():
        print(f"| {name} | {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms | {row['questions_per_s']:.1f} | {row['passes']:.0f} |")


if __name__ == "__main__":
    main()
