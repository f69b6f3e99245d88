"""An FAQ entry's id keeps the words of its question readable: accented Latin letters are written without their
accents ("¿Envían a España?" is ``envian-a-espana``; it was ``env-an-a-espa-a``), German, French and Nordic letters
as they are spelt without them (ß: ss, æ: ae, ø: o, å: a, œ: oe). An id given out before still finds its entry:
``resolve_faq_id`` takes it to the id the entry has in the index (an alias, not a second entry)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from conftest import write_files
from retrieval.loaders import faq_entry_aliases, faq_entry_ids, load_paths, resolve_faq_id, slugify


@pytest.mark.parametrize(("text", "expected"), [
    ("¿Envían a España?", "envian-a-espana"),
    ("Où est ma commande ?", "ou-est-ma-commande"),
    ("Wie lange dauert der Versand nach Österreich?", "wie-lange-dauert-der-versand-nach-osterreich"),
    ("Liefern Sie in die Straße?", "liefern-sie-in-die-strasse"),
    ("Sender I til Ærø og Færøerne?", "sender-i-til-aero-og-faeroerne"),
    ("Kan jeg betale i Ålesund?", "kan-jeg-betale-i-alesund"),
    ("Où trouver mon œuvre ?", "ou-trouver-mon-oeuvre"),
    ("Czy wysyłacie do Łodzi?", "czy-wysylacie-do-lodzi"),
    ("Do you ship to Greenland?", "do-you-ship-to-greenland"),  # ASCII questions keep their ids
])
def test_latin_letters_are_written_without_their_accents(text: str, expected: str) -> None:
    assert slugify(text) == expected


def test_a_decomposed_question_gets_the_id_of_the_composed_one() -> None:
    question = "¿Envían a España?"

    assert slugify(unicodedata.normalize("NFD", question)) == slugify(question) == "envian-a-espana"


def test_other_scripts_keep_their_letters() -> None:
    assert slugify("Какой срок доставки?") == "какой-срок-доставки"  # й is no accented и
    assert slugify("你们的退货政策是什么？") == "你们的退货政策是什么"
    assert slugify("Πού είναι η παραγγελία μου;") == "πού-είναι-η-παραγγελία-μου"


def test_each_entry_whose_id_changed_has_its_old_id_as_an_alias() -> None:
    questions = ["¿Envían a España?", "Do you ship to Greenland?", "¿Cuánto cuesta?"]

    assert faq_entry_ids(questions) == ["envian-a-espana", "do-you-ship-to-greenland", "cuanto-cuesta"]
    assert faq_entry_aliases(questions) == {"env-an-a-espa-a": "envian-a-espana", "cu-nto-cuesta": "cuanto-cuesta"}


def test_an_old_id_that_is_another_entrys_id_today_stays_that_entrys() -> None:
    questions = ["Où est ma commande ?", "O est ma commande"]  # old ids: o-est-ma-commande and o-est-ma-commande-<hash>

    ids = faq_entry_ids(questions)
    aliases = faq_entry_aliases(questions)

    assert ids[:2] == ["ou-est-ma-commande", "o-est-ma-commande"]
    assert "o-est-ma-commande" not in aliases and set(aliases.values()) <= set(ids)


SPANISH_FAQ = "question,answer\n¿Envían a España?,\"Sí, en 3 días.\"\n¿Cuánto cuesta el envío?,5 euros.\nDo you ship to Greenland?,No.\n"


@pytest.fixture
def indexed(tmp_path: Path) -> dict[str, dict]:
    """The index's documents record of a folder with a Spanish FAQ file, as an ingest writes it."""
    root = write_files(tmp_path / "kb", {"es/faq.csv": SPANISH_FAQ, "shipping.md": "# Shipping\n\nWe ship."})
    return {document.doc_id: {"source": document.source} for document in load_paths([root]).documents}


def test_the_index_holds_the_new_ids(indexed: dict[str, dict]) -> None:
    assert "es/faq#envian-a-espana" in indexed and "es/faq#cuanto-cuesta-el-envio" in indexed


def test_an_old_id_resolves_to_the_same_entry(indexed: dict[str, dict]) -> None:
    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") == "es/faq#envian-a-espana"
    assert resolve_faq_id(indexed, "es/faq#cu-nto-cuesta-el-env-o") == "es/faq#cuanto-cuesta-el-envio"


def test_ids_of_today_and_unknown_ids(indexed: dict[str, dict]) -> None:
    assert resolve_faq_id(indexed, "es/faq#envian-a-espana") == "es/faq#envian-a-espana"
    assert resolve_faq_id(indexed, "shipping") == "shipping"
    assert resolve_faq_id(indexed, "es/faq#no-such-question") is None
    assert resolve_faq_id(indexed, "es/other#env-an-a-espa-a") is None
    assert resolve_faq_id(indexed, "nothing") is None


def test_an_index_that_still_holds_an_old_id_finds_it_by_the_new_one(indexed: dict[str, dict]) -> None:
    before = {key.replace("envian-a-espana", "env-an-a-espa-a"): info for key, info in indexed.items()}  # built before

    assert resolve_faq_id(before, "es/faq#envian-a-espana") == "es/faq#env-an-a-espa-a"
    assert resolve_faq_id(before, "es/faq#env-an-a-espa-a") == "es/faq#env-an-a-espa-a"


def test_a_file_that_cannot_be_read_any_more_resolves_nothing_but_ids_it_holds(indexed: dict[str, dict]) -> None:
    Path(indexed["es/faq#envian-a-espana"]["source"]).unlink()

    assert resolve_faq_id(indexed, "es/faq#env-an-a-espa-a") is None
    assert resolve_faq_id(indexed, "es/faq#envian-a-espana") == "es/faq#envian-a-espana"
