"""The training CSV's checks, splits and folds, and the public dataset readers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dialog.nlu.data import (
    Example, IntentDataError, load_public, read_csv, read_messages, similar_labels, stratified_folds, stratified_split,
)

from nlu_fixtures import shared_dataset


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "intents.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_reads_a_valid_file_with_bom_quotes_and_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, '\ufefftext,label\n"hi, there",greet\nhello,greet\n\nrefund please,refund\nmoney back,refund\n')
    examples = read_csv(path)
    assert examples[0] == Example("hi, there", "greet") and len(examples) == 4


def test_label_column_may_come_first(tmp_path: Path) -> None:
    examples = read_csv(_write(tmp_path, "label,text\ngreet,hi\ngreet,hello\nrefund,refund me\nrefund,money back\n"))
    assert examples[0] == Example("hi", "greet")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,label\nhi,greet\nhello,\nbye,goodbye\nsee you,goodbye\n", r"1 row\(s\) with a missing label, lines 3"),
        ("text,label\nhi,greet\nhello,greet\nbye,goodbye\n", r"at least 2 examples.*goodbye \(1\)"),
        ("text,category\nhi,greet\n", r"unknown column\(s\): category; missing column\(s\): label.*rename 'category'"),
        ("text,label,extra\nhi,greet,x\n", r"unknown column\(s\): extra; expected exactly the columns text,label"),
        ("text,label\nhi,greet\nhello,greet\n", r"at least 2 different labels"),
        ("", r"is empty"),
        ("text,label\n", r"intents\.csv holds no examples; expected one example per row"),  # "at least 2 different labels are needed, found 0"
        ("text,label\nhi,greet,oops\nhello,greet\nbye,goodbye\nciao,goodbye\n", r"without exactly 2 fields.*line.*2"),
        ("text,label\n,greet\nhello,greet\nbye,goodbye\nciao,goodbye\n", r"empty text, lines 2"),
        # accepted silently before: a spreadsheet saved with semicolons, one text under two labels, 'Greet' beside 'greet'
        ("text;label\nhi;greet\n", r"separated by commas, not semicolons or tabs"),
        ("text,label\nhi,greet\nhello,greet\nbye,goodbye\nHello ,goodbye\n", r"1 text\(s\) given two different labels \(line 5 \(goodbye\) repeats line 3 \(greet\)\)"),
        ("text,label\nhi,greet\nhello,greet\nhey,Greet\nyo,Greet\nbye,goodbye\nciao,goodbye\n", r"differ only in case.*: Greet / greet"),
        ("text,label\nhi,greet\nhello,greet\njoke,out-of-scope\npoem,out-of-scope\n", r"the out-of-scope label is spelt oos, not out-of-scope"),
        ("text,label\nhi,greet\nhello,greet\njoke,OOS\npoem,OOS\n", r"spelt oos, not OOS"),
    ],
)
def test_bad_files_get_clear_messages(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(IntentDataError, match=message):
        read_csv(_write(tmp_path, content))


def test_a_quote_never_closed_is_found_where_it_opens(tmp_path: Path) -> None:
    content = 'text,label\nhi,greet\n"where is my order,order_status\nhello,greet\nbye,goodbye\nciao,goodbye\n'
    with pytest.raises(IntentDataError, match=r"lines 3; the row on line 3 runs on to line 6: a quote opened there is not closed"):
        read_csv(_write(tmp_path, content))


def test_a_field_past_the_csv_size_limit_is_one_clear_error(tmp_path: Path) -> None:
    """A quote never closed in a large file (or a pasted document) made one field of megabytes: the csv
    module's own error escaped as a traceback."""
    content = 'text,label\nhi,greet\nhello,greet\n"' + "and so on " * 20_000 + "\nbye,goodbye\nciao,goodbye\n"
    with pytest.raises(IntentDataError, match=r"the row starting on line 4 has a field of more than 131,072 characters \(a quote opened there"):
        read_csv(_write(tmp_path, content))


def test_masked_lm_text_from_a_broken_csv_is_one_clear_error(tmp_path: Path) -> None:
    from dialog.nlu.mlm import read_texts

    (tmp_path / "faq.csv").write_text('question,answer\n"' + "and so on " * 20_000 + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"faq.csv: the row starting on line 2 has a field of more than 131,072 characters"):
        read_texts([tmp_path])


