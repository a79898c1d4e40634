from hypothesis import given
from hypothesis import strategies as st

from rag.chunking import Chunk, chunk_document

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


def _assert_exact(doc: str, chunks: list[Chunk]) -> None:
    assert all(doc[c.start : c.end] == c.text for c in chunks)


def test_code_block_is_one_unit_and_its_comments_are_not_headings() -> None:
    code = "```python\n# not a heading\nx = 1\n\n\ny = x + 1\n```"
    doc = f"# T\n\n## Usage\n\nRun this:\n\n{code}\n\nAfter the code.\n"
    chunks = chunk_document("c.md", doc, max_chars=60, overlap_chars=0)
    _assert_exact(doc, chunks)
    assert {c.section for c in chunks} == {"Usage"}
    code_chunks = [c for c in chunks if "x = 1" in c.text]
    assert len(code_chunks) == 1 and code.strip() in code_chunks[0].text
    narrow = chunk_document("c.md", doc, max_chars=30, overlap_chars=0)
    lines = set(doc.splitlines())
    assert all(set(c.text.splitlines()) <= lines for c in narrow), "cut at line ends only"


def test_table_rows_are_units_never_cut_inside() -> None:
    rows = [f"| issue {i} with noise | Schema validation, range checks {i} |" for i in range(30)]
    doc = "# T\n\n## Checks\n\n" + "\n".join(["| issue | fix |", "|---|---|", *rows]) + "\n"
    chunks = chunk_document("t.md", doc, max_chars=200, overlap_chars=0)
    _assert_exact(doc, chunks)
    assert len(chunks) > 3
    for chunk in chunks:
        assert all(line.startswith("|") and line.endswith("|") for line in chunk.text.splitlines())


words = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=12), min_size=1, max_size=80)


@given(words, st.integers(min_value=200, max_value=400))
def test_prose_is_never_cut_inside_a_word(parts: list[str], max_chars: int) -> None:
    doc = " ".join(parts) + "."
    chunks = chunk_document("w.txt", doc, max_chars=max_chars, overlap_chars=0)
    _assert_exact(doc, chunks)
    assert all(len(c.text) <= max_chars for c in chunks)
    vocabulary = set(parts) | {p + "." for p in parts}
    assert all(set(c.text.split()) <= vocabulary for c in chunks)


def test_pdf_page_breaks_give_each_chunk_its_page() -> None:
    doc = "First page text.\n\f\nSecond page text.\n\f\n\n\f\nFourth page text."
    chunks = chunk_document("n.pdf", doc, max_chars=500, overlap_chars=0)
    assert [(c.text, c.page) for c in chunks] == [
        ("First page text.", 1),
        ("Second page text.", 2),
        ("Fourth page text.", 4),
    ]
    assert chunk_document("c.md", DOC, 500, 50)[0].page is None
