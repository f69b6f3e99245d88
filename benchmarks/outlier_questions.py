"""Write general-knowledge questions as extra out-of-scope training messages (outlier exposure).

    python benchmarks/outlier_questions.py ../shared/data/squad_v2_dev_cs224n/dev-v2.0.json \
        --count 1000 --out data/outliers/squad_questions.txt
    assistant eval intents --dataset clinc150 --data ../shared/data/clinc150_oos \
        --extra-oos data/outliers/squad_questions.txt ...

A support assistant's out-of-scope messages are mostly questions about anything else: trivia, maths,
news. SQuAD's crowd-written Wikipedia questions are such questions. They are written in the style of
chat messages (lower case, no question mark) so that the classifier learns what they ask about, not
how they are typed. One random sample (``--seed``), one question per line.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.lm.training_data import load_squad  # noqa: E402


def as_message(question: str) -> str:
    """Lower case, without the question mark: "What is X?" -> "what is x"."""
    return question.strip().rstrip("?").strip().lower()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path, help="a SQuAD JSON file (e.g. dev-v2.0.json)")
    parser.add_argument("--count", type=int, default=1000, help="how many questions to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    unique = dict.fromkeys(" ".join(q.question.split()) for q in load_squad(args.squad))  # file order, no duplicates
    questions = [q for q in map(as_message, unique) if len(q.split()) >= 3]
    chosen = random.Random(args.seed).sample(questions, min(args.count, len(questions)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    print(f"wrote {len(chosen)} of {len(questions)} questions to {args.out}")


if __name__ == "__main__":
    main()
