"""`assistant eval ...`: measure the assistant's parts on public datasets."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.app import Assistant
from assistant.cli_common import err, fail, out, run_guarded, settings_from

eval_app = typer.Typer(help="Evaluate retrieval on public datasets.", no_args_is_help=True)


@eval_app.command("retrieval")
def eval_retrieval(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Option(help="stackfaq, squad2 or dstc11.")],
    data: Annotated[Path, typer.Option(help="The dataset's folder or JSON file.")],
    methods: Annotated[str, typer.Option(help="Comma-separated: dense, bm25, hybrid.")] = "dense,bm25,hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object keyed by method, then metric.")] = False,
) -> None:
    """Recall@1/5/10, MRR@10 and nDCG@10 of each search method on a public dataset."""
    from retrieval.evaluation import evaluate, load_dataset

    settings = settings_from(ctx)
    try:
        eval_set = run_guarded(lambda: load_dataset(dataset, data))  # unknown name, missing path
    except KeyError as error:
        fail(f"{data} does not look like the {dataset} dataset: no field {error}")
    embedder = run_guarded(lambda: Assistant(settings).embedder)
    started = time.perf_counter()
    err.print(f"{dataset}: {len(eval_set.passages)} passages, {len(eval_set.queries)} queries; embedder {embedder.name}")
    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    results = run_guarded(lambda: evaluate(eval_set, embedder, chosen, show_progress=not as_json))
    err.print(f"done in {time.perf_counter() - started:.0f} s")
    if as_json:
        sys.stdout.write(json.dumps(results) + "\n")
        return
    metrics = list(next(iter(results.values())))
    table = Table("method", *metrics, title=f"retrieval on {dataset}")
    for method, values in results.items():
        table.add_row(method, *(f"{values[m]:.3f}" for m in metrics))
    out.print(table)
