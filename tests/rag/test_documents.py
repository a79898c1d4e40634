from pathlib import Path

import pytest

from rag.chunking import chunk_document
from rag.documents import LoadedDocument, load_document
from rag.errors import DocumentError


def test_markdown_and_text(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Title\n\nBody.")
    (tmp_path / "b.txt").write_text("Plain body.")
    assert load_document(tmp_path / "a.md", 10_000).text.startswith("# Title")
    assert load_document(tmp_path / "b.txt", 10_000).format == "text"


def test_html_headings_become_markdown(tmp_path: Path) -> None:
    page = "<html><script>x=1</script><h2>Data Drift</h2><p>Inputs change.</p></html>"
    (tmp_path / "p.html").write_text(page)
    text = load_document(tmp_path / "p.html", 10_000).text
    assert "## Data Drift" in text and "Inputs change." in text and "x=1" not in text


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "doc.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Watermarking identifies generated media.")
    pdf.save()
    assert "Watermarking identifies" in load_document(path, 1_000_000).text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bin.txt", b"\x00\x01\x02binary", "binary"),
        ("broken.pdf", b"%PDF-1.4 not really a pdf", "PDF"),
        ("table.xlsx", b"whatever", "unsupported format"),
    ],
)
def test_unreadable_files_get_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(DocumentError, match=reason):
        load_document(tmp_path / name, 10_000)


def test_too_large_file(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 2000)
    with pytest.raises(DocumentError, match="too large"):
        load_document(tmp_path / "big.txt", 1000)


def test_cp1252_falls_back_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_bytes("caf\xe9 na\xefve".encode("cp1252"))
    doc = load_document(tmp_path / "old.txt", 10_000)
    assert doc.text == "café naïve"
    assert doc.encoding == "cp1252" and "not valid UTF-8" in doc.warnings[0]


SPHINX = """<html><head><title>Trees - skdocs 1.2 documentation</title>
<meta name="author" content="The Team"><script>var x=1;</script></head><body>
<div class="related" role="navigation"><ul><li><a href="i.html">index</a></li>
<li>skdocs 1.2.1 Other versions</li></ul></div>
<div class="document"><div class="documentwrapper"><div class="body" role="main">
<section><h1>1. Trees<a class="headerlink" href="#t" title="Permalink">¶</a></h1>
<p>Decision trees are a <em>non-parametric</em> method.</p>
<ul><li><p>Simple to understand.</p></li><li><p>Cheap to use:</p><ul>
<li><p>logarithmic cost.</p></li></ul></li></ul>
<div class="highlight-python notranslate"><div class="highlight"><pre><span></span>\
<span class="gp">&gt;&gt;&gt; </span><span class="n">clf</span> <span class="o">=</span> \
<span class="n">svm</span><span class="o">.</span><span class="n">SVC</span>\
<span class="p">(</span><span class="n">kernel</span><span class="o">=</span>\
<span class="s1">'linear'</span><span class="p">)</span>
<span class="gp">&gt;&gt;&gt; </span><span class="n">clf</span><span class="o">.</span>\
fit<span class="p">(</span>X<span class="p">)</span>
</pre></div></div>
<p>The entropy is defined as</p>
<div class="math notranslate nohighlight">\\[H(Q) = - \\sum_k p_k \\log(p_k)\\]</div>
<p>where <span class="math notranslate nohighlight">\\(p_k\\)</span> is a proportion.</p>
<div class="admonition note"><p class="admonition-title">Note</p><p>Trees overfit.</p></div>
<table class="docutils"><thead><tr><th>criterion</th><th>use</th></tr></thead>
<tbody><tr><td><p>gini</p></td><td><p>impurity</p></td></tr>
<tr><td>entropy</td><td>information gain</td></tr></tbody></table>
</section></div></div>
<div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3><ul><li>1. Trees</li>
<li>Please cite us if you use the software.</li></ul></div></div>
<div class="footer">&copy; Copyright 2007-2024, The Team.</div></body></html>"""


def _html(tmp_path: Path, markup: str) -> LoadedDocument:
    (tmp_path / "page.html").write_text(markup, encoding="utf-8")
    return load_document(tmp_path / "page.html", 1_000_000)


def test_sphinx_page_keeps_main_content_once_with_code_math_and_tables(tmp_path: Path) -> None:
    doc = _html(tmp_path, SPHINX)
    text = doc.text
    for chrome in ("Other versions", "Please cite us", "Table of Contents", "Copyright", "¶"):
        assert chrome not in text, chrome
    assert text.startswith("# 1. Trees\n\nDecision trees are a non-parametric method.")
    assert text.count("Simple to understand.") == 1 and text.count("logarithmic cost.") == 1
    assert "- Cheap to use:" in text and "- logarithmic cost." in text
    assert "```python\n>>> clf = svm.SVC(kernel='linear')\n>>> clf.fit(X)\n```" in text
    assert "$$H(Q) = - \\sum_k p_k \\log(p_k)$$" in text and "where $p_k$ is" in text
    assert "Note: Trees overfit." in text
    assert (
        "| criterion | use |\n|---|---|\n| gini | impurity |\n| entropy | information gain |"
        in text
    )
    assert doc.metadata["title"].startswith("Trees") and doc.metadata["author"] == "The Team"
    assert "Copyright" in doc.metadata["credit"] and doc.metadata["chrome_elements_dropped"] >= 1


