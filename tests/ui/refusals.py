"""Checks of a staff page's refusal (``ui.errors.refuse``): the reason said once in a warning (the browser's toast),
and an error with the same reason raised (what an API caller gets), without a notice of its own."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr
import pytest


@contextmanager
def refused(match: str = "") -> Iterator[list[warnings.WarningMessage]]:
    """The block must be refused with a reason matching ``match`` (a regular expression); gives the warnings said."""
    with pytest.warns(UserWarning, match=match) as said:
        with pytest.raises(gr.Error) as raised:
            yield said.list
    assert re.search(match, raised.value.message), raised.value.message
    assert not raised.value.visible  # the toast said it: no second notice in the browser
    assert [str(w.message) for w in said if issubclass(w.category, UserWarning)] == [raised.value.message]  # said once
