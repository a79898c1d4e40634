from rag.chunking import chunk_document

DOC = """# Course

Intro paragraph.

## Failure Modes

### Data Drift

Gradual input distribution changes degrade performance.

Example: a credit model underperforms.

### Concept Drift

Target variable relationships evolve.
"""


def test_chunks_carry_section_path_and_exact_offsets() -> None:
    chunks = chunk_document("c.md", DOC, max_chars=500, overlap_chars=50)
    drift = next(c for c in chunks if "Gradual input" in c.text)
    assert drift.section == "Failure Modes > Data Drift"
    assert DOC[drift.start : drift.end] == drift.text
    assert "Example: a credit model" in drift.text
    assert drift.embed_text.startswith("Failure Modes > Data Drift\n")
    concept = next(c for c in chunks if "Target variable" in c.text)
    assert concept.section == "Failure Modes > Concept Drift"
    assert "Gradual" not in concept.text


def test_chunks_never_exceed_max_chars_and_overlap() -> None:
    body = "\n\n".join(f"Paragraph {i} " + "word " * 30 for i in range(20))
    chunks = chunk_document("long.md", "# T\n\n## S\n\n" + body, max_chars=400, overlap_chars=200)
    assert len(chunks) > 3
    assert all(len(c.text) <= 400 for c in chunks)
    assert any(chunks[i].end > chunks[i + 1].start for i in range(len(chunks) - 1)), "overlap"


def test_overlong_paragraph_is_split_at_sentences() -> None:
    paragraph = " ".join(f"Sentence number {i} is here." for i in range(80))
    chunks = chunk_document("p.txt", paragraph, max_chars=300, overlap_chars=0)
    assert all(len(c.text) <= 300 for c in chunks)
    assert chunks[0].text.startswith("Sentence number 0")
    assert {c.section for c in chunks} == {""}


def test_chunk_ids_are_stable_and_distinct() -> None:
    first = chunk_document("c.md", DOC, 500, 50)
    again = chunk_document("c.md", DOC, 500, 50)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)
