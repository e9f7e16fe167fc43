"""A fuzz of plan text through the whole pipeline (issue 11): whatever an author (or an
attacker) writes in a section, bcf-docgen reports findings or writes correct output.

Markdown made of random pieces (headings, lists, tables, code, callouts, links, raw HTML,
`{{ }}` expressions over the plan's own names, filters and operators, `{% %}` blocks) and
random characters (control characters, `<`, `</style>`, emoji, right-to-left marks) is
put into a section of the small test plan, which is then read, checked and assembled
and written as HTML and as .docx, in this process. For every example:

- nothing raises: every problem is a finding;
- the HTML holds no element and no attribute that came from the content: only tags
  that the HTML writer itself writes, no `<script`, no `on...=` attribute, no
  `javascript:` URL, no extra `<style>`;
- the .docx opens with python-docx, and every text of the document model is in it.

Examples are derandomized and no example database is kept, so every run (and CI) tries
the same examples; there is no deadline and no time is measured.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
from conftest import write_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bcf_docgen.document.model import Document, Text, XRef
from bcf_docgen.pipeline import check_plan
from bcf_docgen.render.docx import render_docx
from bcf_docgen.render.html import render_html

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ------------------------------------------------------------------------- the text

# Characters worth trying: Markdown's and HTML's own, controls that XML and terminals
# refuse, line and paragraph separators, emoji, and the marks that reorder text.
AWKWARD = (
    "*_`#>|[]()!-+.:=\\&<>\"'{}%~^@"
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u2028\u2029\ufeff"
    "\u200b\u200d\u200e\u200f\u202e\u2066\u2069"
    "é£€😀👩‍👩‍👧"
)
CHARACTERS = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.sampled_from(AWKWARD), max_size=12
)
WORDS = st.sampled_from(["care", "home", "Testshire", "2025-26", "£1,000", "S1", " ", "\n"])

# Pieces of Markdown, the plan's directives and hostile markup.
PIECES = st.sampled_from(
    [
        "\n\n",
        "\n# ",
        "\n## ",
        "\n### ",
        "\n- ",
        "\n  - ",
        "\n1. ",
        "\n> ",
        "\n```\n",
        "\n    code\n",
        "\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        "\n---\n",
        "\n::: callout\n",
        "\n:::\n",
        "**",
        "_",
        "`",
        "[a link](https://example.org/x)",
        "[bad](javascript:alert(1))",
        "<https://example.org>",
        "@tbl:nowhere",
        "@sec:intro",
        "@scheme:S1",
        "[^1]",
        "\n[^1]: a note\n",
        "<script>alert(1)</script>",
        "</style><script>alert(1)</script>",
        "<zqx onclick=alert(1)>",
        "<img src=x onerror=alert(1)>",
        "<iframe src=//x></iframe>",
        "<!-- comment -->",
        "&lt;script&gt;",
        "&#60;script",
        "<style>body{}</style>",
        "\\",
        "{# #}",
        "{##",
    ]
)

NAMES = st.sampled_from(
    [
        "area.name",
        "plan.title",
        'funding.pool["2025-26"]',
        'scheme("S1").name',
        'scheme("S1").total["2025-26"]',
        "years",
        "years[0]",
        "draft",
        "partners[0].name",
        "partner_name('council')",
        "schemes|length",
        "facts",
        "nope",
        "'<b>bold</b>'",
        "'</style><script>'",
        "'\\x01'",
        "1",
        "2.5",
        "-3",
        "10**9",
        "10**1000",
        "none",
        "[1, 2, 3]",
    ]
)
FILTERS = st.sampled_from(
    [
        "money",
        "thousands",
        "number",
        "number(2)",
        "pct",
        "words",
        "upper",
        "lower",
        "length",
        "join(', ')",
        "default('x')",
        "e",
        "string",
        "first",
        "safe",
    ]
)
OPERATORS = st.sampled_from(["+", "-", "*", "/", "//", "%", "~", "==", "<", "and", "or"])


def _combined(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return (
        st.tuples(inner, OPERATORS, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        | st.tuples(inner, FILTERS).map(lambda t: f"{t[0]}|{t[1]}")
        | inner.map(lambda e: f"not {e}")
    )


EXPRESSIONS = st.recursive(NAMES, _combined, max_leaves=4)
TEMPLATED = (
    EXPRESSIONS.map(lambda e: f"{{{{ {e} }}}}")
    | EXPRESSIONS.map(lambda e: f"{{% if {e} %}}yes{{% else %}}no{{% endif %}}")
    | EXPRESSIONS.map(lambda e: f"{{% for x in years %}}{{{{ x }}}} {{{{ {e} }}}} {{% endfor %}}")
    | st.sampled_from(["{{ ", "{{ }}", "{% if %}", "{% endfor %}", "}}", "{{ (1 }}"])
)
BODIES = st.lists(CHARACTERS | WORDS | PIECES | TEMPLATED, max_size=20).map("".join)


# ----------------------------------------------------------------------- what holds

WRITER_SOURCE = (
    Path(__file__).resolve().parents[1] / "bcf_docgen" / "render" / "html.py"
).read_text(encoding="utf-8")
# The tags the HTML writer can write: those spelt in its own source. A tag from content
# (`<zqx>`, `<iframe>`, `<script>`) would be one it never spells.
# Names the writer builds (f"<h{level}>", "ol" or "ul") are added.
WRITER_TAGS = set(re.findall(r"</?([a-z][a-z0-9]*)", WRITER_SOURCE)) - {"script"}
WRITER_TAGS |= {f"h{level}" for level in range(1, 7)} | {"ol", "ul"}


class Elements(HTMLParser):
    """Every start tag and its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_no_markup_from_content(html: str, styles: int) -> None:
    assert "<script" not in html.lower()
    tags = elements(html)
    assert {tag for tag, _ in tags} <= WRITER_TAGS, {tag for tag, _ in tags} - WRITER_TAGS
    assert sum(tag == "style" for tag, _ in tags) == styles
    for tag, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, value)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _squeezed(text: str) -> str:
    """Text without what the Word file may hold differently: spacing and line breaks
    (runs, tabs, breaks) and the characters XML cannot hold (reported and removed)."""
    return "".join(NOT_XML.sub("", text).split())


