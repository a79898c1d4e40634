"""Typed errors of the human-rating harness; each message says what to do next."""

from __future__ import annotations

from rag.errors import CoursebotError


class RatingError(CoursebotError):
    """Base class of every rating-harness error."""


class UnknownRater(RatingError):
    """A rater ID that was never registered."""


class DuplicateRater(RatingError):
    """A rater with this ID is already registered."""


class UnknownItem(RatingError):
    """An item ID that is not in the ratings store."""


class InvalidRating(RatingError):
    """A score out of range, a missing dimension or an unknown verdict."""


class AlreadyRated(RatingError):
    """The rater has already rated this item; each rater rates an item once."""


class NotAssigned(RatingError):
    """The rater was not given this item (or not shown it with a side order)."""


class RunImportError(RatingError):
    """An evaluation run directory is missing, malformed or shares no questions."""
