"""Mistakes a user can make on the command line get one `Error:` line (exit 1), never a traceback,
and are caught before any slow work: broken config, bad database URLs, mistyped paths, training folders."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from cli_helpers import flat, ingested, invoke, runner  # noqa: F401 (fixtures)


def assert_one_line_error(result, message: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 1 with ``message`` on a single `Error:` line of stderr, and no exception escaped."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0], lines[0]


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"top_k = \n", "b.toml: not valid TOML: Invalid value (at line 1, column 9)"),
        (b"top_k = 3\n# \xff\xfe\n", "b.toml: not UTF-8 text"),
    ],
)
def test_a_broken_config_file_names_the_file_and_the_problem(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    (tmp_path / "b.toml").write_bytes(content)
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "b.toml"))
    assert_one_line_error(runner.invoke(app, ["db", "current"]), message)

    monkeypatch.delenv("ASSISTANT_CONFIG")
    (tmp_path / "assistant.toml").write_bytes(content)  # the working folder's own config file
    assert_one_line_error(runner.invoke(app, ["db", "current"]), message.replace("b.toml", "assistant.toml"))


def test_config_variable_naming_no_file_or_a_folder(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "none.toml"))
    assert_one_line_error(runner.invoke(app, ["db", "current"]), f"ASSISTANT_CONFIG points to {tmp_path / 'none.toml'}, which is not there")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path))
    assert_one_line_error(runner.invoke(app, ["db", "current"]), "which is a folder, not a TOML file")


def test_an_environment_value_that_is_not_json_names_the_variable(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SEARCH_FILTERS", "{bad")
    assert_one_line_error(runner.invoke(app, ["db", "current"]), "ASSISTANT_SEARCH_FILTERS is not valid JSON: Expecting property name")


# -- the database ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "command", "message"),
    [
        ("notaurl", ["db", "current"], "Cannot read the database URL 'notaurl'"),
        ("notaurl", ["users", "add", "ana", "--password-stdin"], "Cannot read the database URL 'notaurl'"),
        ("postgresql//ana:secret@db/x", ["logs", "export", "o.csv"], "Cannot read the database URL 'postgresql//ana:***@db/x'"),
        ("http://example/x", ["users", "list"], "'http' is not a kind of database the assistant knows"),
        ("http://example/x", ["db", "upgrade"], "'http' is not a kind of database the assistant knows"),
    ],
)
def test_a_bad_database_url_is_one_line(runner: CliRunner, url: str, command: list[str], message: str) -> None:
    result = runner.invoke(app, ["--database-url", url, *command], input="a-long-password-1\n")
    assert_one_line_error(result, message)
    assert "secret" not in result.output


def test_a_file_that_is_not_a_database_and_a_data_dir_that_is_a_file(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notdb.db").write_text("junk " * 100)
    assert_one_line_error(runner.invoke(app, ["--database-url", f"sqlite:///{tmp_path / 'notdb.db'}", "users", "list"]), "file is not a database")
    (tmp_path / "afile").write_text("x")
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "afile"), "users", "add", "ana", "--password-stdin"], input="a-long-password-1\n")
    assert_one_line_error(result, f"{tmp_path / 'afile'} is a file, not a folder")


@pytest.mark.parametrize(
    "command",
    [["db", "current"], ["logs", "export", "o.csv"], ["logs", "purge", "--older-than", "2w", "--dry-run"],
     ["users", "list"], ["users", "remove", "ana"], ["inbox", "list"], ["inbox", "reply", "s1", "hi"], ["inbox", "hand-back", "s1"]],
)
def test_commands_that_read_do_not_create_a_mistyped_database(runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "typo" / "x.db"

    result = invoke(runner, "--database-url", f"sqlite:///{typo}", *command)

    assert_one_line_error(result, f"No database at {typo}")
    assert not typo.parent.exists() and not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [("ana", "short", "the password must have at least 10 characters"), ("not a name", "a-long-password-1", "a username is")],
)
def test_a_refused_login_creates_no_database(runner: CliRunner, tmp_path: Path, username: str, password: str, message: str) -> None:
    new = tmp_path / "x.db"

    result = runner.invoke(app, ["--database-url", f"sqlite:///{new}", "users", "add", username, "--password-stdin"], input=password + "\n")

    assert_one_line_error(result, message)
    assert not new.exists()


@pytest.mark.parametrize("command", [["inbox", "list"], ["inbox", "reply", "s1", "hi"], ["inbox", "hand-back", "s1"], ["users", "list"]])
def test_staff_commands_with_the_database_down_are_one_line(runner: CliRunner, command: list[str]) -> None:
    pytest.importorskip("psycopg")
    result = invoke(runner, "--database-url", "postgresql+psycopg://ana:secret@127.0.0.1:1/x", *command)
    assert_one_line_error(result, "Cannot open the database postgresql+psycopg://ana:***@127.0.0.1:1/x")


# -- serve ----------------------------------------------------------------------------------------


def test_serve_checks_the_port_with_the_host_address_family() -> None:
    try:
        ipv6 = socket.socket(socket.AF_INET6)
        ipv6.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with ipv6:
        ipv6.listen()
        port = ipv6.getsockname()[1]
        assert cli.listen_problem("::1", port) == f"port {port} on ::1 is already in use (another server running?); choose one with --port"
    assert cli.listen_problem("::1", port) is None  # was "in use": the probe tried IPv4 only


def test_serve_names_a_bad_host_as_such(runner: CliRunner) -> None:
    assert_one_line_error(invoke(runner, "serve", "--host", "999.1.1.1", "--port", "7894", "--no-warm-up"), "cannot listen on --host 999.1.1.1: not an IP address")
    assert "not an address of this machine" in (cli.listen_problem("192.0.2.1", 7894) or "")  # TEST-NET-1: never local


# -- eval retrieval -------------------------------------------------------------------------------


def _stackfaq(folder: Path) -> Path:
    threads = [{"question": "Delete a Facebook account", "answer": ["Open settings and delete it."], "rephr": ["remove my facebook account"]}]
    folder.mkdir()
    (folder / "faq.json").write_text(json.dumps({"root": {"qapair": threads}}))
    return folder


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--methods", "rerank"], "no trained reranker in"),
        (["--methods", ""], "--methods takes one or more of dense, bm25, rrf, hybrid, rerank"),
        (["--methods", "dense,foo"], "--methods takes one or more of"),
        (["--index-type", "foo"], "--index-type must be one of"),
        (["--keyword-tokenizer", "foo"], "--keyword-tokenizer must be one of"),
    ],
)
def test_eval_retrieval_checks_its_options_before_embedding(runner: CliRunner, tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke(runner, "eval", "retrieval", "--dataset", "stackfaq", "--data", str(_stackfaq(tmp_path / "stackfaq")), *args)
    assert_one_line_error(result, message)


def test_eval_retrieval_on_the_wrong_dataset_folder(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "data.json").write_text("[1, 2]")
    result = invoke(runner, "eval", "retrieval", "--dataset", "stackfaq", "--data", str(tmp_path / "other"))
    assert_one_line_error(result, f"{tmp_path / 'other'} does not look like the stackfaq dataset")


def test_eval_retrieval_on_a_file_that_is_not_json_names_it(runner: CliRunner, tmp_path: Path) -> None:
    """It said only "Error: Expecting value: line 2 column 1 (char 1)"."""
    (tmp_path / "faq.csv").write_text("question,answer\nhi,hello\n")
    result = invoke(runner, "eval", "retrieval", "--dataset", "squad2", "--data", str(tmp_path / "faq.csv"))
    assert_one_line_error(result, f"{tmp_path / 'faq.csv'} does not look like the squad2 dataset: not valid JSON")


# -- train ----------------------------------------------------------------------------------------


def _victim(tmp_path: Path) -> Path:
    (tmp_path / "victim" / "sub").mkdir(parents=True)
    (tmp_path / "victim" / "notes.txt").write_text("precious")
    (tmp_path / "victim" / "sub" / "data.csv").write_text("x")
    return tmp_path / "victim"


def _toy_csv(tmp_path: Path) -> Path:
    path = tmp_path / "toy.csv"
    path.write_text("text,label\n" + "".join(f"hello {i},greet\nrefund {i},refund\n" for i in range(6)), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["train", "intents", "{csv}", "--out", "{out}"],
        ["train", "mlm", "{csv}", "--out", "{out}"],
        ["train", "lm", "--data", "{csv}", "--out", "{out}"],
        ["train", "reranker", "--pairs", "{csv}", "--output", "{out}"],
        ["train", "embedder", "--pairs", "{csv}", "--output", "{out}"],
        ["eval", "intents", "--dataset", "csv", "--data", "{csv}", "--folds", "2", "--out", "{out}"],
    ],
)
def test_training_refuses_a_folder_that_is_not_its_own_before_training(runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    victim, data = _victim(tmp_path), _toy_csv(tmp_path)
    (tmp_path / "afile").write_text("keep me")

    for out, message in ((victim, "already holds files and is not an earlier"), (tmp_path / "afile", "is a file; give a folder"),
                         (Path("."), "is the working folder")):
        args = [arg.format(csv=data, out=out) for arg in command]
        assert_one_line_error(invoke(runner, *args), message)

    assert sorted(p.relative_to(victim).as_posix() for p in victim.rglob("*")) == ["notes.txt", "sub", "sub/data.csv"]
    assert (tmp_path / "afile").read_text() == "keep me"


# -- smaller checks: lm-data, embedder, logs export, orders_file -----------------------------------


def test_train_lm_data_and_embedder_options_are_one_line(runner: CliRunner, tmp_path: Path) -> None:
    faq = tmp_path / "faq.csv"
    faq.write_text("question,answer\nDo you wrap gifts?,Yes.\nHow long is shipping?,3 days.\n", encoding="utf-8")
    squad = tmp_path / "squad.json"
    squad.write_text(json.dumps({"data": []}))
    assert_one_line_error(invoke(runner, "train", "lm-data", "--squad", str(squad), "--split", "foo", "--out", str(tmp_path / "x.jsonl")),
                          "unknown split 'foo'")
    assert_one_line_error(invoke(runner, "train", "lm-data", "--faq", str(faq), "--out", str(tmp_path)), "is a folder; give a file name")
    result = invoke(runner, "train", "embedder", "--data-root", str(tmp_path), "--evaluate-on", "foo", "--output", str(tmp_path / "emb"))
    assert_one_line_error(result, "--evaluate-on: unknown dataset(s) foo")


def test_logs_export_replaces_a_file_only_with_force(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    (tmp_path / "turns.csv").write_text("an earlier export\n")

    assert_one_line_error(runner.invoke(app, ["logs", "export", str(tmp_path / "turns.csv")]), "exists already; add --force to replace it")
    assert (tmp_path / "turns.csv").read_text() == "an earlier export\n"
    forced = runner.invoke(app, ["logs", "export", str(tmp_path / "turns.csv"), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "turns.csv").read_text().startswith("session_id")




def test_an_unusable_orders_file_is_reported_before_the_first_question(
    runner: CliRunner, ingested: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_ORDERS_FILE", str(tmp_path / "nope.csv"))
    assert_one_line_error(invoke(runner, "ask", "Where is order NW-20481736?"), f"cannot read the orders file {tmp_path / 'nope.csv'}")
    (tmp_path / "orders.csv").write_text("number,state\nNW-1,shipped\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_ORDERS_FILE", str(tmp_path / "orders.csv"))
    assert_one_line_error(invoke(runner, "ask", "Where is order NW-20481736?"), "has no order_number, status or email column; its header is: number,state")


def test_train_lm_options_that_cannot_train_are_refused_up_front(runner: CliRunner, tmp_path: Path) -> None:
    """--eval-every 0 crashed at the first step (modulo by zero), a negative --max-steps saved the base model
    untrained, and a one-example file trained on nothing (its one example held out)."""
    data = tmp_path / "one.jsonl"
    data.write_text(json.dumps({"question": "q?", "passages": [{"text": "p."}], "answer": "a [1]"}) + "\n")
    out = str(tmp_path / "tuned")
    assert_one_line_error(invoke(runner, "train", "lm", "--data", str(data), "--out", out), "holds 1 example(s); give at least 2")
    for option, value in (("--eval-every", "0"), ("--max-steps", "-1"), ("--batch-size", "0"), ("--limit", "0")):
        result = invoke(runner, "train", "lm", "--data", str(data), "--out", out, option, value)
        assert result.exit_code == 2 and option in flat(result.output), result.output
    assert not (tmp_path / "tuned").exists()


def test_train_embedder_says_what_it_trains_on_and_what_ctrl_c_kept(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing was printed between the start and the progress bar (a minute of mining and measuring), and
    Ctrl-C ended with a bare exit status 130."""
    import retrieval.training

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(retrieval.training, "train_bi_encoder", interrupted)
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("question,passage\nopen on sunday,We open at ten.\nrent a tandem,Tandems cost thirty a day.\n", encoding="utf-8")

    result = runner.invoke(app, ["train", "embedder", "--pairs", str(pairs), "--out", str(tmp_path / "emb")])

    assert result.exit_code == 130, result.output
    assert "2 training questions, one hard negative each; base model" in flat(result.output)
    assert f"stopped; nothing was saved: {tmp_path / 'emb'} was not written" in flat(result.output)
    assert not (tmp_path / "emb").exists() and [p.name for p in tmp_path.iterdir()] == ["pairs.csv"]
