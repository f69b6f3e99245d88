"""FAQ entries get stable, unique ids; rows that cannot be used are reported with their line."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_files
from retrieval.loaders import faq_entry_ids, load_paths, slugify

SHOP_FAQ = """question,answer,url,tags,extra_col
Do you ship to Greenland?,"Yes, via Denmark.",,shipping,bar
Do you ship to Greenland?,"No, not any more.",,shipping,baz
,An answer without a question,,,
A question without an answer,,,,
"Too many fields","answer","u","t","e","extra1","extra2"
Short row
,,,,
How do I track a parcel sent with the Express Premium International Service option?,Use the link.,,,
How do I track a parcel sent with the Express Premium International Service option to Canada?,Canada Post.,,,
What are your opening hours?,9 to 5.,,,
What are your opening hours!,Nine to five.,,,
"""


def test_ordinary_questions_keep_their_slug_ids() -> None:
    assert faq_entry_ids(["Do you offer gift wrapping?", "Can I pay by cheque?"]) == ["do-you-offer-gift-wrapping", "can-i-pay-by-cheque"]
    assert slugify("Où est ma commande ?") == "ou-est-ma-commande"  # accents off, the letter kept (test_faq_ids_with_accents)


def test_colliding_questions_get_distinct_stable_ids() -> None:
    questions = ["What are your opening hours?", "What are your opening hours!", "What are your opening hours?"] + ["What are your opening hours?"]

    ids = faq_entry_ids(questions)

    assert ids[0] == "what-are-your-opening-hours"  # the first keeps its slug
    assert ids[1].startswith("what-are-your-opening-hours-") and len(ids[1]) == len(ids[0]) + 9  # + 8 hex digits
    assert ids[2].startswith("what-are-your-opening-hours-") and ids[2] != ids[1]
    assert ids[3] == ids[2] + "-2"  # the same question a third time
    assert faq_entry_ids(questions) == ids  # deterministic
    assert faq_entry_ids(questions[:2]) == ids[:2]  # adding an entry does not rename earlier ones


def test_non_latin_questions_keep_their_own_letters() -> None:
    ids = faq_entry_ids(["你们的退货政策是什么？", "如何联系客服？", "Как вернуть товар за 30 дней?", "???", "!!!"])

    assert ids[:3] == ["你们的退货政策是什么", "如何联系客服", "как-вернуть-товар-за-30-дней"]
    assert ids[3] == "entry" and ids[4].startswith("entry-")


def test_faq_file_entries_are_unique_and_bad_rows_are_reported(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"faqs/shop-faq.csv": SHOP_FAQ})

    report = load_paths([root])

    ids = [d.doc_id for d in report.documents]
    assert len(ids) == len(set(ids)) == 6
    assert ids[0] == "faqs/shop-faq#do-you-ship-to-greenland" and ids[1].startswith("faqs/shop-faq#do-you-ship-to-greenland-")
    assert "faqs/shop-faq#what-are-your-opening-hours" in ids
    reasons = {path.rsplit("/", 1)[-1]: reason for path, reason in report.skipped}
    assert reasons == {
        "shop-faq.csv (line 4)": "FAQ row without a question",
        "shop-faq.csv (line 5)": "FAQ row without an answer",
        "shop-faq.csv (line 6)": "7 fields where the header has 5; quote a value that contains a comma",
        "shop-faq.csv (line 7)": "FAQ row without an answer",
    }  # the empty row (line 8) is passed over quietly


def test_a_question_asked_again_with_another_answer_is_noted(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"faqs/shop-faq.csv": SHOP_FAQ, "same.json": json.dumps(
        [{"question": "Can I pay later?", "answer": "Yes."}, {"question": "can I pay  later", "answer": "Yes."}]
    )})

    report = load_paths([root])

    notes = {Path(where).name: note for where, note in report.notes}
    assert set(notes) == {"shop-faq.csv (line 3)", "shop-faq.csv (line 12)"}  # the same answer twice is no conflict
    assert notes["shop-faq.csv (line 3)"].startswith("repeats the question of line 2 with another answer")
    assert notes["shop-faq.csv (line 12)"].startswith("repeats the question of line 11")  # "hours!" = "hours?"
    assert len(report.documents) == 8  # noted, and still indexed


def test_json_entries_are_reported_by_number(tmp_path: Path) -> None:
    rows = [{"question": "Kept?", "answer": "Yes."}, {"question": "No answer key?"}]
    report = load_paths([write_files(tmp_path / "kb", {"faq.json": json.dumps(rows)})])

    assert [d.doc_id for d in report.documents] == ["faq#kept"]
    assert [(Path(p).name, r) for p, r in report.skipped] == [("faq.json (entry 2)", "FAQ row without an answer")]


def test_json_entries_whose_question_or_answer_is_not_text_are_reported_not_indexed(tmp_path: Path) -> None:
    rows = [
        {"question": "Kept?", "answer": "Yes."},
        {"question": 42, "answer": ["not", "a", "string"]},
        {"question": "How many days to return?", "answer": 30},
    ]
    report = load_paths([write_files(tmp_path / "kb", {"faq.json": json.dumps(rows)})])

    assert [d.doc_id for d in report.documents] == ["faq#kept"]
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert set(reasons) == {"faq.json (entry 2)", "faq.json (entry 3)"}
    assert "question is a number, answer is a list" in reasons["faq.json (entry 2)"]
    assert "answer is a number" in reasons["faq.json (entry 3)"] and "must be text" in reasons["faq.json (entry 3)"]


def test_an_empty_faq_list_says_so(tmp_path: Path) -> None:
    report = load_paths([write_files(tmp_path / "kb", {"faq.json": "[]"})])

    assert [(Path(p).name, r) for p, r in report.skipped] == [("faq.json", "no FAQ entries")]


def test_faq_csv_saved_with_semicolons_or_tabs_loads(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {
            "excel.csv": 'question;answer\n"How long is shipping?";"3 to 5 days, express 1 day."\n',
            "unicode-text.csv": "question\tanswer\nDo you ship to Canada?\tYes, duties paid at checkout.\n",
            "german.csv": "Frage;Antwort\nWie lange dauert der Versand?;3 bis 5 Tage.\n",
        },
    )

    report = load_paths([root])

    assert sorted((d.doc_id, d.text) for d in report.documents) == [
        ("excel#how-long-is-shipping", "3 to 5 days, express 1 day."),
        ("unicode-text#do-you-ship-to-canada", "Yes, duties paid at checkout."),
    ]
    [(path, reason)] = report.skipped
    assert Path(path).name == "german.csv"
    assert reason == "an FAQ file needs 'question' and 'answer' columns (it has: Frage, Antwort; the faq_columns setting names others)"
    assert [d.title for d in load_paths([root / "german.csv"], faq_columns=("Frage", "Antwort")).documents] == ["Wie lange dauert der Versand?"]


def test_a_csv_whose_quote_is_never_closed_is_skipped_naming_the_line_and_the_rest_loads(tmp_path: Path) -> None:
    rows = ["question,answer", "Do you ship abroad?,Yes.", '"Where is my order?,Use the tracking link.']
    rows += [f"Question {n}?,Answer {n} {'x' * 100}" for n in range(2000)]  # the open quote swallows them all
    root = write_files(tmp_path / "kb", {"faq.csv": "\n".join(rows) + "\n", "ok.md": "# OK\n\nStill indexed.\n"})

    report = load_paths([root])

    assert [d.doc_id for d in report.documents] == ["ok"]
    [(path, reason)] = report.skipped
    assert Path(path).name == "faq.csv"
    assert reason == "the CSV row starting on line 3 cannot be read (field larger than field limit (131072)); is a quote there not closed?"
