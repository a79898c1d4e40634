"""Human rating of coursebot's answers: store, assignment, statistics and reports."""

from eval.rating.errors import (
    AlreadyRated,
    DuplicateRater,
    InvalidRating,
    NotAssigned,
    RatingError,
    RunImportError,
    UnknownItem,
    UnknownRater,
)
from eval.rating.models import NewItem, RaterView
from eval.rating.store import RatingStore

__all__ = [
    "AlreadyRated",
    "DuplicateRater",
    "InvalidRating",
    "NewItem",
    "NotAssigned",
    "RaterView",
    "RatingError",
    "RatingStore",
    "RunImportError",
    "UnknownItem",
    "UnknownRater",
]
