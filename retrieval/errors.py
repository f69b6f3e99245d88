"""Errors shared by the loaders and the index writers."""

from __future__ import annotations


class UnreadableFile(ValueError):
    """A file that is binary, empty, too large, encrypted or malformed; the message says which."""


class IndexWriteError(RuntimeError):
    """The index (or its lock or kept vectors beside it) cannot be written: a read-only folder, a full disk."""

    def __init__(self, index_dir: object, error: BaseException) -> None:
        reason = getattr(error, "strerror", None) or str(error).split(" failed: ")[-1]  # FAISS: "Error in ...: 'f' failed: why"
        where = getattr(error, "filename", None)
        super().__init__(
            f"cannot write the index in {index_dir}: {reason}{f' ({where})' if where else ''}. The index is as it "
            "was; free disk space or set a writable index_dir, then run it again."
        )
