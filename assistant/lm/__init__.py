"""Language models: turn a prompt into text (streamed). They know nothing of dialogs or retrieval."""

from assistant.lm.base import Generator, ScriptedGenerator

__all__ = ["Generator", "ScriptedGenerator"]
