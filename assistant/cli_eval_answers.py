"""`assistant eval answers`: answer quality of the generator on SQuAD v2, DSTC11 track 5 or the demo set."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.table import Table

from assistant.cli_common import err, fail, out, run_guarded, settings_from
from assistant.cli_eval import eval_app

if TYPE_CHECKING:
    from assistant.app import Assistant


def _warm_generator(assistant: Assistant) -> Any:
    """The configured generator, loaded and warmed up (a model that cannot load fails clearly)."""
    from assistant.lm.remote import check_answers

    generator = run_guarded(lambda: assistant.generator)
    if hasattr(generator, "warm_up"):
        run_guarded(generator.warm_up)
    run_guarded(lambda: check_answers(generator))  # a remote server that is down: said now, in one line
    return generator


def _trained_squad_ids(settings: Any) -> list[str]:
    """The SQuAD question ids the configured generator folder was fine-tuned on (`train lm` records them)."""
    if settings.generator_backend != "local" or settings.generator_path is None:
        return []
    try:
        manifest = json.loads((Path(settings.generator_path) / "assistant_manifest.json").read_text(encoding="utf-8"))
        ids = manifest["data"]["squad_split"]["question_ids"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def _default_workers(generator: Any, settings: Any) -> int:
    """Concurrent questions: 64 where requests are batched (a GPU, a remote server), else 1."""
    on_gpu = str(getattr(generator, "device", "cpu")).startswith("cuda")
    return 64 if on_gpu or settings.generator_backend == "openai" else 1


def _run(settings: Any, dataset: str, data: Optional[Path], split: str, limit: Optional[int],
         model_dir: Optional[Path], workers: Optional[int], max_new_tokens: Optional[int], kb: Optional[Path], snippets: str,
         decline_sweep: bool, save_decline_bias: bool, progress: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answer and score the dataset's questions: the full result (with per-question rows) and its summary."""
    from assistant.app import Assistant
    from assistant.lm import answer_eval, dstc11_eval
    from assistant.lm.extractive import ExtractiveAnswerer

    if dataset == "demo":
        from assistant.evaluation import run_demo

        root = Path(__file__).resolve().parents[1]
        if data is not None and kb is None:  # own questions, and the demo shop's help centre to answer them from
            err.print(f"note: answering from the demo help centre ({root / 'demo' / 'knowledge_base'}); give --kb FOLDER for your own",
                      highlight=False)
        result = run_guarded(lambda: run_demo(settings, data or root / "demo" / "questions.jsonl", kb or root / "demo" / "knowledge_base", limit, progress))
        summary = result["summary"]
    elif dataset == "dstc11":
        if data is None:
            fail("--data is required for dstc11")
        if snippets not in dstc11_eval.SNIPPET_SOURCES:
            fail(f"--snippets must be one of: {', '.join(dstc11_eval.SNIPPET_SOURCES)}")
        assistant = Assistant(settings)
        extractive = ExtractiveAnswerer(assistant.turn_embedder) if assistant.extractive else None
        generator = None if extractive else _warm_generator(assistant)
        concurrency = workers or _default_workers(generator, settings)
        result = run_guarded(lambda: dstc11_eval.eval_dstc11(
            generator, data, limit, max_new_tokens or 60, concurrency, progress, snippets=snippets,
            embedder=assistant.embedder if snippets == "retrieved" else None, top_k=settings.top_k, extractive=extractive,
        ))
        summary = {k: v for k, v in result.items() if k != "rows"}
    elif dataset == "squad2":
        if data is None:
            fail("--data is required for squad2")
        if not data.exists():  # before the generator loads (a minute or more)
            fail(f"no SQuAD v2 data at {data} (give the squad_v2_dev_cs224n folder or its dev-v2.0.json)")
        if save_decline_bias and not (decline_sweep and model_dir):
            fail("--save-decline-bias needs --decline-sweep and --model-dir")
        if save_decline_bias and split in ("report", "all"):  # a bias chosen on the questions later reported flatters them
            fail(f"--save-decline-bias chooses the bias on the questions it is given; with --split {split} those include the "
                 "report articles' questions, which are never used for a choice: use --split tune")
        if settings.answers_extractively():  # the assistant answers extractively here; this measures its generator
            err.print("note: squad2 measures the generator, not the extractive answers this configuration gives "
                      "(those: .venv/bin/python benchmarks/extractive_squad.py)", highlight=False)
        generator = _warm_generator(Assistant(settings))
        concurrency = workers or _default_workers(generator, settings)
        trained_ids = _trained_squad_ids(settings)
        result = run_guarded(lambda: answer_eval.eval_squad2(
            generator, data, split, limit, max_new_tokens or 32, concurrency, progress, decline_sweep, trained_ids,
        ))
        learnt = result["summary"].get("trained_on", 0)
        if learnt:
            err.print(f"note: {settings.generator_path} was fine-tuned on {learnt} of these {result['summary']['questions']} "
                      "questions, so these figures are not held out; `train lm-data --split train` writes the questions "
                      "that --split report and tune never ask", highlight=False)
        if save_decline_bias and model_dir:
            best = answer_eval.save_best_decline_bias(model_dir, result)
            err.print(f"decline bias {best['decline_bias']:+.3f} (F1 {best['f1']:.1f} on {split}) saved in {model_dir}")
        summary = {k: v for k, v in result.items() if k not in ("rows", "split_titles")}
    else:
        fail(f"unknown dataset {dataset!r}: squad2, dstc11 or demo")
    return result, summary


