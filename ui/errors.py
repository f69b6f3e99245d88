"""What the staff pages say when they refuse something.

A refused action (no permission, a filter that cannot be read, the database down, nothing open) ends in an error, so
that an API caller of the page's endpoints (``gradio_client``'s ``predict(..., api_name="/export")``) gets an error
with the reason instead of a success with no result, and steps chained with ``.success`` do not run. In the browser
the reason is a warning toast; the error itself is sent without a notice of its own (``visible=False``), and the page's
script hides the red "Error" marks Gradio puts over the outputs of such an error (``ui.review_style``), so every output
reads as it was. A failure of the server is a visible error: its notice and its marks stay.
"""

from __future__ import annotations

from typing import NoReturn

import gradio as gr


def refusal(message: str) -> gr.Error:
    """A refusal to raise inside a handler: ``database_errors_said`` (``ui.review``) turns it into ``refuse``. On its
    own, Gradio shows it as an error; no traceback in the server's log either way."""
    return gr.Error(message, print_exception=False)


def refuse(message: str) -> NoReturn:
    """Refuse the action being handled: ``message`` in a warning toast, then an error that carries it to an API caller
    but shows no second notice in the browser (see the module docstring)."""
    gr.Warning(message)
    raise gr.Error(message, visible=False, print_exception=False)


def is_refused(error: gr.Error) -> bool:
    """Whether ``error`` was raised by ``refuse`` (its toast said already)."""
    return not error.visible