def test_a_label_one_letter_off_another_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A misspelt label trained silently as an intent of its own, taking messages from the right one."""
    content = ("text,label\nwhere is my order,order_status\nhas it shipped,order_status\ntrack my parcel,order_status\n"
               "is it coming,order_staus\nwhen does it arrive,order_staus\nhi,greet\nhello,greet\n")
    with caplog.at_level("WARNING", logger="dialog.nlu.data"):
        read_csv(_write(tmp_path, content))
    assert "labels 'order_staus' (2 examples) and 'order_status' (3) differ by one letter" in caplog.text
    assert similar_labels(["refund", "refunds", "yes", "yet", "card_lost", "card_list", "cancel", "account"]) == [
        ("card_list", "card_lost"), ("refund", "refunds")]


def test_repeated_examples_are_left_out_so_that_none_sits_in_training_and_validation_alike(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path, "text,label\nhi,greet\nhello,greet\nHi,greet\nbye,goodbye\nciao,goodbye\nbye,goodbye\n")

    examples = read_csv(path)

    assert [e.text for e in examples] == ["hi", "hello", "bye", "ciao"]
    assert "2 repeated example(s) left out (lines 4, 7)" in caplog.text


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "text,label\nhi,greet\ncaf\xe9,greet\n".encode("latin-1"))
    with pytest.raises(IntentDataError, match=r"not UTF-8 text \(byte 0xe9 on line 3\)"):
        read_csv(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        read_csv(tmp_path / "nope.csv")


def test_a_folder_is_refused_as_a_folder_naming_the_csv_files_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    with pytest.raises(IntentDataError, match=r"data is a folder; give the file itself \(it holds no \.csv file\)"):
        read_csv(folder)
    (folder / "intents.csv").write_text("text,label\nhi,greet\nhello,greet\n", encoding="utf-8")
    (folder / "more.csv").write_text("text,label\n", encoding="utf-8")
    with pytest.raises(IntentDataError, match=r"is a folder; give the file itself, e\.g\. .*intents\.csv \(it also holds more\.csv\)"):
        read_csv(folder)
    with pytest.raises(IntentDataError, match="is a folder"):
        read_messages(folder)


def test_message_files_are_read_line_by_line_with_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "outliers.txt"
    path.write_text("\ufeffwho won the 1998 world cup\n\n  what is a prime number  \n", encoding="utf-8")
    assert read_messages(path) == ["who won the 1998 world cup", "what is a prime number"]
    path.write_text("\n \n", encoding="utf-8")
    with pytest.raises(IntentDataError, match="holds no messages"):
        read_messages(path)
    path.write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(IntentDataError, match=r"not UTF-8 text \(byte 0xe9 on line 2\)"):
        read_messages(path)
    with pytest.raises(FileNotFoundError, match="not found"):
        read_messages(tmp_path / "none.txt")


def test_stratified_split_keeps_every_label_on_both_sides() -> None:
    examples = [Example(f"{label} {i}", label) for label, n in (("a", 2), ("b", 10), ("c", 30)) for i in range(n)]
    train, valid = stratified_split(examples, 0.2, seed=1)
    assert Counter(e.label for e in valid) == {"a": 1, "b": 2, "c": 6}
    assert {e.label for e in train} == {"a", "b", "c"}
    assert sorted(train + valid, key=lambda e: e.text) == sorted(examples, key=lambda e: e.text)
    assert stratified_split(examples, 0.2, seed=1) == (train, valid)


def test_folds_are_disjoint_and_balanced() -> None:
    examples = [Example(f"{label} {i}", label) for label in "abc" for i in range(10)]
    folds = stratified_folds(examples, 5)
    assert sum(len(f) for f in folds) == 30 and len({e.text for f in folds for e in f}) == 30
    assert all(Counter(e.label for e in f) == {"a": 2, "b": 2, "c": 2} for f in folds)
    with pytest.raises(IntentDataError, match="at least 11 examples per label"):
        stratified_folds(examples, 11)


def test_public_readers_on_shared_data() -> None:
    banking = load_public("banking77", shared_dataset("banking77"))
    assert (len(banking.train), len(banking.test), banking.valid) == (10003, 3080, None)
    clinc = load_public("clinc150", shared_dataset("clinc150_oos"))
    assert (len(clinc.train), len(clinc.valid), len(clinc.test)) == (15100, 3100, 5500)
    assert sum(e.label == "oos" for e in clinc.test) == 1000
    oos = load_public("banking77-oos", shared_dataset("banking77_oos"))
    # a few source lines are empty (2 in train, 2 in id-oos/valid, 4 in id-oos/test); they are dropped
    assert (len(oos.train), len(oos.valid), len(oos.test)) == (5903, 1506 + 528, 2000 + 1076)
    assert sum(e.label == "oos" for e in oos.extra_tests["ood-oos"]) == 1000


def test_unknown_dataset_and_wrong_folder(tmp_path: Path) -> None:
    with pytest.raises(IntentDataError, match="unknown dataset"):
        load_public("snips", tmp_path)
    with pytest.raises(FileNotFoundError, match="banking77"):
        load_public("banking77", tmp_path)


def test_demo_intents_file_is_valid() -> None:
    examples = read_csv(Path(__file__).resolve().parents[3] / "demo" / "intents.csv")
    counts = Counter(e.label for e in examples)
    assert {"order_status", "cancel_order", "return_item", "refund", "human", "greet", "thanks", "goodbye", "complaint"} <= set(counts)
    assert min(counts.values()) >= 15


def test_masked_lm_text_files_name_what_is_wrong(tmp_path: Path) -> None:
    """A PDF given by name was read as text; an empty folder and a Latin-1 file got no hint of why."""
    from dialog.nlu.mlm import read_texts

    (tmp_path / "manual.pdf").write_bytes(b"%PDF-1.4 some words of binary")
    with pytest.raises(ValueError, match=r"manual\.pdf: train mlm reads Markdown, text and CSV files \(\.csv, \.markdown, \.md, \.txt\)"):
        read_texts([tmp_path / "manual.pdf"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"empty holds no Markdown, text or CSV files"):
        read_texts([tmp_path / "empty"])
    (tmp_path / "notes.txt").write_bytes("first line of words\ncaf\xe9 au lait here\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"notes\.txt is not UTF-8 text \(byte 0xe9 on line 2\)"):
        read_texts([tmp_path / "notes.txt"])
