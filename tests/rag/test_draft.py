"""The draft is shown only sentence by sentence, after the output guard."""

from __future__ import annotations

import pytest

from rag.answer import Timings
from rag.draft import DraftScreen
from rag.pipeline.screening import OutputScreen
from safety import OutputGuard


def test_nothing_is_shown_before_a_sentence_is_complete() -> None:
    screen = DraftScreen(lambda s, _: s)
    assert screen.feed("Data drift is") == ""
    assert screen.feed(" a change in inputs.") == "", "the end of the text may not be the end"
    assert screen.feed(" It degrades") == "Data drift is a change in inputs."
    assert screen.feed(" models.\n") == "Data drift is a change in inputs. It degrades models."


def test_refused_sentences_are_withheld_and_counted() -> None:
    screen = DraftScreen(lambda s, _: None if "bad" in s else s)
    screen.feed("A good one. A bad one. Another good one. ")
    assert screen.shown == "A good one. Another good one."
    assert screen.withheld == 1


@pytest.mark.slow  # the real output guard loads MiniLM
def test_the_real_output_guard_withholds_harm_and_redacts_pii() -> None:
    output = OutputScreen(OutputGuard())
    screen = DraftScreen(lambda s, c: output.screen(s, Timings(), c).shown)
    screen.feed("Monitoring compares live inputs with training data. ")
    screen.feed("Write to jane.doe@example.com for the slides. ")
    screen.feed("You should kill yourself, you worthless idiot. ")
    assert "Monitoring compares live inputs" in screen.shown
    assert "jane.doe@example.com" not in screen.shown and "[EMAIL]" in screen.shown
    assert "worthless" not in screen.shown and screen.withheld == 1


def test_feed_sentences_returns_only_what_passed() -> None:
    screen = DraftScreen(lambda s, _: None if "bad" in s else s.upper())
    assert screen.feed_sentences("One good. One bad") == ["ONE GOOD."]
    assert screen.feed_sentences(". Two good. ") == ["TWO GOOD."]
    assert screen.withheld == 1


def test_each_sentence_is_judged_with_the_ones_shown_before_it() -> None:
    seen: list[tuple[str, str]] = []
    screen = DraftScreen(lambda s, context: seen.append((s, context)) or s)
    screen.feed("One. Two. Three. Four. ")
    assert seen[0] == ("One.", "") and seen[3] == ("Four.", "Two. Three.")