@eval_app.command("answers")
def eval_answers(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Option(help="squad2, dstc11 or demo (the demo question set, or your own in its format with --data and --kb).")],
    data: Annotated[Optional[Path], typer.Option(help="Dataset folder or file (demo: a questions .jsonl file, one JSON object per line; default demo/questions.jsonl).")] = None,
    split: Annotated[str, typer.Option(help="squad2: report (held-out articles), tune (held-out questions of the train articles), train or all.")] = "report",
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only this many questions (squad2: half answerable).")] = None,
    model_dir: Annotated[Optional[Path], typer.Option(help="A transformers model folder to generate with (e.g. a fine-tuned one).")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Concurrent questions; default 64 on a GPU, 1 on a CPU.")] = None,
    max_new_tokens: Annotated[Optional[int], typer.Option(help="Tokens per answer; default 32 (squad2), 60 (dstc11).")] = None,
    kb: Annotated[Optional[Path], typer.Option(help="demo: the knowledge base folder the questions are answered from, indexed afresh (default demo/knowledge_base).")] = None,
    snippets: Annotated[str, typer.Option(help="dstc11: ground replies on the snippets the search retrieves (retrieved) or on the annotated ones (labelled, the upper bound).")] = "retrieved",
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Also write the full JSON (with per-question rows) here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    decline_sweep: Annotated[bool, typer.Option(help="squad2, local model: also the trade-off of the decline bias (abstention from the model's own first-token logits).")] = False,
    save_decline_bias: Annotated[bool, typer.Option(help="With --decline-sweep: write the bias with the best F1 into --model-dir's manifest (chosen on --split tune; refused with report or all, whose report questions are never used for a choice).")] = False,
) -> None:
    """EM/F1 and abstention (squad2), detection F1 and BLEU/ROUGE-L (dstc11), fact accuracy (demo).

    squad2 measures the generator. dstc11 and demo answer as the assistant is configured: with --answer-mode extractive (the default on a CPU) the replies are extractive.

    Your own question set: --dataset demo --data my_questions.jsonl --kb my_help_centre/, one JSON object per line, e.g.
    {"id": "q01", "question": "How long is a reset link valid?", "answerable": true, "facts": [["30 minutes", "thirty minutes"]], "sources": ["accounts/reset-password"]}.
    An answer is right when it holds one phrase of every fact; an unanswerable question ("answerable": false, no facts) should be declined.
    A rate with nothing to count (no unanswerable questions; no "sources" for source_in_context and citation_correct) shows n/a.
    """
    from assistant.lm.remote import GeneratorUnavailable

    settings = settings_from(ctx, **({"generator_path": model_dir} if model_dir else {}))
    progress = err.print
    if out_file is not None:  # checked before the questions are answered, which can take hours
        if out_file.is_dir():
            fail(f"--out {out_file} is a folder; give a file name (.json)")
        above = next((parent for parent in out_file.resolve().parents if parent.exists()), None)
        if above is not None and not above.is_dir():
            fail(f"--out {out_file}: {above} is a file, so nothing can be written below it")
    try:
        result, summary = _run(settings, dataset, data, split, limit, model_dir, workers, max_new_tokens, kb, snippets,
                               decline_sweep, save_decline_bias, progress)
    except KeyboardInterrupt:
        err.print()
        fail("stopped; nothing was written" + (f" to {out_file}" if out_file else ""), code=130)
        return
    except GeneratorUnavailable as error:  # the remote server went away during the run
        fail(f"{error}; nothing was written" + (f" to {out_file}" if out_file else ""))
        return
    stopped = summary.get("stopped_after") if isinstance(summary, dict) else None
    if stopped is not None:
        err.print(f"stopped after {stopped} question(s): the figures below are of those only", highlight=False)
    if out_file:
        try:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text(json.dumps(result, indent=1))
        except OSError as error:
            fail(f"cannot write {out_file}: {error.strerror or error}")
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        _print_table(summary, f"answers on {data.name if dataset == 'demo' and data else dataset}")
    if stopped is not None:
        raise typer.Exit(130)  # stopped by Ctrl-C: the figures are of part of the set


def _print_table(summary: dict[str, Any], title: str) -> None:
    table = Table("metric", "value", title=title)
    flat = summary.get("summary", summary) if isinstance(summary, dict) else {}
    # dstc11's two sections both have "turns": name each row by its section
    sections = {f"{name} {key}": value for name in ("detection", "response") for key, value in summary.get(name, {}).items()}
    for key, value in {**flat, **sections}.items():
        if isinstance(value, (int, float)) or (value is None and key in NOT_MEASURED):
            table.add_row(key, _shown(key, value, flat))
    out.print(table)


# squad2's scores are percentages (0-100), as the official script reports them; a bare 4.167 beside a
# 0.000 precision read as fractions
SQUAD_PERCENTAGES = {"exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact", "abstention_precision", "abstention_recall", "coverage"}


# why a question-set rate has nothing to count (None in the summary: ``assistant.evaluation.rate``)
NOT_MEASURED = {
    "fact_accuracy": "no answerable questions",
    "fact_recall": "no facts to find",
    "false_declines": "no answerable questions",
    "abstention_recall": "no unanswerable questions",
    "source_in_context": "no answerable question has sources",
    "citation_correct": "no right answer to a question with sources",
}


def _shown(key: str, value: float | None, summary: dict) -> str:
    """A summary value as the table shows it: squad2 scores with %, precision of no declines as none,
    and a question-set rate with nothing to count as n/a with the reason, rather than 0."""
    if value is None:
        return f"n/a ({NOT_MEASURED[key]})"
    if key == "abstention_precision" and summary.get("coverage") == 100:
        return "- (nothing declined)"
    if key in SQUAD_PERCENTAGES and "HasAns_total" in summary:
        return f"{value:.1f} %"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
