"""Extractive answers on SQuAD v2: a check of the sentence picker on questions it was not tuned on.

    python benchmarks/extractive_squad.py --split test

Each answerable SQuAD v2 dev question retrieves its 5 closest paragraphs (MiniLM cosine, the
paragraph's article title as its heading), and ``ExtractiveAnswerer`` answers from them as it does in
the product. An answer counts as right when it contains one of the question's gold answer strings
(SQuAD's normalisation: lower case, no punctuation or articles). Reported beside it: the share of
questions whose gold paragraph was retrieved (the ceiling), accuracy on those, and the answer's mean
length in words (a longer answer contains more by chance).

The questions are split in two halves by article (``retrieval.evaluation.in_train_half``): the
picker's weights may be looked at on ``train``; ``test`` is the figure to report.

``--pairs`` checks the rules for messages with two questions ("How long is the trial, and what does it
cost?"): two answerable questions about the same article, from different paragraphs, joined as
"first, and second?". The passages are the joined message's closest paragraphs plus each question's
own closest one (as the answer action adds a passage per question part); an answer counts as right
when it holds a gold answer of both questions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.app import build_embedder  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.lm.answer_eval import normalize_answer, prediction_text  # noqa: E402
from assistant.lm.extractive import ExtractiveAnswerer, answer_units, unit_texts  # noqa: E402
from assistant.lm.training_data import load_squad  # noqa: E402
from retrieval.embedders import CachedEmbedder  # noqa: E402
from retrieval.evaluation import embed_cached, in_train_half  # noqa: E402

def load_paragraphs(path: Path) -> tuple[list[str], list[str], list[dict]]:
    """Paragraph texts, their article titles, and the answerable questions (text, gold paragraph, answers, article)."""
    rows: dict[str, int] = {}
    titles: list[str] = []
    questions = []
    for q in load_squad(path):
        if q.context not in rows:
            rows[q.context] = len(rows)
            titles.append(q.title.replace("_", " "))
        if q.answers:
            questions.append({"question": q.question, "paragraph": rows[q.context], "answers": q.answers, "article": q.title})
    return list(rows), titles, questions


def make_pairs(questions: list[dict], seed: int = 0) -> list[dict]:
    """Two questions about the same article from different paragraphs, joined into one message; each
    question is used at most once."""
    rng = np.random.default_rng(seed)
    by_article: dict[str, list[dict]] = {}
    for q in questions:
        by_article.setdefault(q["article"], []).append(q)
    pairs = []
    for article, group in by_article.items():
        group = [group[i] for i in rng.permutation(len(group))]
        while len(group) >= 2:
            first = group.pop()
            partner = next((q for q in group if q["paragraph"] != first["paragraph"]), None)
            if partner is None:
                break
            group.remove(partner)
            opening, follow = first["question"].strip().rstrip("?").strip(), partner["question"].strip().rstrip("?")
            text = f"{opening}, and {follow[:1].lower()}{follow[1:]}?"
            pairs.append({"question": text, "parts": [first, partner], "article": article})
    return pairs


def evaluate_pairs(
    answerer: ExtractiveAnswerer,
    paragraphs: list[str],
    headings: list[str] | None,
    pairs: list[dict],
    paragraph_vectors: np.ndarray,
    pair_vectors: np.ndarray,
    part_vectors: np.ndarray,
    k: int = 5,
) -> dict:
    """Answer each joined message from its ``k`` closest paragraphs plus each part's closest; the share
    of answers holding a gold answer of both questions (and of each)."""
    both = either = words = 0
    started = time.perf_counter()
    for n, (pair, vector) in enumerate(zip(pairs, pair_vectors)):
        top = np.argsort(-(paragraph_vectors @ vector))[:k].tolist()
        for part_vector in part_vectors[2 * n : 2 * n + 2]:
            extra = int(np.argmax(paragraph_vectors @ part_vector))
            if extra not in top:
                top.append(extra)
        answer = answerer.answer(pair["question"], [paragraphs[r] for r in top], headings=None if headings is None else [headings[r] for r in top])
        text = normalize_answer(prediction_text(answer, len(top))[0])
        hits = [any(normalize_answer(a) in text for a in part["answers"]) for part in pair["parts"]]
        both += all(hits)
        either += sum(hits)
        words += len(text.split())
    seconds = time.perf_counter() - started
    return {
        "pairs": len(pairs),
        "answer_contains_both": both / len(pairs),
        "parts_answered": either / (2 * len(pairs)),
        "answer_words_mean": words / len(pairs),
        "ms_per_pair": 1000 * seconds / len(pairs),
    }


def evaluate(
    answerer: ExtractiveAnswerer,
    paragraphs: list[str],
    headings: list[str] | None,
    questions: list[dict],
    paragraph_vectors: np.ndarray,
    question_vectors: np.ndarray,
    k: int = 5,
) -> dict:
    """Answer every question from its ``k`` closest paragraphs; the shares of answers holding a gold answer."""
    right = retrieved = right_retrieved = words = 0
    started = time.perf_counter()
    for q, vector in zip(questions, question_vectors):
        similarity = paragraph_vectors @ vector
        top = np.argsort(-similarity)[:k].tolist()
        answer = answerer.answer(
            q["question"],
            [paragraphs[r] for r in top],
            headings=None if headings is None else [headings[r] for r in top],
        )
        text = normalize_answer(prediction_text(answer, len(top))[0])
        hit = any(normalize_answer(a) in text for a in q["answers"])
        right += hit
        words += len(text.split())
        if q["paragraph"] in top:
            retrieved += 1
            right_retrieved += hit
    seconds = time.perf_counter() - started
    return {
        "questions": len(questions),
        "answer_contains_gold": right / len(questions),
        "gold_paragraph_retrieved": retrieved / len(questions),
        "answer_contains_gold_when_retrieved": right_retrieved / max(retrieved, 1),
        "answer_words_mean": words / len(questions),
        "ms_per_question": 1000 * seconds / len(questions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "squad_v2_dev_cs224n" / "dev-v2.0.json")
    parser.add_argument("--split", choices=["train", "test", "all"], default="test")
    parser.add_argument("--k", type=int, default=5, help="paragraphs retrieved per question")
    parser.add_argument("--no-headings", action="store_true", help="do not give the article title as the passages' heading")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--pairs", action="store_true", help="two questions joined into one message (see above)")
    parser.add_argument("--out", type=Path, default=None, help="write the summary (JSON) here")
    args = parser.parse_args()
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")

    settings = Settings()
    embedder = build_embedder(settings)
    cache = settings.data_dir / "cache" / "embeddings"
    paragraphs, titles, questions = load_paragraphs(args.data)
    if args.split != "all":
        questions = [q for q in questions if in_train_half(q["article"]) == (args.split == "train")]
    questions = questions[: args.limit]
    print(f"{len(questions)} questions ({args.split}), {len(paragraphs)} paragraphs", flush=True)

    paragraph_vectors = embed_cached(embedder, paragraphs, cache, show_progress=True)
    question_vectors = embed_cached(embedder, [q["question"] for q in questions], cache, queries=True, show_progress=True)
    answerer = ExtractiveAnswerer(CachedEmbedder(embedder, max_entries=200_000))
    headings = None if args.no_headings else titles
    all_units = [unit_texts(answer_units(text, 1), None if headings is None else [headings[row]]) for row, text in enumerate(paragraphs)]
    flat = [t for texts in all_units for t in texts]
    answerer.embedder.remember(flat, embed_cached(embedder, flat, cache, show_progress=True))  # as the product's warm-up

    if args.pairs:
        pairs = make_pairs(questions)
        pair_vectors = embed_cached(embedder, [p["question"] for p in pairs], cache, queries=True)
        part_vectors = embed_cached(embedder, [q["question"] for p in pairs for q in p["parts"]], cache, queries=True)
        summary = evaluate_pairs(answerer, paragraphs, headings, pairs, paragraph_vectors, pair_vectors, part_vectors, args.k)
    else:
        summary = evaluate(answerer, paragraphs, headings, questions, paragraph_vectors, question_vectors, args.k)
    summary = {"split": args.split, "headings": headings is not None, **summary}
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
