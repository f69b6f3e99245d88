"""Retrieval: documents in, scored passages out."""
