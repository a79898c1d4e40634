"""Spans of a text quoted from the indexed documents, verbatim or nearly.

Every `size`-word shingle of every chunk goes into a set. A word of the pasted text is
quoted when a shingle holding it is in the set; runs of quoted words separated by at most
`max_gap` other words (a few edited words) are joined, and runs of at least `min_words`
words are reported with the chunk most of their shingles came from.

The index also keeps the chunks' shingles that hold a citation marker ("[3]"), with the
markers kept as words, so that a marker a document itself carries is never taken for
one of coursebot's (`foreign_markers`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel

from rag.chunking import Chunk
from rag.provenance.shingles import Word, covered, is_marker, shingle_strings, words


class QuoteSpan(BaseModel):
    """A stretch [start, end) of the text (characters) that matches a document chunk."""

    start: int
    end: int
    words: int
    matched_share: float
    chunk_id: str
    source: str
    section: str


class QuoteIndex:
    """Word shingles of the indexed chunks, for finding quotes in any text."""

    def __init__(self, chunks: Sequence[Chunk], size: int = 4) -> None:
        self.size = size
        self.chunks = list(chunks)
        self._owner: dict[str, int] = {}
        self._marked: set[str] = set()
        for number, chunk in enumerate(self.chunks):
            for shingle in shingle_strings(words(chunk.text), size):
                self._owner.setdefault(shingle, number)
            self._marked.update(_marker_shingles(words(chunk.text, markers=True), size))

    def __len__(self) -> int:
        return len(self._owner)

    def known(self, shingles: Sequence[str]) -> list[bool]:
        """Is each shingle found in some document chunk?"""
        return [s in self._owner for s in shingles]

    def foreign_markers(self, marked: list[Word]) -> list[Word]:
        """The citation markers of `marked` (words kept with `markers=True`) that are not
        the documents' own: no shingle holding the marker is in any chunk."""
        size = self.size
        found = []
        for i, word in enumerate(marked):
            if not is_marker(word):
                continue
            around = shingle_strings(marked[max(0, i - size + 1) : i + size], size)
            if not any(s in self._marked for s in around):
                found.append(word)
        return found

    def find(
        self, text: str, min_words: int = 8, max_gap: int = 3, items: list[Word] | None = None
    ) -> list[QuoteSpan]:
        """The quoted stretches of `text`, in order."""
        items = words(text) if items is None else items
        shingles = shingle_strings(items, self.size)
        hits = [i for i, s in enumerate(shingles) if s in self._owner]
        mask = covered(len(items), hits, self.size)
        spans: list[QuoteSpan] = []
        for first, last in _runs(mask, max_gap):
            if last - first + 1 < min_words:
                continue
            inside = [i for i in hits if first <= i <= last]
            owner = Counter(self._owner[shingles[i]] for i in inside).most_common(1)[0][0]
            chunk = self.chunks[owner]
            spans.append(
                QuoteSpan(
                    start=items[first].start,
                    end=items[last].end,
                    words=last - first + 1,
                    matched_share=sum(mask[first : last + 1]) / (last - first + 1),
                    chunk_id=chunk.chunk_id,
                    source=chunk.source,
                    section=chunk.section,
                )
            )
        return spans


def _marker_shingles(items: list[Word], size: int) -> list[str]:
    if not any(is_marker(w) for w in items):
        return []
    return [s for s in shingle_strings(items, size) if "[" in s]


def _runs(mask: list[bool], max_gap: int) -> list[tuple[int, int]]:
    """(first, last) word indices of True runs, joining runs split by <= max_gap Falses."""
    runs: list[tuple[int, int]] = []
    for i, value in enumerate(mask):
        if not value:
            continue
        if runs and i - runs[-1][1] - 1 <= max_gap:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
