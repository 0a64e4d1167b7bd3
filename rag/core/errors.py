"""The small error hierarchy. Every message says how to fix the problem."""

from __future__ import annotations


class RagError(Exception):
    """Base class for errors shown to users as a plain message."""


class InvalidQuestionError(RagError, ValueError):
    """The question is empty, too long, or not text."""


class UnknownSourceError(RagError, ValueError):
    """A source named to restrict an answer is not an indexed article."""


class EmptyCorpusError(RagError):
    """No readable article was found where the user pointed."""


class IndexMissingError(RagError):
    """The index has not been built yet."""


class IndexCorruptError(RagError):
    """The index on disk cannot be read."""


class IndexBusyError(RagError):
    """The index is being rebuilt by another process or thread."""


class ModelError(RagError):
    """A model file is missing, damaged or cannot be loaded."""


class UploadError(RagError, ValueError):
    """An uploaded file was refused (type, size, encoding or name)."""


class NativeCrashError(ModelError):
    """The native llama.cpp library crashed in a test process (the message names CPU and fix)."""
