"""A cheap answer check for the fine-tuned generator, from a stored SQuAD v2 run (no GPU needed).

    python benchmarks/squad_answer_check.py \
        --tune benchmarks/results/answers_squad2_qwen_full_ft_2ep_tune_h100.json \
        --report benchmarks/results/answers_squad2_qwen_full_ft_2ep_h100.json

Each stored row holds the model's decline margin and the answer it gives when forced to answer. A
logistic regression on the margin and a few surface features (the question's best MiniLM cosine with a
paragraph sentence, that of the sentence holding the forced answer, the question's word overlap with
both, ...) decides whether to answer. It is fitted, and its threshold chosen, on the ``tune`` questions;
F1 is reported on the ``report`` questions, for three feature sets.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.lm.extractive import content_words  # noqa: E402
from assistant.lm.prompts import without_citations  # noqa: E402
from assistant.lm.training_data import load_squad  # noqa: E402

_NEGATION = re.compile(r"\b(not|never|no|n't|none|without|cannot|least|except)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
FEATURES = ("margin", "best cosine", "answer sentence cosine", "answer found", "answer sentence overlap", "best overlap", "negation", "answer words")
FEATURE_SETS = {"margin": [0], "margin + cosines + overlaps": [0, 1, 2, 4, 5], "all": list(range(len(FEATURES)))}


def features(rows: list[dict], questions: dict[str, tuple[str, str]], encoder) -> np.ndarray:
    """One row of ``FEATURES`` per stored row."""
    table = []
    for row in rows:
        paragraph, question = questions[row["id"]]
        sentences = _SENTENCE_END.split(paragraph)
        answer = without_citations(row["forced_reply"]).strip().rstrip(".")
        vectors = encoder.encode([question, *sentences], normalize_embeddings=True)
        cosines = vectors[1:] @ vectors[0]
        holders = [i for i, s in enumerate(sentences) if answer and answer.lower() in s.lower()]
        asked = content_words(question)

        def overlap(sentence: str) -> float:
            return len(asked & content_words(sentence)) / max(len(asked), 1)

        table.append([
            row["margin"], cosines.max(), cosines[holders[0]] if holders else cosines.max(), float(bool(holders)),
            overlap(sentences[holders[0]]) if holders else 0.0, max(overlap(s) for s in sentences),
            float(bool(_NEGATION.search(question))), len(answer.split()),
        ])
    return np.array(table)


def squad_f1(rows: list[dict], answer: np.ndarray) -> float:
    """SQuAD v2 F1 when each row is answered (its forced answer) or declined."""
    total = sum((r["forced_f1"] if a else 0.0) if r["answerable"] else (0.0 if a else 1.0) for r, a in zip(rows, answer))
    return 100 * total / len(rows)


def main() -> None:
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression

    from dialog.nlu.manifest import packaged_encoder_dir

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", type=Path, required=True, help="stored run on the tune questions (rows with margin and forced answers)")
    parser.add_argument("--report", type=Path, required=True, help="stored run on the report questions")
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "data" / "squad_v2_dev_cs224n" / "dev-v2.0.json")
    args = parser.parse_args()
    questions = {q.id: (q.context, q.question) for q in load_squad(args.squad)}
    tune, report = (json.loads(path.read_text())["rows"] for path in (args.tune, args.report))
    encoder = SentenceTransformer(str(packaged_encoder_dir()), device="cpu")
    x_tune, x_report = features(tune, questions, encoder), features(report, questions, encoder)
    answerable = np.array([r["answerable"] for r in tune])
    thresholds = np.linspace(0.05, 0.95, 91)
    print(f"{'features':<30}{'tune F1':>9}{'threshold':>11}{'report F1':>11}")
    for name, columns in FEATURE_SETS.items():
        model = LogisticRegression(max_iter=1000).fit(x_tune[:, columns], answerable)
        p_tune, p_report = (model.predict_proba(x[:, columns])[:, 1] for x in (x_tune, x_report))
        best_f1, threshold = max((squad_f1(tune, p_tune > t), t) for t in thresholds)
        print(f"{name:<30}{best_f1:>9.2f}{threshold:>11.2f}{squad_f1(report, p_report > threshold):>11.2f}")


if __name__ == "__main__":
    main()
