"""HTML from documentation generators (Sphinx, MkDocs, Jupyter Book, DocBook) into
Markdown-style text.

Only the page's main content is kept: navigation, sidebars, headers, footers and
permalink marks are page chrome, and a passage made of them answers nothing. Each piece
of text is emitted once (a list item's paragraphs are not repeated by the item), code
blocks keep their lines verbatim inside ``` fences, math keeps its TeX source, and a
table becomes one Markdown row per line. The page title, its meta description/author and
what was dropped go into metadata, which is indexed nowhere and never quoted.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, ProcessingInstruction

# Where generators put the page's own content, most specific first.
MAIN_SELECTORS = (
    "[role=main]",
    "main",
    "article",
    "div.body",
    "div.document",
    "div.md-content",
    "div#content",
)
# Page chrome: navigation, sidebars, search, headers/footers, permalinks, prompts, buttons.
CHROME_SELECTORS = (
    "script:not([type^='math/tex'])",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "[role=navigation]",
    "[role=search]",
    "[role=banner]",
    "[role=contentinfo]",
    ".navheader",
    ".navfooter",
    ".toc",
    ".sphinxsidebar",
    ".related",
    ".headerlink",
    ".footer",
    ".mobile-nav",
    ".menu-wrapper",
    ".inline-search",
    ".md-sidebar",
    ".md-header",
    ".md-footer",
    ".md-source-file",
    ".bd-sidebar",
    ".bd-sidebar-primary",
    ".bd-sidebar-secondary",
    ".bd-header",
    ".bd-footer",
    ".bd-toc",
    ".header-article",
    ".prev-next-area",
    ".prev-next-bottom",
    ".toc-drawer",
    ".skip-link",
    ".copybtn",
    ".linenos",
    ".prompt",
    ".input_prompt",
    ".output_prompt",
)
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "ul",
    ]
)
_BLOCK_LIST = sorted(_BLOCK_TAGS)
_HEADING = re.compile(r"h([1-6])")
_TRAILING_MARKS = re.compile(r"(\s*¶|\s+#)+\s*$")
_MATH_CLASSES = ("math", "arithmatex", "katex", "katex-display")


def html_to_text(markup: str) -> tuple[str, dict[str, Any]]:
    """The page's main content as Markdown-style blocks, and its metadata."""
    soup = BeautifulSoup(markup, "html.parser")
    metadata = _metadata(soup)
    _math_to_source(soup)
    root = _main_root(soup)
    dropped = 0
    for tag in root.find_all(_is_chrome):
        if not tag.decomposed:
            dropped += 1
            tag.decompose()
    metadata["chrome_elements_dropped"] = dropped
    blocks = _Blocks()
    blocks.walk(root)
    return "\n\n".join(blocks.out), metadata


def _chrome_matcher() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(tag names, roles, classes) of `CHROME_SELECTORS`, whose every entry is a tag name,
    `[role=...]`, `.class` or the non-math `script`: one walk of the tree matches them all
    (soupsieve walked it once per selector, about 1 s per Python documentation page)."""
    names, roles, classes = set(), set(), set()
    for selector in CHROME_SELECTORS:
        if selector.startswith("."):
            classes.add(selector[1:])
        elif selector.startswith("[role=") and selector.endswith("]"):
            roles.add(selector[len("[role=") : -1])
        elif selector == "script:not([type^='math/tex'])":
            names.add("script")
        elif selector.isalnum():
            names.add(selector)
        else:
            raise ValueError(f"CHROME_SELECTORS: {selector!r} is not a simple selector")
    return frozenset(names), frozenset(roles), frozenset(classes)


_CHROME_NAMES, _CHROME_ROLES, _CHROME_CLASSES = _chrome_matcher()


def _is_chrome(tag: Tag) -> bool:
    """Whether `tag` matches one of `CHROME_SELECTORS`."""
    if tag.name in _CHROME_NAMES:
        return tag.name != "script" or not str(tag.get("type") or "").startswith("math/tex")
    return tag.get("role") in _CHROME_ROLES or not _CHROME_CLASSES.isdisjoint(_classes(tag))


def _is_credit(tag: Tag) -> bool:
    classes = _classes(tag)
    return (
        tag.name == "footer"
        or "copyright" in classes
        or (tag.name == "div" and "footer" in classes)
    )


def _metadata(soup: BeautifulSoup) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if soup.title and soup.title.get_text(strip=True):
        meta["title"] = " ".join(soup.title.get_text().split())
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or tag.get("property") or "").lower()
        content = str(tag.get("content") or "").strip()
        if content and name in ("description", "author", "og:title", "copyright"):
            meta[name] = content
    credit = soup.find(_is_credit)  # "div.footer, footer, .copyright", first in the page
    if credit is not None and credit.get_text(strip=True):
        meta["credit"] = " ".join(credit.get_text(" ").split())
    return meta


def _main_root(soup: BeautifulSoup) -> Tag:
    for selector in MAIN_SELECTORS:
        found = soup.select_one(selector)
        if found is not None and found.get_text(strip=True):
            return found
    return soup.body or soup


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return list(value) if isinstance(value, list) else ([value] if value else [])


def _math_to_source(soup: BeautifulSoup) -> None:
    """Replace rendered math by its TeX source: `$...$` inline, `$$...$$` displayed."""
    for script in soup.find_all("script", type=lambda t: str(t or "").startswith("math/tex")):
        display = "mode=display" in str(script.get("type"))
        script.replace_with(_math_node(soup, script.get_text(), display))
    for math in soup.find_all("math"):
        annotation = math.find("annotation", attrs={"encoding": "application/x-tex"})
        source = annotation.get_text() if annotation else math.get_text(" ")
        math.replace_with(_math_node(soup, source, math.get("display") == "block"))
    for tag in soup.find_all(True):
        classes = _classes(tag)
        if tag.decomposed or tag.has_attr("data-math"):
            continue
        if any(c.startswith("MathJax") for c in classes):
            tag.decompose()  # MathJax's rendering; its source is the math/tex script
            continue
        if not any(c in _MATH_CLASSES for c in classes):
            continue
        inner = tag.find(True, attrs={"data-math": True})
        source = inner.get_text() if isinstance(inner, Tag) else tag.get_text()
        display = (
            tag.name == "div"
            or any("display" in c for c in classes)
            or source.strip().startswith(("\\[", "$$"))
        )
        tag.replace_with(_math_node(soup, source, display))


def _math_node(soup: BeautifulSoup, source: str, display: bool) -> Tag:
    tex = source.strip()
    for left, right in (("\\[", "\\]"), ("\\(", "\\)"), ("$$", "$$"), ("$", "$")):
        if tex.startswith(left) and tex.endswith(right) and len(tex) >= len(left + right):
            tex = tex[len(left) : len(tex) - len(right)].strip()
            break
    node = soup.new_tag("div" if display else "span")
    node["data-math"] = "display" if display else "inline"
    node.string = f"$${tex}$$" if display else f"${tex}$"
    return node


def _language(pre: Tag) -> str:
    """The code's language from a `language-x`/`highlight-x` class on it or around it."""
    inner = pre.find("code", recursive=False)
    candidates = [pre, *([inner] if isinstance(inner, Tag) else []), *pre.parents]
    for node in candidates:
        if not isinstance(node, Tag) or node.name in ("section", "article", "main", "body"):
            break
        for cls in _classes(node):
            if cls.startswith(("language-", "highlight-", "lang-")):
                return cls.split("-", 1)[1]
    return ""


