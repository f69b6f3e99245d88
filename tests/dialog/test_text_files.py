"""The one reading of a team's text files that the rules, conversation tests and intent CSVs share."""

from __future__ import annotations

import pytest

from dialog.text_files import NotUtf8, decode_utf8, line_list


def test_utf8_text_is_read_without_its_byte_order_mark() -> None:
    assert decode_utf8("\ufeffproducts: [Fahrräder]\n".encode()) == "products: [Fahrräder]\n"


def test_text_in_another_encoding_names_the_byte_and_its_line() -> None:
    with pytest.raises(NotUtf8, match=r"^not UTF-8 text \(byte 0xe4 on line 2\)$"):
        decode_utf8("a: 1\nb: Fahrräder\n".encode("latin-1"))


def test_a_long_list_of_lines_is_cut_with_a_count() -> None:
    assert line_list([3, 5]) == "3, 5"
    assert line_list(list(range(1, 12)), limit=3) == "1, 2, 3 and 8 more"
