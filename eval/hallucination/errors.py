"""Typed errors of the hallucination evaluation; the CLI turns them into messages."""

from rag.errors import CoursebotError


class QuestionFileError(CoursebotError):
    """The question set is missing or a line of it is malformed (the message names the line)."""


class LabelFileError(CoursebotError):
    """The verifier's labelled pairs are missing or malformed."""


class RunDirError(CoursebotError):
    """A run directory is missing, damaged, or holds a run with other settings."""