def _inline_text(node: Tag | NavigableString) -> str:
    """Text of inline content, with no spaces invented between tags."""
    text = node.get_text() if isinstance(node, Tag) else str(node)
    return " ".join(text.split())


class _Blocks:
    """Walks the main content once, emitting each text block exactly once."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self._inline: list[str] = []
        self._prefix = ""

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment | Doctype | ProcessingInstruction):
                continue
            if isinstance(child, NavigableString):
                self._inline.append(str(child))
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, tag: Tag) -> None:
        name = tag.name
        if name not in _BLOCK_TAGS and not tag.find(_BLOCK_LIST):
            self._inline.append(tag.get_text() if name != "br" else " ")
            return
        self.flush()
        heading = _HEADING.fullmatch(name)
        if heading:
            title = _TRAILING_MARKS.sub("", _inline_text(tag))
            if title:
                self.out.append("#" * int(heading.group(1)) + " " + title)
        elif name == "pre":
            self._code(tag)
        elif name == "table":
            self._table(tag)
        elif name in ("ul", "ol"):
            self._list(tag, ordered=name == "ol")
        elif name == "hr":
            pass
        elif "admonition-title" in _classes(tag):
            self._prefix = _inline_text(tag).rstrip(":") + ": "
        else:
            self.walk(tag)
        self.flush()

    def flush(self) -> None:
        text = " ".join("".join(self._inline).split())
        self._inline = []
        if text:
            self.out.append(self._prefix + text)
            self._prefix = ""

    def _code(self, tag: Tag) -> None:
        code = tag.get_text().strip("\n")
        if not code.strip():
            return
        language = _language(tag)
        fence = "````" if "```" in code else "```"
        self.out.append(f"{fence}{language}\n{code.rstrip()}\n{fence}")

    def _list(self, tag: Tag, ordered: bool) -> None:
        items = tag.find_all("li", recursive=False)
        for number, item in enumerate(items, start=1):
            marker = f"{number}. " if ordered else "- "
            start = len(self.out)
            self.walk(item)
            self.flush()
            if len(self.out) > start:
                self.out[start] = marker + self.out[start]

    def _table(self, tag: Tag) -> None:
        rows: list[list[str]] = []
        header_rows = 0
        for row in tag.find_all("tr"):
            if row.find_parent("table") is not tag:
                continue
            cells = [
                _inline_text(c).replace("|", "\\|")
                for c in row.find_all(["td", "th"], recursive=False)
            ]
            if any(cells):
                rows.append(cells)
                if row.find_parent("thead") is not None or all(
                    c.name == "th" for c in row.find_all(["td", "th"], recursive=False)
                ):
                    header_rows += 1 if header_rows == len(rows) - 1 else 0
        if not rows:
            return
        width = max(len(r) for r in rows)
        lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
        if header_rows:
            lines.insert(header_rows, "|" + "---|" * width)
        self.out.append("\n".join(lines))
