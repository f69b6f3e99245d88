"""What the staff pages say when they refuse something."""

from __future__ import annotations

import gradio as gr


def refusal(message: str) -> gr.Error:
    """A message for the member of staff (a toast), not an error of the server: no traceback in its log."""
    return gr.Error(message, print_exception=False)
