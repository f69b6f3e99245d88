"""The `assistant` command. Each sub-command is a thin call into the wired-up parts."""

from __future__ import annotations

# first, before an import starts a thread: glibc fixes how many arenas it allows once a few threads have their own
from assistant.malloc_arenas import ALLOCATOR

import errno
import gc
import json
import logging
import signal
import socket
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from assistant import models as model_registry
from assistant.cli_common import (
    UtcLogFormatter, configure_logging, err, fail, out, run_guarded, settings_from, tolerant_terminal, user_errors,
)
from assistant.cli_eval import eval_app
from assistant.cli_inbox import inbox_app
from assistant.cli_logs import logs_app
from assistant.cli_train import train_app
from assistant.cli_users import users_app

app = typer.Typer(
    help="A self-hosted customer-service assistant that answers from your knowledge base, with citations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="List, verify and prepare the packaged offline models.", no_args_is_help=True)
index_app = typer.Typer(help="Inspect the search index, and take documents out of it.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")
app.add_typer(users_app, name="users")
app.add_typer(inbox_app, name="inbox")
db_app = typer.Typer(help="Migrate the conversation-log database and show its schema revision.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(logs_app, name="logs")
app.add_typer(train_app, name="train")

# Modules that register their commands on train_app / eval_app / app when imported.
# (one line each; keep this block sorted)
import assistant.cli_dialog  # noqa: E402,F401  test conversations
import assistant.cli_ingest  # noqa: E402,F401  ingest
import assistant.cli_eval_answers  # noqa: E402,F401  eval answers
import assistant.cli_eval_intents  # noqa: E402,F401  eval intents
import assistant.cli_logs_intents  # noqa: E402,F401  logs export-intents
import assistant.cli_train_intents  # noqa: E402,F401  train intents, train mlm
import assistant.cli_train_lm  # noqa: E402,F401  train lm, train lm-data
import assistant.cli_train_retrieval  # noqa: E402,F401  train reranker, train embedder
import assistant.cli_search  # noqa: E402,F401  index search
# -- end of command modules

@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[Optional[Path], typer.Option(help="Folder for database, index and model cache.")] = None,
    database_url: Annotated[Optional[str], typer.Option(help="SQLAlchemy database URL.")] = None,
    generator: Annotated[Optional[str], typer.Option(help="Generator model name.")] = None,
    embedder: Annotated[Optional[str], typer.Option(help="Embedder model name.")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto, cpu or cuda.")] = None,
    answer_mode: Annotated[Optional[str], typer.Option(help="auto (extractive on a CPU, generative on a GPU), generative or extractive.")] = None,
    search_filter: Annotated[Optional[list[str]], typer.Option("--filter", help="KEY=VALUE: search only chunks with this metadata (source, doc_id, language, kind, tag, ...); repeat for more (the same key twice: either value).")] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="Log info lines too (-v), and debug lines (-vv). Each log line: UTC time, level, module, message.")] = 0,
) -> None:
    """Settings come from assistant.toml, ASSISTANT_* environment variables and these options."""
    configure_logging(verbose)
    overrides = dict(
        data_dir=data_dir, database_url=database_url, generator=generator, embedder=embedder, device=device, answer_mode=answer_mode,
        search_filters=parse_filters(search_filter) if search_filter else None,
    )
    ctx.obj = overrides


def parse_filters(items: list[str]) -> dict[str, str | list[str]]:
    """``["language=de", "tag=a", "tag=b"]`` -> ``{"language": "de", "tag": ["a", "b"]}``; a malformed item fails."""
    filters: dict[str, str | list[str]] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip() or not value.strip():
            fail(f"--filter takes KEY=VALUE (e.g. language=de), not {item!r}")
        key, value = key.strip(), value.strip()
        if key in filters:
            before = filters[key]
            filters[key] = [*(before if isinstance(before, list) else [before]), value]
        else:
            filters[key] = value
    return filters


# -- knowledge base ------------------------------------------------------------------------------


