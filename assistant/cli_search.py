"""``assistant index search``: the passages a search finds for a question, with their scores, so that whoever
looks after the knowledge base can see why a question was answered from an article, or declined."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli import index_app
from assistant.cli_common import fail, out, run_guarded, settings_from

SNIPPET_CHARS = 160


def passage_row(rank: int, passage: Any, min_score: float) -> dict[str, Any]:
    """One found passage as ``index search --json`` writes it."""
    chunk = passage.chunk
    return {
        "rank": rank,
        "score": round(float(passage.score), 4),
        "above_threshold": float(passage.score) >= min_score,
        "doc_id": chunk.doc_id,
        "heading": chunk.heading,
        "kind": chunk.metadata.get("kind", "article"),
        "source": chunk.source,
        "text": chunk.text,
    }


def snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1] + "…"


@index_app.command("search")
def index_search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A question, as a customer would write it.", show_default=False)],
    top: Annotated[int, typer.Option("--top", "-k", min=1, max=100, help="How many passages to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: the settings used and the passages.")] = False,
) -> None:
    """Show the passages the index finds for QUERY, best first, each with its score against
    min_retrieval_score (below it the assistant declines), under the configured retrieval_method and
    search_filters (and --filter), after the spelling correction a conversation applies (correct_spelling).
    Nothing is stored and no answer is written: `assistant ask` does that."""
    if not query.strip():
        fail("the query is empty: give a question, e.g. assistant index search \"how do I get a refund?\"")
    from assistant.app import Assistant

    settings = settings_from(ctx)
    retriever = Assistant(settings).retriever
    run_guarded(lambda: retriever.index)  # a missing index is one clear line
    # the words the assistant searches: its spelling correction first ("retrn" -> "return"), as in a conversation
    searched = run_guarded(lambda: retriever.corrected(query)) if settings.correct_spelling else query
    passages = run_guarded(lambda: retriever.search(searched, k=top))
    threshold = settings.min_retrieval_score
    rows = [passage_row(rank, passage, threshold) for rank, passage in enumerate(passages, start=1)]
    if as_json:
        used = {"method": settings.retrieval_method, "min_retrieval_score": threshold, "search_filters": settings.search_filters}
        out.print_json(json.dumps({"query": query, "searched": searched, **used, "passages": rows}, ensure_ascii=False))
        return
    if searched != query:
        out.print(f"Searched as: {escape(searched)} (correct_spelling)", highlight=False)
    if not rows:
        out.print("No passage found (an empty index, or search_filters that no document passes: see `assistant index status`).")
        return
    table = Table(title=f"{settings.retrieval_method} search, min_retrieval_score {threshold}", title_justify="left")
    for column, justify in (("#", "right"), ("score", "right"), ("document › section", "left"), ("passage", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for row in rows:
        mark = "" if row["above_threshold"] else " [dim](below)[/dim]"
        where = escape(row["heading"] or row["doc_id"]) + f"\n[dim]{escape(row['doc_id'])}[/dim]"
        table.add_row(str(row["rank"]), f"{row['score']:.3f}{mark}", where, escape(snippet(row["text"])))
    out.print(table)
    if not rows[0]["above_threshold"]:
        out.print(f"The best passage scores below {threshold}: the assistant would decline and offer a person.", highlight=False)
