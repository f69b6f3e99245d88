"""The `assistant` command through typer's runner, with the fakes selected by global options."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from assistant.store import SqlStore, make_engine
from cli_helpers import FAKES, flat, ingested, invoke, runner  # noqa: F401 (fixtures)
from conftest import write_files


def test_ingest_prints_counts(runner: CliRunner, kb_dir: Path, isolated: Path) -> None:
    result = invoke(runner, "ingest", str(kb_dir))

    assert result.exit_code == 0, result.output
    assert "Indexed 5 new, 0 changed, 0 unchanged, 0 removed document(s); 9 chunk(s) embedded." in flat(result.stdout)
    assert f"Index: 5 documents, 9 chunks in {isolated / 'index'}" in flat(result.stdout)

    again = invoke(runner, "ingest", str(kb_dir))
    assert "Indexed 0 new, 0 changed, 5 unchanged, 0 removed document(s); 0 chunk(s) embedded." in flat(again.stdout)


def test_ingest_of_only_unusable_files_fails_and_lists_them(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_files(tmp_path / "bad", {"scan.md": b"\x00\x01\x02\x03", "empty.md": ""})

    result = invoke(runner, "ingest", str(folder))

    assert result.exit_code != 0
    errors = flat(result.stderr)
    assert f"skipped {folder / 'scan.md'}: binary file" in errors
    assert f"skipped {folder / 'empty.md'}: empty file" in errors
    assert "Error: no documents could be indexed from the given paths." in errors
    assert "Traceback" not in result.output


def test_ingest_notes_a_faq_question_asked_twice_with_two_answers(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_files(tmp_path / "kb", {"faq.csv": "question,answer\nDo you ship to Norway?,Yes.\ndo you ship to norway,No.\n"})

    result = invoke(runner, "ingest", str(folder))

    assert result.exit_code == 0, result.output
    assert f"note {folder / 'faq.csv'} (line 3): repeats the question of line 2 with another answer" in flat(result.stderr)
    assert "Indexed 2 new" in flat(result.stdout)


def test_ingest_stopped_with_ctrl_c_says_that_a_rerun_continues(
    runner: CliRunner, kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.ingest

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(retrieval.ingest, "ingest", stopped)
    result = invoke(runner, "ingest", str(kb_dir))

    assert result.exit_code == 130
    assert "stopped; the index is as it was. The vectors embedded so far are kept: run the same ingest again" in flat(result.stderr)
    assert "Traceback" not in result.output


def test_ask_json_prints_the_answer_and_stores_the_turn(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    result = invoke(runner, "ask", "--json", "How long is a password reset link valid?")

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert "30 minutes" in payload["answer"]
    assert payload["abstained"] is False and payload["action"] == "answer" and payload["model"] == "scripted"
    assert payload["sources"][0]["doc_id"] == "accounts/reset-password"
    assert payload["sources"][0]["heading"] == "Reset your password > How long the link works"
    assert {"retrieval_ms", "generation_ms", "total_ms"} <= set(payload["timings_ms"])

    database = isolated / "assistant.db"
    assert database.is_file()
    [turn] = SqlStore(make_engine(f"sqlite:///{database}")).turns()
    assert turn.session_id == payload["session_id"]
    assert turn.user_text == "How long is a password reset link valid?"
    assert turn.answer == payload["answer"]
    with sqlite3.connect(database) as db:
        kinds = [row[0] for row in db.execute("SELECT type FROM events WHERE session_id = ? ORDER BY seq", (payload["session_id"],))]
    assert kinds == ["session_started", "user", "intent", "retrieval", "bot"]


def test_ask_prints_answer_and_sources(runner: CliRunner, ingested: Path) -> None:
    result = invoke(runner, "ask", "How much does express shipping cost?")

    assert result.exit_code == 0, result.output
    assert "$12.50" in result.stdout
    assert "[1] Shipping costs > Express shipping (shipping/shipping-costs, score" in flat(result.stdout)


def test_ask_continues_a_session(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    first = json.loads(invoke(runner, "ask", "--json", "hello").stdout)
    assert first["intent"] == "greet"  # the intent the turn was understood as (keyword rules here)

    second = invoke(runner, "ask", "--json", "--session", first["session_id"], "Do you offer gift wrapping?")

    assert json.loads(second.stdout)["session_id"] == first["session_id"]
    declined = json.loads(invoke(runner, "ask", "--json", "xylophone quantum zebra").stdout)
    assert declined["abstained"] and declined["reason"].startswith("best passage score")  # why it declined
    assert declined["query"] == "xylophone quantum zebra"
    assert len(SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).turns(first["session_id"])) == 2
    unknown = invoke(runner, "ask", "--session", "no-such-id", "hello")
    assert unknown.exit_code != 0
    assert "No conversation with id 'no-such-id'" in flat(unknown.stderr)


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_empty_question_is_a_clear_error(runner: CliRunner, ingested: Path, isolated: Path, question: str) -> None:
    result = invoke(runner, "ask", question)

    assert result.exit_code != 0
    assert "Error: Please type a question: the message is empty." in flat(result.stderr)
    assert "Traceback" not in result.output
    assert SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).session_count() == 0


def test_ask_overlong_question_is_a_clear_error(runner: CliRunner, ingested: Path) -> None:
    result = invoke(runner, "ask", "x" * 100_000)

    assert result.exit_code != 0
    assert "Your message is 100,000 characters long; the limit is 4,000." in flat(result.stderr)
    assert "Traceback" not in result.output


def test_ask_before_ingest_names_the_ingest_command(runner: CliRunner, isolated: Path) -> None:
    result = invoke(runner, "ask", "How do I reset my password?")

    assert result.exit_code != 0
    assert "assistant ingest" in flat(result.stderr)
    assert "Traceback" not in result.output


def test_ask_with_index_of_another_embedder_names_the_rebuild(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    manifest_path = isolated / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest.update(embedder="all-minilm-l6-v2", embedder_sha256="53aa51")  # as if built by the real model
    manifest_path.write_text(json.dumps(manifest))

    result = invoke(runner, "ask", "How do I reset my password?")

    assert result.exit_code != 0
    assert "built with embedder 'all-minilm-l6-v2'" in flat(result.stderr)
    assert "assistant ingest --rebuild" in flat(result.stderr)


def test_invalid_setting_is_reported_without_traceback(runner: CliRunner) -> None:
    result = invoke(runner, "--device", "gpu", "models", "list")

    assert result.exit_code != 0
    assert "invalid settings: device (command line)" in flat(result.stderr)


def test_an_invalid_setting_names_where_it_was_given(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "prod.toml"
    config.write_text('port = "abc"\nprot = 7860\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    monkeypatch.setenv("ASSISTANT_TOP_K", "0")

    result = invoke(runner, "models", "list")

    assert result.exit_code == 1
    message = flat(result.stderr)
    assert f"port (in {config}): Input should be a valid integer" in message
    assert f"prot (in {config}): Extra inputs are not permitted" in message  # a misspelt key
    assert "top_k (from ASSISTANT_TOP_K): Input should be greater than or equal to 1" in message


def test_models_list_shows_the_three_models(runner: CliRunner) -> None:
    result = invoke(runner, "models", "list")

    assert result.exit_code == 0, result.output
    for name in ("all-minilm-l6-v2", "smollm2-135m", "qwen2.5-coder-0.5b"):
        assert name in result.stdout


def _intent_folder(folder: Path, labels: list[str]) -> Path:
    """A folder that passes the intent manifest's checks (nothing here loads the weights)."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"id2label": {str(i): label for i, label in enumerate(labels)}}))
    (folder / "tokenizer.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / "intent_manifest.json").write_text(json.dumps({
        "format_version": 1, "kind": "intent-classifier", "base": {}, "labels": labels, "oos": {}, "training": {},
        "validation": {"accuracy": 0.9}, "created": "2026-12-01T10:00:00Z", "train_seconds": 3.0, "device": "cpu",
        "data": {"files": [{"path": "/shop/intents.csv"}], "examples": 60},
    }))
    return folder


