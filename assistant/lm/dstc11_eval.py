"""DSTC11 track 5 (val): knowledge-seeking detection, then the quality of the replies (BLEU and ROUGE-L
against the human reference) to knowledge-seeking turns.

A reply is grounded on snippets of the track's knowledge base (hotel and restaurant FAQ answers and
review sentences):

- ``retrieved``: the top ``top_k`` snippets of the assistant's own hybrid search over all 10,882
  snippets, queried with the last three turns, as a deployed assistant would see them;
- ``labelled``: the snippets the annotators marked (the upper bound of retrieval).

The reply is written by a generator (the prompt of ``prompts.build_messages``, with the previous
exchange as history) or, in extractive mode, made of the snippets' best sentences.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.lm.answer_eval import answer_all
from assistant.lm.base import Generator
from assistant.lm.prompts import PromptPassage, build_messages, check_answer, without_citations

SNIPPET_SOURCES = ("retrieved", "labelled")
CONTEXT_TURNS = 3  # turns in the retrieval query, as `assistant eval retrieval --dataset dstc11` queries

_QUESTION_START = re.compile(
    r"^(is|are|do|does|did|can|could|will|would|should|what|how|where|when|which|who|why|any|has|have)\b", re.I
)
_TASK_WORDS = re.compile(r"\b(book|reserve|reservation|table for|rooms? for|nights?|people|phone number|address|postcode|reference)\b", re.I)


def is_knowledge_seeking(turn: str) -> bool:
    """A rule: a question (question mark or question word) that is not about booking or contact details."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", turn) if s.strip()]
    asks = any(s.endswith("?") or _QUESTION_START.match(s) for s in sentences)
    return asks and not _TASK_WORDS.search(turn)


def snippet(knowledge: dict[str, Any], ref: dict[str, Any]) -> PromptPassage:
    """The snippet a knowledge reference (domain, entity_id, doc_type, doc_id[, sent_id]) points to."""
    entity = knowledge[ref["domain"]][str(ref["entity_id"])]
    if ref["doc_type"] == "faq":
        faq = entity["faqs"][str(ref["doc_id"])]
        return PromptPassage(f"{entity['name']} FAQ: {faq['question']}", faq["answer"])
    review = entity["reviews"][str(ref["doc_id"])]
    return PromptPassage(f"{entity['name']} review", review["sentences"][str(ref["sent_id"])])


def reference_of(passage_id: str) -> dict[str, str | int]:
    """The knowledge reference, as the labels write it, of a passage id of ``retrieval.evaluation.load_dstc11``
    (``domain/entity/faq/doc`` or ``domain/entity/review/doc/sentence``)."""
    parts = passage_id.split("/")
    ref: dict[str, str | int] = {"domain": parts[0], "entity_id": int(parts[1]), "doc_type": parts[2], "doc_id": int(parts[3])}
    if parts[2] == "review":
        ref["sent_id"] = int(parts[4])
    return ref


def retrieved_snippets(data: Path, count: int, embedder: Any, top_k: int, progress: Callable[[str], None]) -> list[list[dict[str, str]]]:
    """For the first ``count`` knowledge-seeking turns: the references of the ``top_k`` snippets that the
    hybrid search (the assistant's default) ranks first."""
    from retrieval.evaluation import load_dstc11, method_rankings

    dataset = load_dstc11(data, context_turns=CONTEXT_TURNS)
    dataset = dataset.subset(range(min(count, len(dataset.queries))))
    progress(f"searching {len(dataset.passages)} snippets for {len(dataset.queries)} turns")
    rankings = method_rankings(dataset, embedder, ("hybrid",), show_progress=False)["hybrid"]
    return [[reference_of(dataset.passage_ids[i]) for i, _ in ranking[:top_k]] for ranking in rankings]


def extractive_reply(answerer: Any, question: str, passages: Sequence[PromptPassage]) -> str:
    """The extractive answerer's reply from the snippets, its citations removed."""
    reply = answerer.answer(question, [p.text for p in passages], headings=[p.heading for p in passages])
    return without_citations(reply).strip()


