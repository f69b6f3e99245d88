"""Web UI (Gradio): the customer chat page, served with the knowledge-base article pages."""

import os

# The assistant runs offline: no usage statistics or version checks from the web UI library.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
