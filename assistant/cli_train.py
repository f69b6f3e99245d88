"""`assistant train ...`: fine-tune the packaged models on a team's own data.

Each kind of model registers its command on ``train_app`` from its own module
(``cli_train_*.py``); ``assistant/cli.py`` imports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

train_app = typer.Typer(
    help="Fine-tune the packaged models: intent classifier, encoder (masked LM), reranker, embedder, generator.",
    no_args_is_help=True,
)


@contextmanager
def transformers_bars_off() -> Iterator[None]:
    """transformers' own bars ("Loading weights", "Writing model shards") are off meanwhile: a training
    command shows one bar over its steps and its own lines, not a bar for every load and save."""
    from transformers.utils import logging as transformers_logging

    was_enabled = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            transformers_logging.enable_progress_bar()
