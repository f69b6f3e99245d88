"""Scoring answers against a question set with required facts (the demo knowledge base's format).

Each question: ``{"id", "question", "answerable", "facts": [[alternative, ...], ...], "sources": [doc ids]}``
(``facts`` may be left out of an unanswerable question). A rate with nothing to count (no unanswerable questions, no
question with ``sources``) is None in the summary, not 0.
An answer is correct when it does not decline and contains, for every fact, at least one alternative
(case-insensitive, dashes and spaces normalised). A turn that declines, hands off to a person or asks a
clarifying question asserts nothing: it counts as an abstention (``false_declines`` on answerable
questions, ``abstention_recall`` on unanswerable ones).
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answerable: bool
    facts: list[list[str]]
    sources: list[str]


QUESTION_FORMAT = (
    'one JSON object per line: {"id": "q01", "question": "...", "answerable": true, '
    '"facts": [["30 minutes", "thirty minutes"]], "sources": ["accounts/reset-password"]} '
    "(facts: a list of facts, each a list of alternative phrases, optional with \"answerable\": false; id and sources optional)"
)


def load_questions(path: Path) -> list[Question]:
    """The questions of a JSON-lines file; a missing, empty or malformed file raises a one-line error.

    ``id`` defaults to ``line N`` and ``sources`` to none; a fact given as a plain string is one fact
    with that one phrase (``["30 minutes"]`` is ``[["30 minutes"]]``, never a fact per character).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no question file at {path}" + (" (a folder; give the .jsonl file)" if path.is_dir() else ""))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text; expected {QUESTION_FORMAT}") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError(f"a JSON {type(data).__name__}, not an object")
            text, answerable = data["question"], data["answerable"]
            if not isinstance(answerable, bool):
                raise ValueError("answerable must be true or false")
            facts = data["facts"] if answerable else data.get("facts", [])  # an unanswerable question states none
            if not isinstance(facts, list):
                raise ValueError("facts must be a list of facts, each a phrase or a list of alternative phrases")
            facts = [[fact] if isinstance(fact, str) else fact for fact in facts]
            if not all(isinstance(fact, list) and fact and all(isinstance(alt, str) and alt.strip() for alt in fact) for fact in facts):
                raise ValueError("facts must be a list of facts, each a phrase or a list of alternative phrases")
            if not isinstance(text, str) or not text.strip():
                raise ValueError("question must be a non-empty string")
            sources = data.get("sources") or []
            sources = [sources] if isinstance(sources, str) else list(sources)
            questions.append(Question(str(data.get("id", f"line {number}")), text, answerable, facts, sources))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not a valid question line ({error}); expected {QUESTION_FORMAT}") from None
        except KeyError as error:
            raise ValueError(f"{path}:{number}: not a valid question line (no field {error}); expected {QUESTION_FORMAT}") from None
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}:{number}: not a valid question line ({error}); expected {QUESTION_FORMAT}") from None
    if not questions:
        raise ValueError(f"{path} holds no questions; expected {QUESTION_FORMAT}")
    return questions


def normalise(text: str) -> str:
    text = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("\u2011", "-")
    return re.sub(r"\s+", " ", text)


def facts_found(answer: str, facts: list[list[str]]) -> list[bool]:
    """For each fact, whether the answer contains one of its alternatives."""
    haystack = normalise(answer)
    return [any(normalise(alt) in haystack for alt in alternatives) for alternatives in facts]


def score(question: Question, answer: str, abstained: bool, source_ids: list[str]) -> dict[str, Any]:
    """Per-question verdicts: correct, declined, whether a gold source was among the given sources."""
    found = facts_found(answer, question.facts) if question.answerable and not abstained else [False] * len(question.facts)
    gold = set(question.sources)
    source_hit = any(s in gold or s.split("#")[0] in gold for s in source_ids) if gold else None
    return {
        "id": question.id,
        "answerable": question.answerable,
        "abstained": abstained,
        "correct": question.answerable and not abstained and all(found),
        "facts_found": sum(found),
        "facts_total": len(question.facts),
        "source_hit": source_hit,
    }


def rate(counted: int, total: int) -> float | None:
    """``counted / total``, or None when there is nothing to count (a 0 would read as a total failure)."""
    return counted / total if total else None


