"""A trained answerability check for the fine-tuned generator, from a stored SQuAD v2 run (no GPU needed).

    python benchmarks/squad_answerability.py \
        --tune benchmarks/results/answers_squad2_qwen_full_ft_2ep_tune_h100.json \
        --report benchmarks/results/answers_squad2_qwen_full_ft_2ep_h100.json --out RESULT.json

The packaged MiniLM is fine-tuned as a cross-encoder on pairs from the SQuAD ``train`` questions (the
same questions the generator was fine-tuned on), with one output: does the text answer the question?
With ``--unit paragraph`` the text is the whole paragraph; with ``--unit sentence`` (shorter, ten times
cheaper) it is the sentence that holds the answer: in training the gold answer's sentence, or for an
unanswerable question the sentence of its annotated plausible answer; on the stored rows, the sentence
that holds the generator's forced answer (else the sentence sharing most words with the question).

Each stored row of the generator's run holds its decline margin and the answer it gives when forced to
answer; the check decides whether that answer is given or declined. The threshold (and, for the combined check, a logistic regression on the margin and the check's logit) is
chosen on the ``tune`` questions; F1 is reported on the ``report`` questions.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.lm.extractive import content_words  # noqa: E402
from assistant.lm.prompts import without_citations  # noqa: E402
from assistant.lm.training_data import load_squad, squad_split  # noqa: E402
from benchmarks.squad_answer_check import _SENTENCE_END, squad_f1  # noqa: E402


def sentence_at(paragraph: str, offset: int) -> str:
    """The sentence of ``paragraph`` that holds character ``offset``."""
    start = 0
    for end in _SENTENCE_END.finditer(paragraph):
        if offset < end.start():
            return paragraph[start : end.start()]
        start = end.end()
    return paragraph[start:]


def answer_sentence(question: str, paragraph: str, answer: str) -> str:
    """The sentence holding ``answer``; without one, the sentence sharing most words with the question."""
    found = paragraph.lower().find(answer.lower()) if answer else -1
    if found >= 0:
        return sentence_at(paragraph, found)
    asked = content_words(question)
    return max(_SENTENCE_END.split(paragraph), key=lambda s: len(asked & content_words(s)))


def training_sentences(path: Path, ids: set[str]) -> dict[str, str]:
    """For each question id: the sentence of its first gold (or, unanswerable, plausible) answer."""
    data = json.loads(path.read_text(encoding="utf-8"))
    sentences = {}
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                spans = qa.get("answers") or qa.get("plausible_answers") or []
                if qa["id"] in ids and spans:
                    sentences[qa["id"]] = sentence_at(paragraph["context"], spans[0]["answer_start"])
    return sentences


def train_check(pairs: list[tuple[str, str, float]], epochs: int, batch_size: int, learning_rate: float,
                max_length: int, seed: int):
    """Fine-tune MiniLM with one output on (question, text, answerable) triples (binary cross-entropy)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from dialog.nlu.manifest import packaged_encoder_dir
    from retrieval.training import adamw_with_warmup, optimizer_step

    torch.manual_seed(seed)
    folder = str(packaged_encoder_dir())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=1)
    total = epochs * ((len(pairs) + batch_size - 1) // batch_size)
    optimizer, scheduler = adamw_with_warmup(model, learning_rate, total)
    rng = random.Random(seed)
    order = list(range(len(pairs)))
    losses = []
    model.train()
    with tqdm(total=total, desc="Training answerability check", unit="step") as bar:
        for _ in range(epochs):
            rng.shuffle(order)
            for start in range(0, len(order), batch_size):
                batch = [pairs[i] for i in order[start : start + batch_size]]
                features = tokenizer([q for q, _, _ in batch], [p for _, p, _ in batch], truncation="only_second",
                                     max_length=max_length, padding=True, return_tensors="pt")
                logits = model(**features).logits.squeeze(-1)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor([y for _, _, y in batch]))
                losses.append(optimizer_step(loss, model, optimizer, scheduler))
                bar.update(1)
                bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
    model.eval()
    return model, tokenizer, losses


