"""`assistant train ...`: fine-tune the packaged models on a team's own data.

Each kind of model registers its command on ``train_app`` from its own module
(``cli_train_*.py``); ``assistant/cli.py`` imports them.
"""

from __future__ import annotations

import typer

train_app = typer.Typer(
    help="Fine-tune the packaged models: intent classifier, encoder (masked LM), reranker, embedder, generator.",
    no_args_is_help=True,
)