def summarise(rows: list[dict[str, Any]], seconds: list[float]) -> dict[str, Any]:
    """Fact accuracy on answerable questions, abstention on unanswerable ones, and speed; None for a rate with
    nothing to count (``rate``)."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    hits = [r["source_hit"] for r in answerable if r["source_hit"] is not None]
    ordered = sorted(seconds)
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "fact_accuracy": rate(sum(r["correct"] for r in answerable), len(answerable)),
        "fact_recall": rate(sum(r["facts_found"] for r in answerable), sum(r["facts_total"] for r in answerable)),
        "false_declines": rate(sum(r["abstained"] for r in answerable), len(answerable)),
        "abstention_recall": rate(sum(r["abstained"] for r in unanswerable), len(unanswerable)),
        "source_in_context": rate(sum(hits), len(hits)),
        "seconds_mean": statistics.fmean(seconds) if seconds else 0.0,
        "seconds_p50": statistics.median(seconds) if seconds else 0.0,
        "seconds_p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0,
    }


def run_demo(settings: Any, questions_path: Path, kb: Path, limit: int | None = None, progress: Any = print) -> dict[str, Any]:
    """Every demo question through a full assistant turn (a temporary database and index), scored."""
    import tempfile
    import time

    from assistant.app import Assistant
    from assistant.lm.remote import check_answers
    from retrieval.ingest import ingest

    questions = load_questions(questions_path)[:limit]  # a bad file fails before any model loads
    if not Path(kb).is_dir():
        raise FileNotFoundError(f"no knowledge base folder at {kb}")
    with tempfile.TemporaryDirectory() as scratch:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{scratch}/bench.db", "index_dir": Path(scratch) / "index"})
        assistant = Assistant(settings)
        if not assistant.extractive:  # an unprepared or unreachable generator fails now, not after the knowledge base is embedded
            check_answers(assistant.generator)
        progress(f"indexing {kb} into a temporary folder (the configured index is not touched) ...")
        # chunked and embedded as `assistant ingest` does with these settings, so the figures are the deployment's
        ingest([kb], assistant.embedder, settings.index_dir, show_progress=True, **settings.ingest_options())
        assistant.warm_up()
        manager = assistant.manager
        manager.handle(manager.start_session("bench"), "How do I change my email address?")  # warm caches
        rows, seconds = [], []
        stopped = False
        try:  # Ctrl-C ends the run early: the questions answered so far are scored and kept
            for question in questions:
                started = time.perf_counter()
                result = manager.handle(manager.start_session("bench"), question.question)
                seconds.append(time.perf_counter() - started)
                answered = result.action == "answer" and not result.abstained  # a decline, handoff or question asserts nothing
                row = score(question, result.text, not answered, [s["doc_id"] for s in result.sources])
                cited = [s["doc_id"] for s in result.sources if s.get("cited")]
                gold = set(question.sources)
                # judged for a right answer to a question with sources only: without them there is nothing to compare
                row["citation_correct"] = any(c in gold or c.split("#")[0] in gold for c in cited) if row["correct"] and gold else None
                row.update(question=question.question, action=result.action, answer=result.text, model=result.model, seconds=round(seconds[-1], 2))
                rows.append(row)
                mark = "ok " if row["correct"] else ("dec" if not answered else "-- ")
                progress(f"  {mark} {seconds[-1]:5.1f}s {question.id} {result.text[:90]!r}")
        except KeyboardInterrupt:
            stopped = True
    summary = summarise(rows, seconds[: len(rows)])
    if stopped:
        summary["stopped_after"] = len(rows)  # of len(questions): the figures are of the questions answered
    judged = [r["citation_correct"] for r in rows if r["citation_correct"] is not None]
    summary["citation_correct"] = rate(sum(judged), len(judged))
    name = "extractive" if assistant.extractive else getattr(assistant.generator, "name", settings.generator)
    if not assistant.extractive:  # a remote generator that went away answers through the extractive fallback
        by_fallback = sum(1 for row in rows if row["action"] == "answer" and row["model"] not in (None, name))
        if by_fallback:
            summary["answered_by_fallback"] = by_fallback
            progress(f"warning: {by_fallback} of {len(rows)} answer(s) came from the extractive fallback because the generator "
                     f"{name} failed (down or too slow): these figures are not the generator's alone")
    return {"generator": name, "settings": {"top_k": settings.top_k, "min_retrieval_score": settings.min_retrieval_score, "max_new_tokens": settings.max_new_tokens, "answer_min_support": settings.answer_min_support, "search_filters": dict(settings.search_filters)}, "summary": summary, "rows": rows}
