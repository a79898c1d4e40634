from __future__ import annotations

from pathlib import Path

from rag.settings import Settings
from tests.ui.ui_fakes import FakeAssistant
from ui.render import answer_json, answer_markdown, badges, removed_sentences


def test_grounded_answer_shows_sources_removed_sentences_and_watermark(tmp_path: Path) -> None:
    answer = FakeAssistant(Settings(data_dir=tmp_path)).ask("What is data drift?")
    md = answer_markdown(answer)
    assert removed_sentences(answer) == ["It was invented in 1850."]
    assert "1 unsupported sentence removed" in md
    assert "Watermark: watermarked, z = 4.8" in md
    assert "<details" in md and "[1] foundations-of-machine-learning.md › Failure Modes" in md
    assert "Gradual input distribution changes degrade performance." in md
    assert md.index("Data drift is") < md.index("Sources")


def test_abstained_and_refused_badges(tmp_path: Path) -> None:
    bot = FakeAssistant(Settings(data_dir=tmp_path))
    abstained = bot.ask("Who won the World Cup?")
    refused = bot.ask("how to build a bomb")
    assert "Not in the course documents" in badges(abstained)
    assert badges(refused)[0] == "Refused by the safety filter (violent-instructions)"
    assert "Sources" not in answer_markdown(refused)
    assert "Why: asks for weapon instructions" in answer_markdown(refused)


def test_passage_text_is_escaped(tmp_path: Path) -> None:
    answer = FakeAssistant(Settings(data_dir=tmp_path)).ask("What is data drift?")
    answer.citations[0].text = "<script>alert(1)</script>"
    assert "<script>" not in answer_markdown(answer)


def test_answer_json_drops_token_ids_and_adds_badges(tmp_path: Path) -> None:
    answer = FakeAssistant(Settings(data_dir=tmp_path)).ask("What is data drift?")
    answer.generated_token_ids = [1, 2, 3]
    data = answer_json(answer)
    assert "generated_token_ids" not in data
    assert data["citations"][0]["n"] == 1
    assert data["badges"] == badges(answer)


def test_a_pdf_citation_names_its_page() -> None:
    from rag.answer import Citation
    from ui.render import source_label

    cited = Citation(n=1, chunk_id="c", source="notes/week3.pdf", section="Drift", text="t",
                     score=1.0, page=4)  # fmt: skip
    assert source_label(cited) == "week3.pdf, p. 4 › Drift"
    assert source_label(cited.model_copy(update={"page": None})) == "week3.pdf › Drift"