@index_app.command("status")
def index_status(
    ctx: typer.Context,
    documents: Annotated[bool, typer.Option("--documents", help="Also list every document: its id (for index remove), chunks, file, language and tags (what search_filters select by).")] = False,
) -> None:
    """Show what the index holds, and check it against the configured embedder and its checksums; also
    documents whose files are gone, and vectors kept by an ingest that did not finish."""
    from assistant.app import Assistant
    from retrieval.embedding_checkpoint import checkpoint_path, kept_vectors
    from retrieval.ingest import documents_without_files

    settings = settings_from(ctx)
    index = run_guarded(lambda: Assistant(settings).retriever.index)
    for key, value in index.manifest().items():
        out.print(f"{key:>16}: {_manifest_value(key, value)}", highlight=False, soft_wrap=True, markup=False)
    if settings.search_filters:  # a brand's configuration: how much of the index its server answers from
        out.print(f"{'search_filters':>16}: {_filters_summary(index, settings.search_filters)}", highlight=False, soft_wrap=True, markup=False)
    gone = sorted(documents_without_files(index))
    if gone:
        shown = ", ".join(gone[:10]) + (f" and {len(gone) - 10} more" if len(gone) > 10 else "")
        out.print(f"{'files gone':>16}: {len(gone)} document(s) whose file no longer exists ({shown}); "
                  "still answered from; if their folder moved (a backup restored to other paths), `assistant ingest --replace NEW_FOLDER` "
                  "follows it without embedding again; if they were deleted, `assistant index prune` removes them", highlight=False, soft_wrap=True, markup=False)
    kept = kept_vectors(settings.index_dir)
    if kept:
        out.print(f"{'unfinished':>16}: an ingest that did not finish kept {kept} embedded text(s) in "
                  f"{checkpoint_path(settings.index_dir)}; the next ingest reads them back", highlight=False, soft_wrap=True, markup=False)
    if documents:
        counts, labels = index.chunk_counts(), index.document_labels()
        lines = ["document\tchunks\tfile\tlanguage\ttags"]  # tab-separated, as written (rich would turn the tabs into spaces)
        lines += [
            f"{doc_id}\t{counts[doc_id]}\t{info.get('source', '')}\t{labels.get(doc_id, ('', ()))[0]}\t{','.join(labels.get(doc_id, ('', ()))[1])}"
            for doc_id, info in sorted(index.documents.items())
        ]
        sys.stdout.write("\n".join(lines) + "\n")


def _filters_summary(index: Any, filters: dict[str, Any]) -> str:
    """``search_filters`` as ``index status`` shows them: the filters, how many documents pass, and what of
    them no document has (``retrieval.retriever.filter_problems``)."""
    from retrieval.retriever import filter_problems, matches

    passing = {chunk.doc_id for chunk in index.chunks.values() if matches(chunk, filters)}
    problems = filter_problems(index.chunks.values(), filters)
    return (f"{json.dumps(filters, ensure_ascii=False)}: {len(passing)} of {len(index.documents)} document(s) pass"
            + "".join(f"; {problem}" for problem in problems))


def _manifest_value(key: str, value: Any) -> str:
    """A manifest value as ``index status`` shows it: lists joined, the sources of an index written before
    they were recorded (None) said in words."""
    if key in ("sources", "guessed_sources") and value is None:
        return "not recorded (an index from an older version); the next `assistant ingest` records them"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


@index_app.command("remove")
def index_remove(
    ctx: typer.Context,
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids, e.g. billing/refunds; an FAQ file's id (faq) removes all its entries.")],
) -> None:
    """Remove documents from the index. A later ingest of their folder adds them again while their files exist."""
    from assistant.app import Assistant
    from retrieval.ingest import remove_documents

    settings = settings_from(ctx)
    embedder = run_guarded(lambda: Assistant(settings).embedder)
    removal = run_guarded(
        lambda: remove_documents(
            settings.index_dir, embedder, doc_ids, index_type=settings.index_type, ann_threshold=settings.ann_threshold,
            on_wait=lambda message: err.print(message, highlight=False, soft_wrap=True),
        )
    )
    out.print(f"Removed {len(removal.doc_ids)} document(s), {removal.chunks} chunk(s): {', '.join(removal.doc_ids)}", highlight=False, soft_wrap=True, markup=False)
    for source in removal.sources:  # as the staff page's knowledge-base tab says: the file would come back
        if not Path(source).is_file():
            continue
        if source in removal.files_emptied:
            note = f"note: its file {source} is still there: delete or move it too, or the next ingest adds it back"
        else:  # an FAQ entry of a file with others: deleting the file would take them out too
            note = (f"note: its file {source} still holds other FAQ entries: edit it to drop the removed entry (deleting the "
                    "file removes the others too), or the next ingest adds it back")
        err.print(note, highlight=False, soft_wrap=True, markup=False)


