"""The small error hierarchy. Every message says how to fix the problem."""

from __future__ import annotations


class RagError(Exception):
    """Base class for errors shown to users as a plain message."""


class InvalidQuestionError(RagError, ValueError):
    """The question is empty, too long, or not text."""


class InvalidOptionError(RagError, ValueError):
    """A command's option has a value the command does not take (the message names the ones it does)."""


class UnknownSourceError(RagError, ValueError):
    """A source named to restrict an answer is not an indexed article."""


class EmptyCorpusError(RagError):
    """No readable article was found where the user pointed."""


class IndexMissingError(RagError):
    """The index has not been built yet."""


class IndexOtherCorpusError(RagError):
    """The index holds articles, none from the corpus folder the user named."""


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


class AccessError(RagError, ValueError):
    """Serving would be open to anyone, or a key, user, password or users file is not usable."""


class FairUseError(RagError):
    """A client asked more than its share of the one model: too many questions a minute, too many
    queued, or its question waited too long. `code` names which; `retry_after` is in seconds."""

    def __init__(self, message: str, *, code: str, retry_after: int) -> None:
        super().__init__(message)
        self.code, self.retry_after = code, retry_after