def test_mkdocs_and_jupyter_book_pages(tmp_path: Path) -> None:
    mkdocs = """<body><header class="md-header">Site</header><div class="md-sidebar">
    <nav class="md-nav">Home Guide</nav></div><div class="md-content"><article>
    <h2 id="x">Install<a class="headerlink" href="#x">¶</a></h2>
    <p>Use <code>pip</code> and <span class="arithmatex">\\(x^2\\)</span>.</p>
    <pre><code class="language-bash">pip install pkg

pkg --help</code></pre></article></div><footer class="md-footer">Made with MkDocs</footer></body>"""
    text = _html(tmp_path, mkdocs).text
    assert text == (
        "## Install\n\nUse pip and $x^2$.\n\n```bash\npip install pkg\n\npkg --help\n```"
    )
    jupyter = """<body><div class="bd-sidebar-primary"><nav>Contents</nav></div>
    <main id="main-content"><article class="bd-article"><section>
    <h1>Notebook<a class="headerlink" href="#n">#</a></h1>
    <div class="cell docutils container"><div class="cell_input"><pre>a = 1
print(a)</pre></div><div class="cell_output"><pre>1</pre></div></div>
    </section></article><div class="prev-next-area">previous next</div></main></body>"""
    text = _html(tmp_path, jupyter).text
    assert text == "# Notebook\n\n```\na = 1\nprint(a)\n```\n\n```\n1\n```"


def test_navigation_only_page_says_so(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no main content"):
        _html(tmp_path, "<body><nav><ul><li>Home</li></ul></nav><footer>(c)</footer></body>")


def test_front_matter_and_credit_line_are_metadata_not_text(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(
        "---\ntitle: Week 1\n---\n# Notes\n\n*Author: A. Person. Reproduced with credit.*\n\n"
        "## Drift\n\nInputs change.\n"
    )
    doc = load_document(tmp_path / "notes.md", 10_000)
    assert (
        doc.text.startswith("# Notes\n") and "Author" not in doc.text and "title:" not in doc.text
    )
    assert "## Drift\n\nInputs change." in doc.text
    assert doc.metadata == {
        "front_matter": "title: Week 1",
        "credit": "Author: A. Person. Reproduced with credit.",
    }
    (tmp_path / "plain.md").write_text("# Notes\n\n*An emphasised first paragraph.*\n")
    assert "emphasised" in load_document(tmp_path / "plain.md", 10_000).text


def test_pdf_pages_and_a_scanned_pdf(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "slides.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Page one text.")
    pdf.showPage()
    pdf.rect(72, 72, 100, 100)  # a page with a drawing and no text layer
    pdf.showPage()
    pdf.drawString(72, 720, "Page three text.")
    pdf.save()
    doc = load_document(path, 1_000_000)
    pages = chunk_document("slides.pdf", doc.text, 500, 0)
    assert [(c.text, c.page) for c in pages] == [("Page one text.", 1), ("Page three text.", 3)]
    assert doc.warnings == ["no text layer on page(s) 2 (scanned?)"]
    scanned = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(scanned))
    pdf.rect(72, 72, 100, 100)
    pdf.save()
    with pytest.raises(DocumentError, match="scanned PDF: none of its 1 page"):
        load_document(scanned, 1_000_000)


KB_PAGES = Path(__file__).resolve().parents[2] / "eval" / "data" / "kb-python-docs" / "pages"


@pytest.mark.parametrize("page", sorted(KB_PAGES.rglob("*.html")), ids=lambda p: p.stem)
def test_real_sphinx_pages_lose_their_chrome(page: Path) -> None:
    text = load_document(page, 10_000_000).text
    for chrome in ("¶", "Previous topic", "Next topic", "This Page", "Show Source", "Navigation"):
        assert chrome not in text, chrome
    assert text.startswith("# ") and "\n```" in text
    assert not any(line.startswith(">>>") for line in _outside_code(text))


def _outside_code(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif not inside:
            lines.append(line)
    return lines


KB3_PAGES = KB_PAGES.parents[1] / "kb-third-postgresql" / "pages"


@pytest.mark.parametrize("page", sorted(KB3_PAGES.glob("*.html")), ids=lambda p: p.stem)
def test_real_docbook_pages_lose_their_navigation_and_local_contents(page: Path) -> None:
    text = load_document(page, 10_000_000).text
    assert "| Prev |" not in text and "Home |" not in text
    assert text.lstrip().startswith("#")
    assert "\n```" in text