def logits_for(model, tokenizer, pairs: list[tuple[str, str]], max_length: int, batch_size: int = 64) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(pairs), batch_size):
            batch = pairs[start : start + batch_size]
            features = tokenizer([q for q, _ in batch], [p for _, p in batch], truncation="only_second",
                                 max_length=max_length, padding=True, return_tensors="pt")
            out.extend(model(**features).logits.squeeze(-1).tolist())
    return np.array(out)


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", type=Path, required=True, help="stored run on the tune questions (rows with margin and forced answers)")
    parser.add_argument("--report", type=Path, required=True, help="stored run on the report questions")
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "data" / "squad_v2_dev_cs224n" / "dev-v2.0.json")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--max-length", type=int, default=384)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--unit", choices=("paragraph", "sentence"), default="sentence", help="what the check reads with the question")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    questions = load_squad(args.squad)
    train_questions = squad_split(questions, "train")
    tune, report = (json.loads(path.read_text())["rows"] for path in (args.tune, args.report))
    by_id = {q.id: q for q in questions}
    if args.unit == "paragraph":
        train = [(q.question, q.context, float(bool(q.answers))) for q in train_questions]
        read = {r["id"]: (by_id[r["id"]].question, by_id[r["id"]].context) for r in tune + report}
    else:
        sentences = training_sentences(args.squad, {q.id for q in train_questions})
        train = [(q.question, sentences[q.id], float(bool(q.answers))) for q in train_questions if q.id in sentences]
        read = {}
        for r in tune + report:
            q = by_id[r["id"]]
            forced = "" if r["forced_declined"] else without_citations(r["forced_reply"]).strip().rstrip(".")
            read[r["id"]] = (q.question, answer_sentence(q.question, q.context, forced))
    print(f"training on {len(train)} train-article questions ({sum(y for *_, y in train):.0f} answerable)", file=sys.stderr)
    started = time.perf_counter()
    model, tokenizer, losses = train_check(train, args.epochs, args.batch_size, args.lr, args.max_length, args.seed)
    train_seconds = time.perf_counter() - started
    z_tune, z_report = (logits_for(model, tokenizer, [read[r["id"]] for r in rows], args.max_length) for rows in (tune, report))

    answerable_tune = np.array([r["answerable"] for r in tune])
    answerable_report = np.array([r["answerable"] for r in report])
    margin_tune, margin_report = (np.array([[r["margin"]] for r in rows]) for rows in (tune, report))
    scores = {
        "margin (the generator's own decline)": (margin_tune, margin_report),
        "answerability check": (z_tune[:, None], z_report[:, None]),
        "margin + answerability check": (np.hstack([margin_tune, z_tune[:, None]]), np.hstack([margin_report, z_report[:, None]])),
    }
    thresholds = np.linspace(0.02, 0.98, 97)
    results = []
    print(f"{'decides':<40}{'tune F1':>9}{'threshold':>11}{'report F1':>11}{'answered':>10}{'NoAns recall':>14}")
    for name, (x_tune, x_report) in scores.items():
        regression = LogisticRegression(max_iter=1000).fit(x_tune, answerable_tune)
        p_tune, p_report = (regression.predict_proba(x)[:, 1] for x in (x_tune, x_report))
        tune_f1, threshold = max((squad_f1(tune, p_tune > t), t) for t in thresholds)
        answer = p_report > threshold
        report_f1 = squad_f1(report, answer)
        no_answer_recall = float(np.mean(~answer[~answerable_report]))
        results.append({"decides": name, "tune_f1": round(tune_f1, 2), "threshold": round(float(threshold), 2),
                        "report_f1": round(report_f1, 2), "answered": round(float(answer.mean()), 4),
                        "noans_recall": round(no_answer_recall, 4)})
        print(f"{name:<40}{tune_f1:>9.2f}{threshold:>11.2f}{report_f1:>11.2f}{answer.mean():>10.1%}{no_answer_recall:>14.1%}")
    check_accuracy = float(np.mean((z_report > 0) == answerable_report))
    print(f"check alone at logit 0: report accuracy {check_accuracy:.1%}; training {train_seconds:.0f} s, "
          f"loss {np.mean(losses[:20]):.3f} -> {np.mean(losses[-20:]):.3f}", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps({
            "train_questions": len(train), "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
            "max_length": args.max_length, "seed": args.seed, "unit": args.unit, "train_seconds": round(train_seconds, 1),
            "loss_first_20": round(float(np.mean(losses[:20])), 4), "loss_last_20": round(float(np.mean(losses[-20:])), 4),
            "check_report_accuracy_at_0": round(check_accuracy, 4), "results": results,
        }, indent=2) + "\n")


if __name__ == "__main__":
    main()
