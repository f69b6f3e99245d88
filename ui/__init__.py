"""Web UI (Gradio): the customer chat page, served with the knowledge-base article pages."""
