"""Where the gold article of each answerable demo question ranks, per search method.

    python benchmarks/demo_retrieval.py [--methods dense,hybrid] [--json benchmarks/results/demo_retrieval.json]

Indexes the demo knowledge base in a temporary folder (with the configured embedder and chunking) and
searches each answerable question of demo/questions.jsonl. A passage is gold when its document is one
of the question's sources (an FAQ entry counts for the source ``faq``). Prints R@1, R@3, R@5 and
MRR@10 of the first gold passage.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.app import Assistant, build_retriever  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import load_questions  # noqa: E402
from retrieval.ingest import ingest  # noqa: E402


def is_gold(doc_id: str, sources: list[str]) -> bool:
    return any(doc_id == s or doc_id.startswith(f"{s}#") or doc_id.startswith(f"{s}/") for s in sources)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default="dense,bm25,hybrid")
    parser.add_argument("--questions", type=Path, default=ROOT / "demo" / "questions.jsonl")
    parser.add_argument("--kb", type=Path, default=ROOT / "demo" / "knowledge_base")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    try:
        questions = [q for q in load_questions(args.questions) if q.answerable and q.sources]  # without sources: no gold passage
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f"error: {error}")
    if not questions:
        sys.exit(f"error: no answerable question in {args.questions} names its sources (document ids), so there is nothing to rank")
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        settings = load_settings(index_dir=Path(scratch) / "index")
        embedder = Assistant(settings).embedder
        ingest([args.kb], embedder, settings.index_dir, **settings.ingest_options())  # as `assistant ingest` does with these settings
        for method in args.methods.split(","):
            retriever = build_retriever(settings.model_copy(update={"retrieval_method": method}), embedder)
            ranks = []
            for question in questions:
                found = retriever.search(question.question, k=10)
                rank = next((i for i, p in enumerate(found, 1) if is_gold(p.chunk.doc_id, question.sources)), None)
                ranks.append(rank)
            n = len(ranks)
            results[method] = {
                "questions": n,
                **{f"recall@{k}": sum(1 for r in ranks if r and r <= k) / n for k in (1, 3, 5)},
                "mrr@10": sum(1 / r for r in ranks if r) / n,
            }
    print(f"{'method':<8}{'R@1':>7}{'R@3':>7}{'R@5':>7}{'MRR@10':>8}   ({len(questions)} answerable questions with sources)")
    for method, values in results.items():
        print(f"{method:<8}{values['recall@1']:>7.3f}{values['recall@3']:>7.3f}{values['recall@5']:>7.3f}{values['mrr@10']:>8.3f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