def eval_dstc11(
    generator: Generator | None,
    data: Path,
    limit: int | None = None,
    max_new_tokens: int = 60,
    workers: int = 1,
    progress: Callable[[str], None] = lambda _: None,
    snippets: str = "retrieved",
    embedder: Any = None,
    top_k: int = 3,
    extractive: Any = None,
) -> dict[str, Any]:
    """Detection precision/recall/F1 of the rule on all val turns; BLEU and ROUGE-L of the replies to the
    first ``limit`` knowledge-seeking turns, grounded on ``snippets`` (retrieved needs ``embedder``).
    With ``extractive`` (an ``ExtractiveAnswerer``) the replies are extractive and ``generator`` is unused."""
    import sacrebleu
    from rouge_score import rouge_scorer

    if snippets not in SNIPPET_SOURCES:
        raise ValueError(f"snippets must be one of {', '.join(SNIPPET_SOURCES)}, not {snippets!r}")
    if generator is None and extractive is None:
        raise ValueError("DSTC11 replies need a generator or an extractive answerer")
    data = Path(data)
    missing = [name for name in ("knowledge.json", "val/logs.json", "val/labels.json") if not (data / name).is_file()]
    if missing:
        raise FileNotFoundError(f"no DSTC11 track 5 data at {data}: {', '.join(missing)} missing (give the dstc11_track5 folder)")
    logs = json.loads((data / "val" / "logs.json").read_text())
    labels = json.loads((data / "val" / "labels.json").read_text())
    knowledge = json.loads((data / "knowledge.json").read_text())
    predicted = [is_knowledge_seeking(log[-1]["text"]) for log in logs]
    gold = [bool(label["target"]) for label in labels]
    tp = sum(p and g for p, g in zip(predicted, gold))
    precision, recall = tp / max(sum(predicted), 1), tp / max(sum(gold), 1)
    detection = {"precision": precision, "recall": recall, "f1": 2 * precision * recall / max(precision + recall, 1e-9), "turns": len(gold)}
    seeking = [(log, label) for log, label in zip(logs, labels) if label["target"]][:limit]
    if snippets == "retrieved":
        if embedder is None:
            raise ValueError("retrieved snippets need an embedder")
        refs = retrieved_snippets(data, len(seeking), embedder, top_k, progress)
    else:
        refs = [label["knowledge"] for _, label in seeking]
    grounding = [[snippet(knowledge, ref) for ref in turn_refs] for turn_refs in refs]
    if extractive is not None:
        hypotheses = [extractive_reply(extractive, log[-1]["text"], passages) for (log, _), passages in zip(seeking, grounding)]
    else:
        prompts = [build_messages(log[-1]["text"], passages, history=history(log), max_history_turns=1) for (log, _), passages in zip(seeking, grounding)]
        replies = answer_all(generator, prompts, max_new_tokens, workers, progress)
        hypotheses = [without_citations(check_answer(r, len(passages)).text) for r, passages in zip(replies, grounding)]
    references = [label["response"] for _, label in seeking]
    gold_found = [any(ref in label["knowledge"] for ref in turn_refs) for (_, label), turn_refs in zip(seeking, refs)]
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    rouge = [scorer.score(ref, hyp)["rougeL"].fmeasure for ref, hyp in zip(references, hypotheses)]
    return {
        "dataset": "dstc11", "generator": "extractive" if extractive is not None else generator.name,
        "detection": detection,
        "response": {
            "turns": len(seeking),
            "snippets": snippets if snippets == "labelled" else f"retrieved (hybrid search, top {top_k}, last {CONTEXT_TURNS} turns as the query)",
            "labelled_snippet_given": sum(gold_found) / len(gold_found) if gold_found else 0.0,
            "bleu": sacrebleu.corpus_bleu(hypotheses, [references]).score if seeking else 0.0,
            "rougeL": 100 * sum(rouge) / len(rouge) if rouge else 0.0,
            "words_per_reply": sum(len(h.split()) for h in hypotheses) / len(hypotheses) if hypotheses else 0.0,
        },
        "rows": [{"reply": h, "reference": r} for h, r in zip(hypotheses, references)],
    }


def history(log: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(user, system) pairs before the last user turn."""
    turns = log[:-1]
    pairs = []
    for i in range(len(turns) - 1):
        if turns[i]["speaker"] == "U" and turns[i + 1]["speaker"] == "S":
            pairs.append((turns[i]["text"], turns[i + 1]["text"]))
    return pairs
