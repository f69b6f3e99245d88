"""`assistant test conversations PATH`: run scripted conversation tests (YAML) through the dialog manager.

Registers the ``test`` command group on the main ``app`` when imported (see ``assistant/cli.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli import app
from assistant.cli_common import err, fail, out, run_guarded, settings_from

test_app = typer.Typer(help="Run scripted tests of the assistant.", no_args_is_help=True)
app.add_typer(test_app, name="test")

FORMAT_HELP = """
Each YAML file is one conversation: the customer's turns, and what the assistant must do at each.

\b
    name: order status asks for the order number
    turns:
      - user: Where is my order?
        expect: {action: business, asks_for: order_number}
      - user: NW-20481736
        expect: {action: business, asks_for: email,
                 slots: {order_number: NW-20481736}}
      - user: jane.doe@example.com
        expect: {action: business, text_contains: Shipped}
      - user: How do I cancel?
        expect: {action: clarify, options_count: 2}
      - user: {option: 1}      # the first button offered
        expect: {action: answer, cites: \\[subscriptions/]}

Expectations (all optional): action (answer, clarify, handoff, small_talk, business, decline, fallback), \
intent, handoff, abstained, cites (document ids; 'folder/' matches any document in it), text_contains \
(phrases, any case), slots (name: value; null for empty), asks_for (slot asked for), options (labels \
offered), options_count, query_contains (the searched query, after follow-up rewriting).
"""


@test_app.command("conversations", help="Run conversation test scripts (a YAML file, or a folder of them).\n" + FORMAT_HELP)
def test_conversations(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A YAML script, or a folder with *.yaml scripts (searched recursively).")],
    use_database: Annotated[
        bool, typer.Option("--use-database", help="Log the test conversations in the configured database (default: kept in memory).")
    ] = False,
) -> None:
    from assistant.app import Assistant
    from dialog import conversation_tests
    from dialog.store import InMemoryStore

    settings = settings_from(ctx)
    scripts = run_guarded(lambda: conversation_tests.load_each(conversation_tests.find_scripts(path)))
    if not scripts:
        fail(f"no *.yaml conversation tests in {path}")
    assistant = Assistant(settings)
    run_guarded(assistant.check_files)  # a broken rules or replies file, before the index and the models load
    # no index (or a broken one): said once, not as a traceback and a failed answer in every script
    run_guarded(lambda: assistant.retriever.index)
    manager = run_guarded(lambda: assistant.manager if use_database else assistant.build_manager(InMemoryStore()))
    table = Table(title=f"Conversation tests in {path}")
    for column in ("result", "test", "turns", "ms"):
        table.add_column(column, no_wrap=True)
    table.add_column("failures", overflow="fold", ratio=1)
    failed = 0
    on_terminal = err.is_terminal  # a line that says which test runs, rewritten in place: a suite takes minutes on a CPU
    try:
        for number, (script_path, test) in enumerate(scripts, start=1):
            if on_terminal:
                err.file.write(f"\r\x1b[Kconversation test {number} of {len(scripts)}: {script_path.stem}")
                err.file.flush()
            if isinstance(test, str):  # the file cannot be used: this test fails with what is wrong in it
                failed += 1
                table.add_row("[red]FAIL[/]", script_path.stem, "", "", f"cannot be read: {test}")
                continue
            started = time.perf_counter()
            failures = run_guarded(lambda: conversation_tests.run(manager, test))
            elapsed = (time.perf_counter() - started) * 1000
            failed += bool(failures)
            status = "[red]FAIL[/]" if failures else "[green]pass[/]"
            table.add_row(status, script_path.stem, str(len(test.turns)), f"{elapsed:.0f}", failures[0] if failures else "")
            for failure in failures[1:]:
                table.add_row("", "", "", "", failure)
    finally:
        if on_terminal:
            err.file.write("\r\x1b[K")
            err.file.flush()
    out.print(table)
    summary = f"{len(scripts) - failed} of {len(scripts)} conversation test(s) passed."
    if failed:
        err.print(f"[bold red]{summary}[/]", highlight=False)
        raise typer.Exit(1)
    out.print(summary, highlight=False)
