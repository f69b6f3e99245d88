"""Answer quality on SQuAD v2: EM/F1 with the official normalisation, abstention, and the trade-offs of
the support threshold and the decline bias (DSTC11 track 5 is in ``dstc11_eval``). Generation runs
concurrently, so that the local generator's scheduler batches the questions (on a GPU, 64 at a time).
"""

from __future__ import annotations

import collections
import json
import re
import string
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assistant.lm.base import Generator, generate
from assistant.lm.prompts import PromptPassage, build_messages, check_answer, support, without_citations
from assistant.lm.training_data import DECLINE, SPLIT_SEED, load_squad, split_titles, squad_split

SUPPORT_THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
DECLINE_BIASES = tuple(float(b) for b in range(-8, 9))


# -- the official SQuAD v2 scoring (evaluate-v2.0.py) -------------------------------------------


def normalize_answer(text: str) -> str:
    """Lower case, no punctuation, no articles (a, an, the), single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(gold: str, prediction: str) -> float:
    return float(normalize_answer(gold) == normalize_answer(prediction))


def f1(gold: str, prediction: str) -> float:
    gold_tokens, pred_tokens = normalize_answer(gold).split(), normalize_answer(prediction).split()
    if not gold_tokens or not pred_tokens:  # no-answer: 1 only when both are empty
        return float(gold_tokens == pred_tokens)
    common = collections.Counter(gold_tokens) & collections.Counter(pred_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_tokens), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def best_scores(golds: Sequence[str], prediction: str) -> tuple[float, float]:
    golds = [g for g in golds if normalize_answer(g)] or [""]
    return max(exact_match(g, prediction) for g in golds), max(f1(g, prediction) for g in golds)


def prediction_text(reply: str, passage_count: int) -> tuple[str, bool]:
    """The answer span a reply gives ("" when it declines) and whether it declined."""
    checked = check_answer(reply, passage_count)
    if checked.abstained:
        return "", True
    text = without_citations(checked.text).strip().rstrip(".").strip()
    return text, not text


def answer_all(generator: Generator, prompts: Sequence[list[dict[str, str]]], max_new_tokens: int, workers: int, progress: Callable[[str], None]) -> list[str]:
    """Replies to ``prompts``, ``workers`` at a time (the local generator batches them)."""
    replies: list[str] = [""] * len(prompts)
    started = time.perf_counter()
    done = 0

    def one(i: int) -> None:
        replies[i] = generate(generator, prompts[i], max_new_tokens)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(one, range(len(prompts))):
            done += 1
            if done % max(1, len(prompts) // 10) == 0 or done == len(prompts):
                progress(f"{done}/{len(prompts)} answered ({time.perf_counter() - started:.0f} s)")
    return replies


def eval_squad2(
    generator: Generator,
    data: Path,
    split: str = "report",
    limit: int | None = None,
    max_new_tokens: int = 32,
    workers: int = 1,
    progress: Callable[[str], None] = lambda _: None,
    decline_sweep: bool = False,
    trained_ids: Collection[str] = (),
) -> dict[str, Any]:
    """EM/F1 (all, HasAns, NoAns), abstention precision/recall, and the support-threshold trade-off.

    ``trained_ids``: the SQuAD question ids the generator was fine-tuned on (its manifest's); the summary's
    ``trained_on`` counts the questions asked here that are among them (figures on learnt questions).

    ``decline_sweep`` (local generator only): also the trade-off of the decline bias. Each question's
    first-step decline margin is measured and its answer generated with the decline banned at the first
    step; the reply at bias b is then the decline when margin + b > 0, else that answer -- what greedy
    decoding with bias b gives. The summary is at the generator's own bias.
    """
    questions = load_squad(data)
    split_info = split_titles(q.title for q in questions)
    chosen = squad_split(questions, split)
    # an even mix of answerable and unanswerable questions when limited, in a fixed order
    chosen = sorted(chosen, key=lambda q: q.id)
    if limit:
        has = [q for q in chosen if q.answers][: (limit + 1) // 2]
        chosen = has + [q for q in chosen if not q.answers][: limit - len(has)]
    prompts = [build_messages(q.question, [PromptPassage(q.title.replace("_", " "), q.context)]) for q in chosen]
    started = time.perf_counter()
    margins: list[float] | None = None
    if decline_sweep:
        margins, replies = _margins_and_forced_replies(generator, prompts, max_new_tokens, workers, progress)
        bias = generator.decline_bias  # type: ignore[attr-defined]
        replies_now = [DECLINE if m + bias > 0 else r for m, r in zip(margins, replies, strict=True)]
    else:
        replies = replies_now = answer_all(generator, prompts, max_new_tokens, workers, progress)
    seconds = time.perf_counter() - started
    rows = []
    for i, q in enumerate(chosen):
        prediction, declined = prediction_text(replies_now[i], 1)
        em, f = best_scores(q.answers, prediction)
        row = {
            "id": q.id, "answerable": bool(q.answers), "reply": replies_now[i], "prediction": prediction, "declined": declined,
            "em": em, "f1": f, "support": support(prediction, [q.context]) if prediction else 1.0,
        }
        if margins is not None:
            forced, forced_declined = prediction_text(replies[i], 1)
            forced_em, forced_f1 = best_scores(q.answers, forced)
            row.update(margin=margins[i], forced_reply=replies[i], forced_declined=forced_declined, forced_em=forced_em, forced_f1=forced_f1)
        rows.append(row)
    summary = summarise_squad(rows)
    summary.update(split=split, questions=len(rows), seconds=round(seconds, 1), questions_per_s=round(len(rows) / max(seconds, 1e-9), 2))
    if trained_ids:
        trained = set(trained_ids)
        summary["trained_on"] = sum(q.id in trained for q in chosen)
    result = {
        "dataset": "squad2", "generator": generator.name, "split_seed": SPLIT_SEED,
        "split_titles": split_info, "summary": summary, "tradeoff": support_tradeoff(rows), "rows": rows,
    }
    if margins is not None:
        summary["decline_bias"] = generator.decline_bias  # type: ignore[attr-defined]
        result["decline_tradeoff"] = decline_tradeoff(rows)
        result["best_decline_bias"] = best_decline_bias(rows)
    return result


def save_decline_bias(model_dir: Path, bias: float, chosen_on: dict[str, Any]) -> None:
    """Record ``bias`` in a model folder's ``assistant_manifest.json``; the local generator applies it."""
    path = Path(model_dir) / "assistant_manifest.json"
    manifest = json.loads(path.read_text()) if path.is_file() else {}
    manifest["decline_bias"] = bias
    manifest["decline_bias_chosen_on"] = chosen_on
    path.write_text(json.dumps(manifest, indent=2))


def save_best_decline_bias(model_dir: Path, result: dict[str, Any]) -> dict[str, float]:
    """Save the best bias of a sweep's ``result`` (``eval_squad2(..., decline_sweep=True)``) in the model
    folder, noting the split and question count it was chosen on; returns it with its F1."""
    best = result["best_decline_bias"]
    save_decline_bias(model_dir, best["decline_bias"], best | {"split": result["summary"]["split"], "questions": len(result["rows"])})
    return best


def _margins_and_forced_replies(
    generator: Any, prompts: Sequence[list[dict[str, str]]], max_new_tokens: int, workers: int, progress: Callable[[str], None]
) -> tuple[list[float], list[str]]:
    """Each prompt's decline margin, and its reply with the decline banned at the first step."""
    if not hasattr(generator, "decline_margins"):
        raise ValueError("the decline-bias sweep needs the local transformers generator")
    margins = generator.decline_margins(prompts)
    bias = generator.decline_bias
    generator.set_decline_bias(-1e4)
    try:
        forced = answer_all(generator, prompts, max_new_tokens, workers, progress)
    finally:
        generator.set_decline_bias(bias)
    return margins, forced


def _rows_at_bias(rows: Sequence[dict[str, Any]], bias: float) -> list[dict[str, Any]]:
    adjusted = []
    for r in rows:
        declined = r["margin"] + bias > 0 or r["forced_declined"]
        em, f = (float(not r["answerable"]),) * 2 if declined else (r["forced_em"], r["forced_f1"])
        adjusted.append({**r, "declined": declined, "em": em, "f1": f})
    return adjusted


def decline_tradeoff(rows: Sequence[dict[str, Any]], biases: Sequence[float] = DECLINE_BIASES) -> list[dict[str, Any]]:
    """F1, coverage and abstention at each decline bias (rows from a sweep)."""
    table = []
    for bias in biases:
        adjusted = _rows_at_bias(rows, bias)
        has = [r["f1"] for r in adjusted if r["answerable"]]
        table.append({"decline_bias": bias, **_operating_point(adjusted), "HasAns_f1": 100 * sum(has) / len(has) if has else 0.0})
    return table


def best_decline_bias(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """The bias with the highest F1 on ``rows`` (a sweep's), searched between the observed margins;
    among equal F1, the one nearest 0."""
    candidates = {0.0} | {round(-r["margin"] + step, 4) for r in rows for step in (1e-3, -1e-3)}
    scored = [(summarise_squad(_rows_at_bias(rows, b))["f1"], -abs(b), b) for b in candidates]
    f1_best, _, bias = max(scored)
    return {"decline_bias": bias, "f1": f1_best}


def summarise_squad(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    has = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    declined = [r for r in rows if r["declined"]]

    def mean(values: list[float]) -> float:
        return 100 * sum(values) / len(values) if values else 0.0

    return {
        "exact": mean([r["em"] for r in rows]),
        "f1": mean([r["f1"] for r in rows]),
        "HasAns_exact": mean([r["em"] for r in has]),
        "HasAns_f1": mean([r["f1"] for r in has]),
        "NoAns_exact": mean([r["em"] for r in no]),
        "HasAns_total": len(has),
        "NoAns_total": len(no),
        "abstention_precision": mean([float(not r["answerable"]) for r in declined]),
        "abstention_recall": mean([float(r["declined"]) for r in no]),
        "coverage": mean([float(not r["declined"]) for r in rows]),
    }


def support_tradeoff(rows: Sequence[dict[str, Any]], thresholds: Sequence[float] = SUPPORT_THRESHOLDS) -> list[dict[str, Any]]:
    """Declining answers whose support is below each threshold: coverage vs answered accuracy."""
    table = []
    for t in thresholds:
        adjusted = []
        for r in rows:
            declined = r["declined"] or r["support"] < t
            em, f = (float(not r["answerable"]),) * 2 if declined else (r["em"], r["f1"])
            adjusted.append({**r, "declined": declined, "em": em, "f1": f})
        table.append({"min_support": t, **_operating_point(adjusted)})
    return table


def _operating_point(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Coverage, F1 (all and over the answered questions) and abstention of rows after a decline rule."""
    answered = [r for r in rows if not r["declined"]]
    s = summarise_squad(rows)
    return {
        "coverage": s["coverage"], "f1": s["f1"],
        "answered_f1": 100 * sum(r["f1"] for r in answered) / len(answered) if answered else 0.0,
        "abstention_recall": s["abstention_recall"], "abstention_precision": s["abstention_precision"],
    }
