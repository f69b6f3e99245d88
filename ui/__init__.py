"""Web UI (Gradio): the customer chat page, served with the knowledge-base article pages."""

import os

# The assistant runs offline: no usage statistics or version checks from the web UI library.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

# After every event (each chat message, each open tab's poll) Gradio summarises its last
# GRADIO_ANALYTICS_MAX_EVENTS events in a pandas table, for a monitoring page these pages do not use:
# 4 ms of CPU per event at 1,000 events, 10 ms at Gradio's 10,000. Kept at 1,000 events and summarised at
# every 1,000th; a value set in the environment wins.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