@index_app.command("prune")
def index_prune(ctx: typer.Context) -> None:
    """Remove documents whose files no longer exist, and forget ingested folders that no longer exist."""
    from assistant.app import Assistant
    from retrieval.ingest import prune_documents

    settings = settings_from(ctx)
    embedder = run_guarded(lambda: Assistant(settings).embedder)
    removal = run_guarded(
        lambda: prune_documents(
            settings.index_dir, embedder, index_type=settings.index_type, ann_threshold=settings.ann_threshold,
            on_wait=lambda message: err.print(message, highlight=False, soft_wrap=True),
        )
    )
    for root in removal.roots_forgotten:
        out.print(f"Forgot {root}: it no longer exists", highlight=False, soft_wrap=True, markup=False)
    out.print(f"Removed {len(removal.doc_ids)} document(s), {removal.chunks} chunk(s): {', '.join(removal.doc_ids) or '-'}", highlight=False, soft_wrap=True, markup=False)


# -- asking ----------------------------------------------------------------------------------------


def _print_result(result: Any) -> None:
    for source in result.cited_sources if not result.abstained else []:
        out.print(f"  [{source['n']}] {source['heading']}  ({source['doc_id']}, score {source['score']:.2f})", highlight=False, markup=False)


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The customer's question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: answer, sources, action, intent, reason (why that action), query, timings_ms.")] = False,
    session: Annotated[Optional[str], typer.Option(help="Continue this conversation id instead of starting one.")] = None,
) -> None:
    """Answer one question from the knowledge base, with its sources. The turn is stored."""
    from assistant.app import Assistant
    from dialog.manager import validate_message

    tolerant_terminal()
    settings = settings_from(ctx)
    assistant = Assistant(settings)

    def run() -> Any:
        assistant.check_files()  # a broken rules or replies file, before the models load
        manager = assistant.manager
        validate_message(question, settings.max_message_chars)  # a bad question fails before models load
        assistant.retriever.index  # no index: say how to build one rather than give the fallback reply
        assistant.warm_up()  # load the models first, so the timings are those of the turn itself
        return manager.handle(session, question, channel="cli")  # a new session only for a valid question

    try:
        result = run_guarded(run)  # a refused question exits here too, with the assistant closed
        _print_answer(result, as_json)
    finally:
        assistant.close()  # a handoff notice, if this question asked for a person, goes out before the command ends


