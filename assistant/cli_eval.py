"""`assistant eval ...`: measure the assistant's parts on public datasets."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from assistant.cli_common import err, fail, out, run_guarded, settings_from

eval_app = typer.Typer(help="Measure search, answers and the intent classifier on public datasets or your own data.", no_args_is_help=True)


@eval_app.command("retrieval")
def eval_retrieval(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Option(help="stackfaq, squad2, dstc11 or cmrc2018.")],
    data: Annotated[Path, typer.Option(help="The dataset's folder or JSON file.")],
    methods: Annotated[str, typer.Option(help="Comma-separated: dense, bm25, rrf, hybrid, rerank (rerank: only with a trained reranker).")] = "dense,bm25,rrf,hybrid,rerank",
    split: Annotated[str, typer.Option(help="Queries: all, or the train / test half (train the reranker/embedder on train, report test).")] = "all",
    fusion_weights: Annotated[Optional[str], typer.Option(help="dense,bm25 weights of hybrid; default: the fusion_weights setting.")] = None,
    coverage_power: Annotated[Optional[float], typer.Option(help="hybrid: bm25 weight * coverage ** this (0: fixed weights); default: the setting.")] = None,
    reranker: Annotated[Optional[Path], typer.Option(help="Trained reranker folder; default: the reranker_path setting.")] = None,
    rerank_top: Annotated[Optional[int], typer.Option(help="Candidates the reranker re-orders; default: the rerank_top setting.")] = None,
    index_type: Annotated[str, typer.Option(help="flat (exact), hnsw or ivf for the dense search.")] = "flat",
    keyword_tokenizer: Annotated[Optional[str], typer.Option(help="auto, english or cjk; default: the keyword_tokenizer setting.")] = None,
    sentence_weight: Annotated[Optional[float], typer.Option(min=0, max=1, help="Best-sentence share of an article passage's dense score (0: chunk vectors only); default: the sentence_weight setting.")] = None,
    limit: Annotated[int, typer.Option(min=0, help="Evaluate only N queries spread evenly over the set (0: all).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object keyed by method, then metric.")] = False,
) -> None:
    """Recall@1/5/10, MRR@10 and nDCG@10 of each search method on a public dataset.

    For your own help centre and questions: .venv/bin/python benchmarks/demo_retrieval.py --questions FILE.jsonl --kb FOLDER (the question format of eval answers; docs/benchmarks.md).
    """
    from assistant.app import Assistant
    from retrieval.evaluation import METHODS, EvalConfig, evaluate, load_dataset, query_split
    from retrieval.index import INDEX_TYPES
    from retrieval.keyword import TOKENIZERS
    from retrieval.reranker import CrossEncoderReranker, load_reranker

    settings = settings_from(ctx)
    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    # every option is checked before the corpus is embedded (minutes on a large dataset)
    unknown = [m for m in chosen if m not in METHODS]
    if not chosen or unknown:
        fail(f"--methods takes one or more of {', '.join(METHODS)}, comma-separated; got {methods!r}")
    if index_type not in INDEX_TYPES:
        fail(f"--index-type must be one of {', '.join(INDEX_TYPES)}, not {index_type!r}")
    if keyword_tokenizer is not None and keyword_tokenizer not in TOKENIZERS:
        fail(f"--keyword-tokenizer must be one of {', '.join(TOKENIZERS)}, not {keyword_tokenizer!r}")
    try:
        eval_set = run_guarded(lambda: query_split(load_dataset(dataset, data), split))  # unknown name, missing path
    except KeyError as error:
        fail(f"{data} does not look like the {dataset} dataset: no field {error}")
    except (TypeError, AttributeError) as error:  # e.g. a list where the dataset has an object
        fail(f"{data} does not look like the {dataset} dataset ({error})")
    if 0 < limit < len(eval_set.queries):  # evenly spread over the set, so every part of it is represented
        eval_set = eval_set.subset(sorted({round(i * (len(eval_set.queries) - 1) / max(limit - 1, 1)) for i in range(limit)}))
    reranker_path = reranker or settings.reranker_path
    rerank_model = None
    if "rerank" in chosen:
        rerank_model = load_reranker(reranker_path) if reranker is None else run_guarded(lambda: CrossEncoderReranker(reranker))
    if "rerank" in chosen and rerank_model is None:
        if set(chosen) == {"rerank"}:
            fail(f"no trained reranker in {reranker_path}, and 'rerank' is the only method asked for (train one: assistant train reranker)")
        err.print(f"note: no trained reranker in {reranker_path}; method 'rerank' left out (train one: assistant train reranker)")
        chosen.remove("rerank")
    weights = settings.fusion_weights
    if fusion_weights:
        try:
            weights = tuple(float(w) for w in fusion_weights.split(","))
            assert len(weights) == 2
        except (ValueError, AssertionError):
            fail(f"--fusion-weights takes two numbers, dense,bm25 (e.g. 1,0.5); got {fusion_weights!r}")
    config = EvalConfig(
        fusion_weights=tuple(weights), coverage_power=settings.fusion_coverage_power if coverage_power is None else coverage_power,
        faq_weight=settings.fusion_faq_weight, faq_coverage_power=settings.fusion_faq_coverage_power,
        keyword_tokenizer=keyword_tokenizer or settings.keyword_tokenizer, reranker=rerank_model,
        rerank_top=rerank_top or settings.rerank_top, cache_dir=settings.data_dir / "cache" / "embeddings", index_type=index_type,
        sentence_weight=settings.sentence_weight if sentence_weight is None else sentence_weight,
    )
    embedder = run_guarded(lambda: Assistant(settings).embedder)
    started = time.perf_counter()
    err.print(f"{dataset} ({split}): {len(eval_set.passages)} passages, {len(eval_set.queries)} queries; embedder {embedder.name}")
    results = run_guarded(lambda: evaluate(eval_set, embedder, chosen, show_progress=not as_json, config=config))
    err.print(f"done in {time.perf_counter() - started:.0f} s")
    if as_json:
        sys.stdout.write(json.dumps(results) + "\n")
        return
    metrics = list(next(iter(results.values())))
    table = Table("method", *metrics, title=f"retrieval on {dataset} ({split}, {len(eval_set.queries)} queries)")
    for method, values in results.items():
        table.add_row(method, *(f"{values[m]:.3f}" for m in metrics))
    out.print(table)