def test_models_list_shows_the_trained_models_the_settings_select(
    runner: CliRunner, isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team that trained models could not see whether the assistant would use them: the list named the
    packaged models only."""
    _intent_folder(tmp_path / "shop-intents", ["greet", "oos", "refund"])
    (isolated / "models" / "reranker").mkdir(parents=True)
    (isolated / "models" / "reranker" / "reranker.json").write_text(json.dumps(
        {"kind": "cross-encoder reranker", "blend": 0.3, "training_data": {"pairs_file": "/shop/pairs.csv"}, "created_at": "2026-12-02T09:00:00Z"}))
    monkeypatch.setenv("ASSISTANT_INTENT_MODEL", str(tmp_path / "shop-intents"))
    monkeypatch.setenv("ASSISTANT_RERANK", "off")

    text = flat(invoke(runner, "models", "list").stdout)

    assert "Trained models" in text
    assert "intent classifier │ intent_model" in text and "2026-12-01T10:00:00Z │ /shop/intents.csv │ 3 intents, validation accuracy 0.900" in text
    assert "reranker │ reranker_path" in text and "not used: rerank = off │ 2026-12-02T09:00:00Z │ /shop/pairs.csv │ blend 0.3" in text
    assert "generator_path" not in text  # not set: the packaged generator above is the one used

    (tmp_path / "shop-intents" / "model.safetensors").unlink()
    monkeypatch.setenv("ASSISTANT_INTENT_MODEL", str(tmp_path / "typo"))
    assert "none trained: keyword rules only" in flat(invoke(runner, "models", "list").stdout)
    monkeypatch.setenv("ASSISTANT_INTENT_MODEL", str(tmp_path / "shop-intents"))
    assert "unusable:" in flat(invoke(runner, "models", "list").stdout)


def test_models_prepare_unknown_name(runner: CliRunner) -> None:
    result = invoke(runner, "models", "prepare", "gpt-9")

    assert result.exit_code != 0
    assert "Unknown model 'gpt-9'" in flat(result.stderr)


@pytest.mark.parametrize(("answer_mode", "prepared"), [("auto", ["e"]), ("generative", ["e", "g"])])
def test_models_prepare_skips_the_generator_when_answers_are_extractive(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, answer_mode: str, prepared: list[str]
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cli.model_registry, "prepare", lambda name, cache, show_progress: calls.append(name) or Path(name))

    result = runner.invoke(app, ["--embedder", "e", "--generator", "g", "--device", "cpu", "--answer-mode", answer_mode, "models", "prepare"])

    assert result.exit_code == 0, result.output
    assert calls == prepared


def test_index_status_after_ingest(runner: CliRunner, ingested: Path) -> None:
    result = invoke(runner, "index", "status")

    assert result.exit_code == 0, result.output
    lines = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in result.stdout.splitlines() if ":" in line}
    assert (lines["documents"], lines["chunks"], lines["embedder"], lines["dimension"]) == ("5", "9", "hash", "256")
    assert lines["sources"] == str(ingested.resolve())  # a list shown as its items, not as Python writes it


def test_index_status_of_an_index_from_before_sources_were_recorded(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    manifest_path = isolated / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["sources"] = None  # as the manifest of a release before 2026-12-03 reads back
    manifest_path.write_text(json.dumps(manifest))

    result = invoke(runner, "index", "status")

    assert result.exit_code == 0, result.output
    assert "sources: not recorded (an index from an older version); the next `assistant ingest` records them" in flat(result.stdout)


def test_index_status_names_documents_whose_files_are_gone_and_an_unfinished_ingest(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    from retrieval.embedding_checkpoint import EmbeddingCheckpoint, checkpoint_path

    assert "files gone" not in invoke(runner, "index", "status").stdout
    (ingested / "accounts" / "reset-password.md").unlink()
    kept = EmbeddingCheckpoint(checkpoint_path(isolated / "index"), "fingerprint", 4)  # as a stopped ingest leaves it
    kept.add(["a", "b", "c"], np.ones((3, 4), dtype=np.float32))
    kept.close()

    result = flat(invoke(runner, "index", "status").stdout)

    assert "files gone: 1 document(s) whose file no longer exists (accounts/reset-password)" in result
    assert "if they were deleted, `assistant index prune` removes them" in result
    # pruning documents whose folder only moved (a restore at other paths) would remove them: the way to follow it comes first
    assert "if their folder moved (a backup restored to other paths), `assistant ingest --replace NEW_FOLDER` follows it" in result
    assert "unfinished: an ingest that did not finish kept 3 embedded text(s)" in result


def test_index_status_without_index(runner: CliRunner) -> None:
    result = invoke(runner, "index", "status")

    assert result.exit_code != 0
    assert "Build one with: assistant ingest" in flat(result.stderr)


@pytest.mark.parametrize(
    "command",
    [[], ["ingest"], ["ask"], ["chat"], ["serve"], ["models"], ["models", "list"], ["models", "prepare"], ["index"], ["index", "status"]],
)
def test_help_of_each_command(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_serve_help_names_everything_it_serves(runner: CliRunner) -> None:
    """`assistant serve` also serves the review pages and the HTTP API (README, docs/api.md), not only the chat."""
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for part in ("chat page", "review pages", "/review", "HTTP API", "/v1"):
        assert part in result.output


def test_serve_on_a_busy_port_is_a_clear_error(runner: CliRunner, ingested: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke(runner, "serve", "--port", str(port), "--no-warm-up")

    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in flat(result.stderr)


def test_a_second_server_on_the_same_data_dir_is_a_clear_error(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    import socket

    from assistant.store.spool import hold_spool

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: only the spool is in use
    with hold_spool(isolated / "spool" / "turns.jsonl"):  # a server already serving from this data_dir
        result = invoke(runner, "serve", "--port", str(port), "--no-warm-up")

    assert result.exit_code == 1
    assert "another assistant process uses the spool" in flat(result.stderr) and "own data_dir" in flat(result.stderr)


def test_a_second_server_is_refused_before_it_loads_anything(
    runner: CliRunner, ingested: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spool is taken first: a second server on a data_dir in use was refused only after reading the team's
    files and building the search (half a minute on a busy machine)."""
    import socket

    from assistant.app import Assistant
    from assistant.store.spool import hold_spool

    loaded: list[str] = []
    monkeypatch.setattr(Assistant, "check_files", lambda self: loaded.append("files"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with hold_spool(isolated / "spool" / "turns.jsonl"):
        result = invoke(runner, "serve", "--port", str(port), "--no-warm-up")

    assert result.exit_code == 1 and "another assistant process uses the spool" in flat(result.stderr)
    assert loaded == []


def test_a_server_started_while_a_terminal_chat_is_open_names_the_chat(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    """``assistant chat`` opened first holds the spool: the server's error says which process to close."""
    from assistant.store.spool import hold_spool

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: only the spool is in use
    with hold_spool(isolated / "spool" / "turns.jsonl", holder="pid 4242: assistant chat"):
        result = invoke(runner, "serve", "--port", str(port), "--no-warm-up")

    assert result.exit_code == 1
    assert "(pid 4242: assistant chat)" in flat(result.stderr) and "stop it first" in flat(result.stderr)


def test_ask_beside_a_server_leaves_the_servers_spool_alone(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    from assistant.store.spool import hold_spool

    spool = isolated / "spool" / "turns.jsonl"
    waiting = json.dumps({"id": "r1", "op": "create", "session_id": "s-waiting", "channel": "web", "events": [], "turn": None})
    with hold_spool(spool):  # a server on this data_dir, with a write waiting for the database
        spool.write_text(waiting + "\n", encoding="utf-8")
        result = invoke(runner, "ask", "--json", "How much does express shipping cost?")
        assert spool.read_text(encoding="utf-8") == waiting + "\n"  # not replayed, and not deleted, by ask

    assert result.exit_code == 0, result.output
    [turn] = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).turns()  # ask wrote to the database
    assert turn.session_id == json.loads(result.stdout)["session_id"]


def test_serve_reports_a_database_it_cannot_use_before_loading_models(
    runner: CliRunner, ingested: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A database that is only down is waited for instead (tests/assistant/test_database_at_start.py).
    from assistant.app import Assistant

    loaded: list[bool] = []
    monkeypatch.setattr(Assistant, "warm_up", lambda self: loaded.append(True))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "not a file.db").mkdir()
    result = invoke(runner, "--database-url", f"sqlite:///{tmp_path / 'not a file.db'}", "serve", "--port", str(port))

    assert result.exit_code == 1
    assert f"Cannot open the database sqlite:///{tmp_path / 'not a file.db'}" in flat(result.stderr)
    assert loaded == []  # found out in seconds, not after the models loaded


def test_filter_restricts_the_answer_to_matching_documents(runner: CliRunner, ingested: Path) -> None:
    question = "How much does express shipping cost?"
    plain = json.loads(invoke(runner, "ask", "--json", question).stdout)
    assert plain["sources"][0]["doc_id"] == "shipping/shipping-costs"

    result = runner.invoke(app, ["--filter", "doc_id=accounts", *FAKES, "ask", "--json", question])
    assert result.exit_code == 0, result.output
    filtered = json.loads(result.stdout)
    assert filtered["sources"] == [] or all(s["doc_id"].startswith("accounts/") for s in filtered["sources"])
    assert "$12.50" not in filtered["answer"]


def test_a_malformed_filter_fails_with_the_expected_form(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--filter", "language", "ask", "hello"])

    assert result.exit_code != 0
    assert "--filter takes KEY=VALUE (e.g. language=de), not 'language'" in flat(result.stderr)


def test_repeated_filter_keys_mean_either_value() -> None:
    assert cli.parse_filters(["language=de", "tag=a", "tag=b", "tag=c"]) == {"language": "de", "tag": ["a", "b", "c"]}


def test_ask_prints_answers_and_paths_as_they_are_not_as_markup(runner: CliRunner, tmp_path: Path, isolated: Path) -> None:
    folder = write_files(
        tmp_path / "kb[bold]",
        {"wrapping.md": "# Gift wrapping\n\nPress [ctrl] and W, or type [/wrap], to add paper; see [our papers](https://example.com/p).\n"},
    )
    assert invoke(runner, "ingest", str(folder)).exit_code == 0

    result = invoke(runner, "ask", "Gift wrapping: press ctrl and W, or type wrap, to add paper?")

    assert result.exit_code == 0, result.output
    assert "Press [ctrl] and W, or type [/wrap], to add paper; see [our papers](https://example.com/p). [1]" in flat(result.stdout)
    session_id = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}")).turns()[0].session_id
    assert f"continue it with --session {session_id}" in flat(result.stderr)
    missing = invoke(runner, "ingest", str(tmp_path / "[/missing]"))
    assert missing.exit_code == 1 and f"no such file or folder: {tmp_path / '[/missing]'}" in flat(missing.stderr)


def test_ingest_refuses_an_empty_path_and_one_that_is_not_there(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:
    empty = invoke(runner, "ingest", "")  # `assistant ingest "$KB"` with KB unset: not the working folder
    typo = invoke(runner, "ingest", str(ingested), str(tmp_path / "kb-typo"))

    assert empty.exit_code == 1 and "an empty path was given" in flat(empty.stderr)
    assert typo.exit_code == 1 and f"no such file or folder: {tmp_path / 'kb-typo'}" in flat(typo.stderr)
    status = invoke(runner, "index", "status")
    assert "5" in status.stdout and "Traceback" not in empty.output + typo.output


def test_chat_stores_a_conversation_only_once_something_is_asked(runner: CliRunner, ingested: Path, isolated: Path) -> None:
    left = runner.invoke(app, [*FAKES, "chat"], input="\n")
    assert left.exit_code == 0, left.output
    store = SqlStore(make_engine(f"sqlite:///{isolated / 'assistant.db'}"))
    assert store.session_count() == 0

    result = runner.invoke(app, [*FAKES, "chat"], input="How long is a password reset link valid?\n\n")

    assert result.exit_code == 0, result.output
    assert "30 minutes" in result.stdout
    [turn] = store.turns()
    assert f"Conversation {turn.session_id}" in flat(result.stdout) and store.session_count() == 1


def test_ctrl_c_during_an_answer_stops_it_and_the_chat_goes_on() -> None:
    from dialog.manager import TurnUpdate

    closed = []

    def stream(session_id, text, channel):  # type: ignore[no-untyped-def]
        try:
            yield TurnUpdate("Refunds take", "s1")
            raise KeyboardInterrupt
        finally:
            closed.append(True)

    manager = type("Manager", (), {"stream": staticmethod(stream)})()

    assert cli._chat_turn(manager, None, "How do refunds work?") == "s1"
    assert closed == [True]


def test_the_port_check_binds_as_the_server_does() -> None:
    import socket

    taken = socket.socket()
    taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    taken.bind(("0.0.0.0", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        assert "already in use" in (cli.listen_problem("0.0.0.0", port) or "")
        if socket.has_ipv6:  # the server's IPv6 socket is IPv6 only: the IPv4 one does not stop it
            problem = cli.listen_problem("::", port)
            assert problem is None or "in use" not in problem
    finally:
        taken.close()


def test_conversation_test_help_shows_its_example_whole(runner: CliRunner) -> None:
    """Rich took the example's "[subscriptions/]" for markup and showed "cites: " with nothing after it."""
    result = runner.invoke(app, ["test", "conversations", "--help"])

    assert result.exit_code == 0
    assert "cites: [subscriptions/]" in result.stdout
    # every action a script may expect, listed whole (the keys' help is generated from the runner's own table)
    assert "business, decline, fallback, relay, hand_back, other_language" in flat(result.stdout)