def _print_answer(result: Any, as_json: bool) -> None:
    if as_json:
        payload = {
            "session_id": result.session_id,
            "answer": result.text,
            "sources": result.cited_sources if not result.abstained else [],
            "action": result.action,
            "intent": result.intent,  # which intent the rules or the trained classifier saw
            "reason": result.reason,  # why this action: e.g. "best passage score 0.43 < 0.45" for a decline
            "query": result.query,  # what was searched: the question, or its standalone rewrite in a conversation
            "abstained": result.abstained,
            "handoff": result.handoff,
            "model": result.model,
            "timings_ms": result.timings_ms,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    from assistant.terminal_chat import bold_text

    out.print(bold_text(result.text), highlight=False)  # Text: "[label](url)" or "[/x]" in an answer is not markup
    _print_result(result)
    err.print(f"[dim]Conversation {result.session_id}: continue it with --session {result.session_id}[/]", highlight=False)


@app.command()
def chat(
    ctx: typer.Context,
    session: Annotated[Optional[str], typer.Option(help="Continue this conversation id (printed when it started) instead of starting one.")] = None,
) -> None:
    """A conversation in the terminal. Empty line or Ctrl-D to leave; Ctrl-C stops an answer.

    A clarifying question's options can be picked by number. After a handoff, staff replies (the Inbox at /review, or `assistant inbox reply`) are shown here as they arrive.
    """
    from assistant.app import Assistant
    from assistant.terminal_chat import StaffReplies, chosen_option, options_hint

    tolerant_terminal()
    settings = settings_from(ctx)
    assistant = Assistant(settings)
    run_guarded(assistant.check_files)  # a broken rules or replies file, before the models load
    manager = run_guarded(lambda: assistant.manager)
    run_guarded(lambda: assistant.retriever.index)  # a missing index is reported now, not on every question
    session_id: str | None = None  # the conversation is stored from its first message
    options: list[str] = []  # the open clarifying question's choices
    results: list[Any] = []
    staff = StaffReplies(manager.store.load_events, lambda line: (sys.stdout.write(line), sys.stdout.flush()))
    if session is not None:
        tracker = run_guarded(lambda: manager.tracker(session))
        if not tracker.events:
            fail(f"no conversation {session} in this database")
        session_id = session
        options = list(tracker.clarification.options) if tracker.clarification else []
        if tracker.with_person:  # the replies staff wrote since are shown first
            staff.watch(session_id)
    if sys.stdin.isatty():
        import readline  # noqa: F401  line editing and history for input()
    err.print("[dim]Loading the models ...[/]", highlight=False)
    run_guarded(assistant.warm_up)  # now, not in the middle of the first answer
    out.print("[dim]Empty line or Ctrl-D to leave; Ctrl-C stops an answer.[/]")
    try:
        while True:
            try:
                text = staff.input("you> ")
            except (EOFError, KeyboardInterrupt):
                out.print()
                break
            if not text.strip():
                break
            started = session_id is None
            results.clear()
            session_id = _chat_turn(manager, session_id, chosen_option(text, options), on_result=results.append) or session_id
            if started and session_id:
                out.print(f"[dim]Conversation {session_id}[/]", highlight=False)
            if results:
                result = results[-1]
                options = list(result.options)
                if options:
                    out.print(f"[dim]{escape(options_hint(options))}[/]", highlight=False)
                if result.action == "hand_back":
                    staff.count_shown()
                if result.handoff and session_id and staff.watch(session_id):
                    out.print(f"[dim](staff answer in the Inbox at /review, or: assistant inbox reply {session_id} \"...\" "
                              "--as NAME; their replies appear here)[/]", highlight=False)
    finally:
        staff.close()
        assistant.close()  # stop the generator's thread before the interpreter does
    if session_id:
        err.print(f"[dim]Conversation {session_id}: continue it with assistant chat --session {session_id}[/]", highlight=False)


def _chat_turn(manager: Any, session_id: str | None, text: str, on_result: Any = None) -> str | None:
    """Stream one answer to the terminal; the conversation's id (None when the message was refused).
    Ctrl-C stops the answer: it is not stored, and the conversation goes on. ``on_result`` gets the
    turn's result once it is done."""
    from rich.text import Text

    from assistant.terminal_chat import BoldText, bold_text

    out.print("bot> ", end="")
    printed = ""
    shown = BoldText()
    turn = manager.stream(session_id, text, channel="terminal")
    try:
        for update in turn:
            session_id = update.session_id or session_id
            if not update.done:
                out.print(shown.feed(update.text[len(printed):]), end="", highlight=False)
                printed = update.text
                continue
            if not update.text and not printed:  # a person has the conversation: the message went to them
                out.print("[dim](passed on to staff)[/]", highlight=False)
            elif update.text != printed:  # the final reply replaced the draft (e.g. the model declined)
                out.print(Text("\n" if printed else "").append_text(bold_text(update.text)), highlight=False)
            else:
                out.print(shown.finish(), highlight=False)
            _print_result(update.result)
            if on_result is not None and update.result is not None:
                on_result(update.result)
    except KeyboardInterrupt:
        turn.close()
        out.print("\n[dim](stopped; this question was not stored)[/]")
    except user_errors() as error:
        out.print()
        err.print(f"[yellow]{escape(str(error))}[/]", highlight=False)
        return None
    return session_id


def listen_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host``:``port``, or None: a probe socket is bound to each
    address the host stands for, IPv4 or IPv6, as the server will."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        reason = error.strerror if isinstance(error, socket.gaierror) else str(error)
        return f"cannot listen on --host {host}: not an IP address, nor a host name this machine can resolve ({reason})"
    for family, kind, proto, _, address in addresses:
        try:
            probe = socket.socket(family, kind, proto)
        except OSError as error:  # e.g. no IPv6 on this machine
            return f"cannot listen on --host {host}: {error.strerror or error}"
        with probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:  # as the server binds: IPv6 only, beside any IPv4 socket on the port
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    return f"port {port} on {host} is already in use (another server running?); choose one with --port"
                if error.errno == errno.EADDRNOTAVAIL:
                    return f"cannot listen on --host {host}: it is not an address of this machine"
                return f"cannot listen on {host} port {port}: {error.strerror or error}"
    return None


# what a server logs of its knowledge base: the watch's ingests and the index it loads (at info, which a server's
# log hid: an edited article was served some seconds later with no line saying so)
KNOWLEDGE_BASE_LOGGERS = ("retrieval.watch", "retrieval.retriever", "assistant.app")
# and the news that ends a problem it warned of: "The database is back" (the spool), "the webhook takes notices again"
SERVER_EVENT_LOGGERS = (*KNOWLEDGE_BASE_LOGGERS, "assistant.store.spool", "assistant.notify")


def show_knowledge_base_events() -> None:
    """Log the knowledge base's changes and the end of an outage (``SERVER_EVENT_LOGGERS``) at info, whatever
    ``--verbose`` says."""
    for name in SERVER_EVENT_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)


