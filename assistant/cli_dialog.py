"""`assistant test conversations PATH`: run scripted conversation tests (YAML) through the dialog manager.

Registers the ``test`` command group on the main ``app`` when imported (see ``assistant/cli.py``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from assistant.cli import app
from assistant.cli_common import err, fail, out, run_guarded, settings_from
from dialog import conversation_tests  # light: the dialog manager is imported when a test runs

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

""" + conversation_tests.keys_help().replace("[", "\\[")  # generated from the runner's own tables: it cannot drift


@test_app.command("conversations", help="Run conversation test scripts (a YAML file, or a folder of them).\n" + FORMAT_HELP)
def test_conversations(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A YAML script, or a folder with *.yaml or *.yml scripts (searched recursively).")],
    use_database: Annotated[
        bool, typer.Option("--use-database", help="Log the test conversations in the configured database (default: kept in memory).")
    ] = False,
    junit: Annotated[
        Optional[Path],
        typer.Option(metavar="FILE", help="Also write the results as JUnit XML, for CI: one testcase per script, a failure with its failing turns."),
    ] = None,
    json_file: Annotated[
        Optional[Path],
        typer.Option("--json", metavar="FILE", help="Also write the results as JSON: per script name, file, passed, turns, ms, failures."),
    ] = None,
) -> None:
    from assistant.app import Assistant
    from dialog.store import InMemoryStore

    settings = settings_from(ctx)
    scripts = run_guarded(lambda: conversation_tests.load_each(conversation_tests.find_scripts(path)))
    if not scripts:
        fail(f"no conversation tests (*.yaml or *.yml files) in {path}")
    root = path if path.is_dir() else path.parent
    assistant = Assistant(settings)
    ctx.call_on_close(assistant.close)  # its store's thread and connections, and the writes still in its spool
    run_guarded(assistant.check_files)  # a broken rules or replies file, before the index and the models load
    # no index (or a broken one): said once, not as a traceback and a failed answer in every script
    run_guarded(lambda: assistant.retriever.index)
    manager = run_guarded(lambda: assistant.manager if use_database else assistant.build_manager(InMemoryStore()))
    table = Table(title=f"Conversation tests in {path}")
    for column in ("result", "test", "turns", "ms"):
        table.add_column(column, no_wrap=True)
    table.add_column("failures", overflow="fold", ratio=1)
    failed = 0
    results: list[conversation_tests.ScriptResult] = []
    on_terminal = err.is_terminal  # a line that says which test runs, rewritten in place: a suite takes minutes on a CPU
    try:
        for number, (script_path, test) in enumerate(scripts, start=1):
            if on_terminal:
                err.file.write(f"\r\x1b[Kconversation test {number} of {len(scripts)}: {script_path.stem}")
                err.file.flush()
            classname = ".".join(script_path.relative_to(root).with_suffix("").parts)
            if isinstance(test, str):  # the file cannot be used: this test fails with what is wrong in it
                failed += 1
                table.add_row("[red]FAIL[/]", script_path.stem, "", "", f"cannot be read: {test}")
                results.append(
                    conversation_tests.ScriptResult(script_path.stem, str(script_path), classname, False, None, None, [f"cannot be read: {test}"])
                )
                continue
            started = time.perf_counter()
            failures = run_guarded(lambda: conversation_tests.run(manager, test))
            elapsed = (time.perf_counter() - started) * 1000
            failed += bool(failures)
            results.append(
                conversation_tests.ScriptResult(
                    test.name, str(script_path), classname, not failures, len(test.turns), round(elapsed), failures
                )
            )
            status = "[red]FAIL[/]" if failures else "[green]pass[/]"
            table.add_row(status, script_path.stem, str(len(test.turns)), f"{elapsed:.0f}", failures[0] if failures else "")
            for failure in failures[1:]:
                table.add_row("", "", "", "", failure)
    finally:
        if on_terminal:
            err.file.write("\r\x1b[K")
            err.file.flush()
    out.print(table)
    if junit is not None:
        _write_report(junit, conversation_tests.junit_xml(results, f"conversation tests in {path}"))
    if json_file is not None:
        _write_report(json_file, json.dumps(conversation_tests.json_report(results), indent=2, ensure_ascii=False) + "\n")
    summary = f"{len(scripts) - failed} of {len(scripts)} conversation test(s) passed."
    if failed:
        err.print(f"[bold red]{summary}[/]", highlight=False)
        raise typer.Exit(1)
    out.print(summary, highlight=False)


def _write_report(path: Path, text: str) -> None:
    """Write a report file (its folder made when missing); an error a user can fix is one line, and the run fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"cannot write the report {path}: {error.strerror or error}")
