"""A chosen quote made readable: the list it introduces, the rest of its paragraph, the
worked example and calculation after it, and its Markdown removed.

The sentence that best matches a question is often the point a course states before it
works it out ("Example: 8 of 100 emails are wrong. Error rate = 8/100 = 8%."); quoted
alone, it loses the figure the reader asked for. These helpers depend only on the passage
text, never on the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.setting_groups import DEFAULT_TUNING
from rag.text import split_sentences

_LIST_AFTER = re.compile(r"(?:\s*(?:\d+[.)]|[-*•])\s+[^\n]+)+")


def following_list(passage_text: str, sentence: str) -> list[str]:
    """The list items that directly follow `sentence` in the passage ("...stages." then 1., 2.)."""
    at = passage_text.find(sentence)
    if at < 0:
        return []
    block = _LIST_AFTER.match(passage_text, at + len(sentence))
    if block is None:
        return []
    return [line.strip() for line in block.group(0).splitlines() if line.strip()]


def _paragraphs(text: str) -> list[list[str]]:
    return [split_sentences(block) for block in re.split(r"\n\s*\n", text) if block.strip()]


def widen_quote(
    passage_text: str,
    quoted: list[str],
    max_chars: int = DEFAULT_TUNING.max_quote_chars,
    example_leads: Sequence[str] = tuple(DEFAULT_TUNING.example_leads),
) -> list[str]:
    """The quoted sentences with the rest of their paragraphs, then a following paragraph
    that opens with one of `example_leads` ("Example"), as far as `max_chars` allows.

    The course states a point and then works it out ("Example: 8 of 100 emails are wrong.
    Error rate = 8/100 = 8%."); a sentence cut from its paragraph loses the figure or the
    example a reader asked about. The sentences first chosen are always kept.
    """
    paragraphs = _paragraphs(passage_text)
    wanted = set(quoted)
    if not wanted <= {s for sentences in paragraphs for s in sentences}:
        return quoted
    holding = [i for i, sentences in enumerate(paragraphs) if wanted & set(sentences)]
    following = holding[-1] + 1
    leads = tuple(lead.lower() for lead in example_leads)
    if following < len(paragraphs) and leads and paragraphs[following][0].lower().startswith(leads):
        holding.append(following)
    result = list(quoted)
    used = sum(map(len, result))
    for i in holding:
        extra = [s for s in paragraphs[i] if s not in wanted]
        cost = sum(len(s) + 1 for s in extra)
        if extra and used + cost <= max_chars:
            result.extend(extra)
            used += cost
    order = {s: n for n, s in enumerate(s for p in paragraphs for s in p)}
    return sorted(dict.fromkeys(result), key=lambda s: order.get(s, len(order)))


_CALCULATION = re.compile(r"\d[^=\n]*=|=[^=\n]*\d")


def with_results(
    passage_text: str, quoted: list[str], max_chars: int = DEFAULT_TUNING.max_quote_chars
) -> list[str]:
    """The quoted sentences, each worked example followed by the calculation that comes
    right after it in the passage ("8 of 100 emails are wrong." then "Error rate = 8/100
    = 8%."): the figure asked about is often the line after the one that matched."""
    order = [s for p in _paragraphs(passage_text) for s in p]
    result = list(quoted)
    used = sum(map(len, result))
    for sentence in quoted:
        if sentence not in order:
            continue
        at = order.index(sentence) + 1
        following = order[at] if at < len(order) else ""
        if following in result or not _CALCULATION.search(following) or ">>>" in following:
            continue
        if used + len(following) > max_chars:
            break
        result.insert(result.index(sentence) + 1, following)
        used += len(following)
    return result


def clean_quote(sentence: str) -> str:
    """A course sentence as shown: Markdown emphasis and list markers removed."""
    return re.sub(r"^\s*(?:[-*•]\s+)", "", sentence.replace("**", "")).strip()