def say(text: str, **options: Any) -> None:
    """A line of ``serve``'s start-up summary on stderr, after the time in UTC as a log line starts
    (``2026-12-06T08:34:41.123Z Serving on …``), so that it sorts with the log lines of every server."""
    stamp = UtcLogFormatter().formatTime(logging.makeLogRecord({}))
    err.print(f"{stamp} {text}", highlight=False, **options)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[Optional[str], typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port to listen on.")] = None,
    warm_up: Annotated[bool, typer.Option(help="Load the models before accepting requests.")] = True,
) -> None:
    """Start the web server: chat page, staff review pages (/review), HTTP API (/api, /v1) and article pages.

    For monitoring: /healthz answers 200 while the server answers, with JSON saying what to watch (index_version, database, spooled_writes, handoff_notices_waiting, ...); /readyz answers 503 while the database cannot be used; /metrics gives this process's counts for Prometheus (docs/operations.md#monitoring). The log goes to stderr, one line per message, each starting with its UTC time."""
    from assistant.app import Assistant
    from assistant.web_server import QuickStopServer

    settings = settings_from(ctx, host=host, port=port)
    problem = listen_problem(settings.host, settings.port)
    if problem:
        fail(problem)
    assistant = Assistant(settings)
    ctx.call_on_close(assistant.close)  # also when a check below fails: its store and threads do not outlive it
    # held while serving (released by close): one server per data_dir, refused before anything loads
    run_guarded(assistant.hold_spool)
    # a broken rules or replies file is told at once (file and line), not after the models have loaded
    run_guarded(assistant.check_files)
    assistant.retriever.background_reload = True  # a new index loads beside the one answering (docs/retrieval.md)
    run_guarded(lambda: assistant.retriever.index)  # a missing index is reported now, not on the first question
    # and a mistake in the database settings, before the models take their time to load; a database that is
    # only down (refused, no answer) is waited for: turns work meanwhile, their writes wait in the spool
    outage = run_guarded(assistant.open_database)
    if outage:
        say(
            f"warning: {outage.rstrip('.')}. Starting without the database: conversation writes wait in {assistant.spool_path} and "
            "are stored once it is reachable and its schema is migrated (tried every 5 s); /readyz answers 503 until then",
            markup=False,
        )
    run_guarded(lambda: assistant.store)  # the spool, its retry thread
    if warm_up:
        with err.status("Loading models…"):
            run_guarded(assistant.warm_up)
    web = run_guarded(assistant.web_app)
    if (watch_note := assistant.watch_note()) is not None:  # kb_watch_s: the folders' changes are ingested by a server
        say(watch_note)
    show_knowledge_base_events()
    if not outage and not assistant.staff.names():
        say("note: no staff logins yet; add one with `assistant users add NAME` to open the review pages")
    say(assistant.api_guards.describe())
    say(ALLOCATOR)
    staff_keys = len(settings.staff_api_keys)
    say(f"Staff API /api/staff: {f'{staff_keys} staff key(s)' if staff_keys else 'off (no staff_api_keys)'}")
    from assistant.metrics import install_metrics

    install_metrics(web, assistant.manager)  # per process: turns by route, latency, errors, the /healthz figures
    say("Metrics: /metrics (Prometheus text format, this process's figures only; open as /healthz is)")
    say(
        f"Serving on http://{f'[{settings.host}]' if ':' in settings.host else settings.host}:{settings.port}  "
        "(review pages: /review; API docs: /api/docs; Ctrl-C to stop)",
        markup=False,  # "[::1]" is an address, not markup
    )
    # uvicorn hands SIGTERM on once it has shut down, which would end the process there: end it through
    # SystemExit instead, so that handoff notices still queued go out first (Assistant.close)
    signal.signal(signal.SIGTERM, _exit_quietly)
    logging.getLogger("uvicorn.error").addFilter(_no_traceback_for_streams_ended_at_shutdown)
    # What is loaded by now (the models, the index, the web app) lives as long as the server: kept
    # out of the garbage collector's passes, which walked it all in every full collection and again at exit
    # (a stop took 5.6-6.3 s on 2 cores after uvicorn had finished, 0.5 s frozen)
    gc.collect()
    gc.freeze()
    try:
        # the open pages' streams end as the stop begins (QuickStopServer): the grace waits only for turns under way
        server = QuickStopServer(uvicorn_config(web, settings.host, settings.port), web)
        try:
            server.run()
        except KeyboardInterrupt:
            pass  # Ctrl-C is a stop asked for, as uvicorn.run takes it: status 0, not 130
        if not server.started:
            raise typer.Exit(3)  # the port was taken, or the app failed to start (uvicorn.run's status)
    finally:
        assistant.close()  # now, before the process ends (SIGTERM's SystemExit included)


