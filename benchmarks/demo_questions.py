"""Run the demo question set through the assistant (the same turn as `assistant ask`) per generator.

    .venv/bin/python benchmarks/demo_questions.py --generator smollm2-135m --generator qwen2.5-coder-0.5b

Prints a table and writes JSON (summary and per-question rows) to benchmarks/results/, after each generator.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.models import ModelError  # noqa: E402
from assistant.evaluation import run_demo  # noqa: E402


def run(generator: str, questions_path: Path, kb: Path, limit: int | None, data_dir: Path | None) -> dict:
    """``generator`` is a generator name, or "extractive" for the extractive answer mode."""
    overrides: dict = {"answer_mode": "extractive"} if generator == "extractive" else {"answer_mode": "generative", "generator": generator}
    if data_dir:
        overrides["data_dir"] = data_dir
    return run_demo(load_settings(**overrides), questions_path, kb, limit, progress=lambda line: print(line, flush=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generator", action="append", help='generator name, or "extractive" (repeatable)')
    parser.add_argument("--questions", type=Path, default=ROOT / "demo" / "questions.jsonl")
    parser.add_argument("--kb", type=Path, default=ROOT / "demo" / "knowledge_base")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder with the prepared models")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "demo_questions.json")
    args = parser.parse_args()
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    results = []
    for generator in args.generator or ["smollm2-135m", "qwen2.5-coder-0.5b"]:
        print(f"== {generator}", flush=True)
        try:
            results.append(run(generator, args.questions, args.kb, args.limit, args.data_dir))
        except (ModelError, FileNotFoundError, ValueError) as error:  # an unprepared model, a bad question file
            sys.exit(f"error: {generator}: {error}" + (f" (the results of {len(results)} generator(s) before it are in {args.out})" if results else ""))
        finally:
            if results:  # after each generator, so a later one that fails or is stopped loses nothing of the earlier
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(results, indent=1))
    header = f"{'generator':<22}{'fact acc.':>10}{'fact recall':>12}{'false decl.':>12}{'abst. recall':>13}{'s/answer':>10}{'p95 s':>8}"
    print(header)
    for result in results:
        s = result["summary"]
        print(
            f"{result['generator']:<22}{s['fact_accuracy']:>10.1%}{s['fact_recall']:>12.1%}{s['false_declines']:>12.1%}"
            f"{s['abstention_recall']:>13.1%}{s['seconds_mean']:>10.1f}{s['seconds_p95']:>8.1f}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
