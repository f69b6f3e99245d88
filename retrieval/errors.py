"""Errors shared by the loaders."""

from __future__ import annotations


class UnreadableFile(ValueError):
    """A file that is binary, empty, too large, encrypted or malformed; the message says which."""