def word_text(data: bytes) -> str:
    """Every w:t text of the .docx's parts, squeezed."""
    texts = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.startswith("word/") and name.endswith(".xml"):
                root = etree.fromstring(package.read(name))
                texts.extend(node.text or "" for node in root.iter(f"{W}t"))
    return _squeezed("".join(texts))


def model_texts(document: Document) -> list[str]:
    found = []
    for node in document.inline_nodes():
        if isinstance(node, Text | XRef):
            found.append(node.text)
    return [text for text in map(_squeezed, found) if text]


def assert_word_file_holds_the_text(data: bytes, document: Document) -> None:
    docx.Document(io.BytesIO(data))  # opens
    held = word_text(data)
    missing = [text for text in model_texts(document) if text not in held]
    assert not missing, missing[:5]


# ---------------------------------------------------------------------------- the fuzz


def build(plan: Path, body: str) -> tuple[str, bytes, Document]:
    section = "---\ntitle: Introduction\n---\n" + body + "\n"
    (plan / "sections" / "intro.md").write_text(section, encoding="utf-8")
    checked = check_plan(plan)
    assert checked.document is not None, [f.format() for f in checked.findings]
    return render_html(checked.document), render_docx(checked.document), checked.document


def test_any_section_text_gives_findings_or_correct_outputs() -> None:
    with tempfile.TemporaryDirectory() as folder:
        plan = write_plan(Path(folder) / "plan")
        baseline, _, _ = build(plan, "Plain text.")
        styles = sum(tag == "style" for tag, _ in elements(baseline))

        @FUZZ
        @given(BODIES)
        def one(body: str) -> None:
            html, data, document = build(plan, body)
            assert_no_markup_from_content(html, styles)
            assert_word_file_holds_the_text(data, document)

        one()