# On SIGTERM or Ctrl-C, how long requests under way (a turn being answered, an API call) may take to finish. The
# streams that open pages hold are ended as the stop begins (assistant/web_server.py): before, a stopped server
# waited the whole grace for them and kept the data folder's spool meanwhile, so a new one could not start.
SHUTDOWN_GRACE_SECONDS = 10


def _exit_quietly(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def uvicorn_config(web: Any, host: str, port: int) -> Any:
    """The web server's settings: warnings and up from uvicorn, in the project's log format (``log_config=None``:
    uvicorn's own format had no time, and its "Exception in ASGI application" could not be lined up with the rest)."""
    import uvicorn

    return uvicorn.Config(
        web, host=host, port=port, log_level="warning", log_config=None, timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )


def _no_traceback_for_streams_ended_at_shutdown(record: logging.LogRecord) -> bool:
    """Leaves out the traceback uvicorn logs for each request it ends when the shutdown grace is over (the
    streams of chat pages still open): an expected end, which its one line "Cancel N running task(s)" says."""
    import asyncio

    return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


# -- models --------------------------------------------------------------------------------------


@models_app.command("list")
def models_list(ctx: typer.Context) -> None:
    """Show the packaged models (installed, prepared), then the trained ones the settings select (folder, state, date, data)."""
    settings = settings_from(ctx)
    table = Table("name", "role", "languages", "installed", "prepared", "default", "description")
    for spec in model_registry.REGISTRY.values():
        installed = model_registry.is_installed(spec)
        prepared = model_registry.is_prepared(spec, settings.model_cache_dir)
        default = spec.name in (settings.embedder, settings.generator)
        table.add_row(
            spec.name,
            spec.role,
            ",".join(spec.languages),
            "yes" if installed else f"no: {spec.install_command}",
            "yes" if prepared else "no",
            "*" if default else "",
            spec.description,
        )
    out.print(table)
    from assistant.trained_models import trained_models

    trained = Table("role", "setting", "folder", "state", "created", "trained on", "summary", title="Trained models")
    for row in trained_models(settings):
        trained.add_row(row.role, row.setting, str(row.folder), row.state, row.created, row.trained_on, row.summary)
    out.print(trained)


@models_app.command("set-oos-threshold")
def models_set_oos_threshold(
    ctx: typer.Context,
    threshold: Annotated[float, typer.Argument(min=0.0, max=1.0, help="A best in-scope probability below this is out of scope (0-1).")],
    folder: Annotated[Optional[Path], typer.Option("--model", help="Intent model folder; default: the intent_model setting (data/models/intents).")] = None,
) -> None:
    """Give a trained intent model another out-of-scope threshold, without training again (recorded in its manifest as set by hand, with the one it replaces). Try one first with `assistant eval intents --model FOLDER --threshold T`; a running server uses it once restarted."""
    from assistant.cli_train_intents import default_intent_dir
    from dialog.nlu.manifest import set_oos_threshold

    target = folder or default_intent_dir(ctx)
    manifest = run_guarded(lambda: set_oos_threshold(target, threshold))
    previous = manifest["oos"]["previous"]
    out.print(f"Out-of-scope threshold of {target}: {threshold:.4f} (was {previous['threshold']:.4f}, {previous['objective']}).", highlight=False)


@models_app.command("prepare")
def models_prepare(
    ctx: typer.Context,
    names: Annotated[Optional[list[str]], typer.Argument(help="Model names; default: the configured embedder, and the generator unless answers are extractive.")] = None,
    all_models: Annotated[bool, typer.Option("--all", help="Prepare every installed model.")] = False,
) -> None:
    """Verify each model's sha256 and convert GGUF generators once into the model cache."""
    settings = settings_from(ctx)
    if all_models:
        chosen = [s.name for s in model_registry.REGISTRY.values() if model_registry.is_installed(s)]
    else:
        chosen = names or [settings.embedder] + ([] if settings.answers_extractively() else [settings.generator])
    for name in chosen:
        path = run_guarded(lambda: model_registry.prepare(name, settings.model_cache_dir, show_progress=True))
        out.print(f"[green]ready[/] {name}: {path}", highlight=False)


# -- database (the logs commands: cli_logs.py) -----------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database to the latest schema revision (run once per deployment, e.g. on PostgreSQL)."""
    from assistant.store import admin

    url = settings_from(ctx).database_url
    result = run_guarded(lambda: admin.db_upgrade(url))
    before = result.before or ("none (tables made before migrations; stamped)" if result.stamped else "none (empty database)")
    out.print(f"Database: {admin.describe(url)}\nRevision before: {before}\nRevision after:  {result.after}", highlight=False)


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the database's schema revision and whether it is the latest."""
    from assistant.store import admin

    url = settings_from(ctx).database_url
    status = run_guarded(lambda: admin.db_current(url))
    if status.is_newer:
        state = f"newer than this version of the assistant knows, whose latest is {status.head}; run a newer assistant"
    else:
        state = "latest" if status.is_latest else f"not the latest, which is {status.head}; run `assistant db upgrade`"
    out.print(f"Database: {admin.describe(url)}\nRevision: {status.current or 'none'} ({state})", highlight=False)


# Registered last, so that `assistant --help` lists it after ingest, ask, chat and serve.
import assistant.cli_backup  # noqa: E402,F401  backup, restore

if __name__ == "__main__":  # `python -m assistant.cli`: the commands other modules register are on the imported module's app
    from assistant.cli import app as registered_app

    registered_app()
