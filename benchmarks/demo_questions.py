"""Run the demo question set through the assistant (the same turn as `assistant ask`) per generator.

    python benchmarks/demo_questions.py --generator smollm2-135m --generator qwen2.5-coder-0.5b

Prints a table and writes JSON (summary and per-question rows) to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.app import Assistant  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import load_questions, score, summarise  # noqa: E402
from retrieval.ingest import ingest  # noqa: E402


def run(generator: str, questions_path: Path, kb: Path, limit: int | None, data_dir: Path | None) -> dict:
    """``generator`` is a generator name, or "extractive" for the extractive answer mode."""
    with tempfile.TemporaryDirectory() as scratch:
        overrides = {"database_url": f"sqlite:///{scratch}/bench.db"}
        if generator == "extractive":
            overrides["answer_mode"] = "extractive"
        else:
            overrides["generator"] = generator
        if data_dir:
            overrides["data_dir"] = data_dir
        settings = load_settings(**overrides)
        assistant = Assistant(settings)
        ingest([kb], assistant.embedder, settings.index_dir)
        assistant.warm_up()
        manager = assistant.manager
        manager.handle(manager.start_session("bench"), "How do I change my email address?")  # warm caches
        rows, seconds = [], []
        for question in load_questions(questions_path)[:limit]:
            started = time.perf_counter()
            result = manager.handle(manager.start_session("bench"), question.question)
            seconds.append(time.perf_counter() - started)
            row = score(question, result.text, result.abstained, [s["doc_id"] for s in result.sources])
            row.update(question=question.question, answer=result.text, seconds=round(seconds[-1], 2))
            rows.append(row)
            mark = "ok " if row["correct"] else ("dec" if result.abstained else "-- ")
            print(f"  {mark} {seconds[-1]:5.1f}s {question.id} {result.text[:90]!r}", flush=True)
    return {"generator": generator, "settings": {"top_k": settings.top_k, "min_retrieval_score": settings.min_retrieval_score, "max_new_tokens": settings.max_new_tokens}, "summary": summarise(rows, seconds), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generator", action="append", help='generator name, or "extractive" (repeatable)')
    parser.add_argument("--questions", type=Path, default=ROOT / "demo" / "questions.jsonl")
    parser.add_argument("--kb", type=Path, default=ROOT / "demo" / "knowledge_base")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder with the prepared models")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "demo_questions.json")
    args = parser.parse_args()
    results = []
    for generator in args.generator or ["smollm2-135m", "qwen2.5-coder-0.5b"]:
        print(f"== {generator}", flush=True)
        results.append(run(generator, args.questions, args.kb, args.limit, args.data_dir))
    header = f"{'generator':<22}{'fact acc.':>10}{'fact recall':>12}{'false decl.':>12}{'abst. recall':>13}{'s/answer':>10}{'p95 s':>8}"
    print(header)
    for result in results:
        s = result["summary"]
        print(
            f"{result['generator']:<22}{s['fact_accuracy']:>10.1%}{s['fact_recall']:>12.1%}{s['false_declines']:>12.1%}"
            f"{s['abstention_recall']:>13.1%}{s['seconds_mean']:>10.1f}{s['seconds_p95']:>8.1f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
