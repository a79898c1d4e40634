"""Typed errors raised by the RAG layer.

Each message says what went wrong and what to do about it; only ui/ turns these into
user-facing text or exit codes.
"""


class CoursebotError(Exception):
    """Base class of every error coursebot raises on purpose."""


class ConfigError(CoursebotError):
    """A setting is missing, malformed or inconsistent."""


class InvalidQuestion(CoursebotError):
    """The question is empty, too long or otherwise unusable."""


class DocumentError(CoursebotError):
    """A document could not be read or parsed."""


class NoDocuments(CoursebotError):
    """The knowledge-base paths hold no readable documents."""


class IndexMissing(CoursebotError):
    """No index has been built yet."""


class IndexCorrupt(CoursebotError):
    """The index on disk is damaged or does not match the settings."""


class IndexWriteFailed(CoursebotError):
    """A new index version could not be written (disk full, no permission); the previous
    version is still live."""


class ModelLoadError(CoursebotError):
    """A model file is missing, unreadable or not the expected format."""


class GenerationError(CoursebotError):
    """Generation failed or ran without a processor it was told to use."""


class BackendUnavailable(GenerationError):
    """No generation server could be reached, or one failed in the middle of an answer."""


class WatermarkServerMismatch(GenerationError):
    """A generation server failed the watermark probe: it would not mark, or would mark
    with another key or processor version, so it is not used."""
