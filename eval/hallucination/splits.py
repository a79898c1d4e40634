"""Dev/test split of a question set, fixed by a hash of each question's id.

The split is decided before any question is run, does not depend on the order or the
content of the file, and is recorded in every item (`split`), so that constants are
tuned on "dev" and the figures reported come from "test", which tuning never saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from eval.hallucination.errors import QuestionFileError
from eval.hallucination.questions import Question, Split

DEV_SHARE = 0.5


def split_of(question_id: str, dev_share: float = DEV_SHARE) -> Split:
    """ "dev" or "test" for an id: the first 8 bytes of its SHA-256 as a fraction of 2**64."""
    digest = hashlib.sha256(question_id.encode("utf-8")).digest()
    return "dev" if int.from_bytes(digest[:8], "big") / 2**64 < dev_share else "test"


def select_split(questions: Sequence[Question], split: Split | None) -> list[Question]:
    """The questions of one split (all of them for None).

    Raises:
        QuestionFileError: a question records a split other than its id's hash gives, or
            none, when a split is asked for; the file must be re-split, not hand-edited.
    """
    if split is None:
        return list(questions)
    wrong = [q.id for q in questions if q.split != split_of(q.id)]
    if wrong:
        raise QuestionFileError(
            f"{len(wrong)} question(s) record no split or a split their id does not hash to "
            f"(first: {wrong[0]!r}); record split = split_of(id) for every item "
            "(eval.hallucination.splits) before selecting --split."
        )
    return [q for q in questions if q.split == split]
