"""Page flow a reader accepts, measured on the pages themselves.

The examples are built once per module (one PDF, and one LibreOffice conversion of the
Word file, per example) and read back with pdfplumber: each page's orientation, how much
of its text area is used, and its lines of text. On both files:

- no portrait page just before a landscape page is more than two thirds empty, unless
  a chapter ends there (the landscape pages open a chapter, or the next portrait page
  does, or none follows);
- no caption ends a page: the first row of its table is on the caption's page;
- no scheme heading is on a landscape page;
- the tables on landscape pages are exactly those the model settled as wide.

Captions are also tried where they must go over: a made-up document puts a caption at
the foot of a page in one of its twelve chapters (with `caption { break-after: avoid }`
taken out of the stylesheet the PDF strands two, and without keep-with-next on the Word
caption LibreOffice does). The model-level tests at the end check each decision of
`document/flow.py` alone.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from bcf_docgen.document.flow import Measure, settle_blocks
from bcf_docgen.document.labelling import label
from bcf_docgen.document.model import (
    Cell,
    Column,
    Document,
    DocumentInfo,
    Heading,
    Landscape,
    PageBreak,
    Paragraph,
    Row,
    Table,
    Text,
    plain_text,
)
from bcf_docgen.findings import Location
from bcf_docgen.pipeline import check_plan
from bcf_docgen.render import libreoffice
from bcf_docgen.render.docx import render_docx
from bcf_docgen.render.pdf import render_pdf
from bcf_docgen.theme import Theme, look_from_theme

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {
    "kingsmere": ROOT / "content" / "example",
    "scheme-appendix": ROOT / "content" / "examples" / "scheme-appendix",
}
PT_PER_MM = 72 / 25.4
LOOK = look_from_theme(Theme())
WHERE = Location("test.md", 1, 1)
MOST_EMPTY = 2 / 3


# ------------------------------------------------------------------- reading pages


@dataclass(frozen=True)
class Line:
    text: str
    top: float


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    landscape: bool
    fill: float  # share of the text area's height used, from its top
    lines: tuple[Line, ...]  # the text area's lines, top to bottom


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_pages(pdf: bytes, document: Document) -> list[Page]:
    """Every page's orientation, fill and lines of text inside the text area (the
    running header and footer sit in the margins and are left out)."""
    page_look = document.look.page
    top = page_look.margin_top_mm * PT_PER_MM
    bottom = page_look.margin_bottom_mm * PT_PER_MM
    pages: list[Page] = []
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        for number, page in enumerate(opened.pages, 1):
            floor = page.height - bottom
            inside = [
                line
                for line in page.extract_text_lines(strip=True)
                if line["top"] >= top - 2 and line["bottom"] <= floor + 2 and line["text"].strip()
            ]
            lines = [Line(squash(line["text"]), line["top"]) for line in inside]
            lowest = max((line["bottom"] for line in inside), default=top)
            pages.append(
                Page(
                    number,
                    page.width > page.height,
                    max(0.0, (lowest - top) / (floor - top)),
                    tuple(sorted(lines, key=lambda line: line.top)),
                )
            )
    return pages


@dataclass
class Built:
    name: str
    document: Document
    pdf: list[Page]
    word: list[Page]  # the .docx as LibreOffice lays it out

    def outputs(self) -> dict[str, list[Page]]:
        return {"PDF": self.pdf, "Word": self.word}


@pytest.fixture(scope="module", params=list(EXAMPLES))
def built(request) -> Built:
    folder = EXAMPLES[request.param]
    checked = check_plan(folder, with_pack=False)
    assert checked.document is not None and checked.plan is not None
    document = checked.document
    pdf = render_pdf(document, checked.plan.root)
    assert libreoffice.soffice() is not None, "LibreOffice lays out the Word file here"
    word = libreoffice.convert_to_pdf(render_docx(document))
    assert word is not None
    return Built(request.param, document, read_pages(pdf, document), read_pages(word, document))


# ---------------------------------------------------------------- what to look for


def heading_text(heading: Heading) -> str:
    return squash(f"{heading.prefix} {plain_text(heading.title)}")


def chapters(document: Document) -> list[str]:
    """The printed text of every top-level heading (a chapter, an appendix)."""
    out = []
    for part in document.parts:
        out += [
            heading_text(b)
            for b in part.blocks
            if isinstance(b, Heading) and b.level == part.top_level
        ]
        for block in part.blocks:
            if isinstance(block, Landscape):
                out += [
                    heading_text(b)
                    for b in block.blocks
                    if isinstance(b, Heading) and b.level == part.top_level
                ]
    return out


def starts_with(line: str, text: str) -> bool:
    """The line begins with `text` (a long heading wraps: its first 30 characters)."""
    return squash(line).startswith(squash(text)[:30])


def opens_chapter(page: Page, heads: list[str]) -> bool:
    return bool(page.lines) and any(starts_with(page.lines[0].text, h) for h in heads)


# ------------------------------------------------------------------ the page rules
# Each returns what it found wrong in one file's pages; one test per example runs them
# all, so that each example is built once however the tests are spread over workers.


def short_pages_before_landscape(pages: list[Page], heads: list[str]) -> list[str]:
    """Portrait pages more than two thirds empty just before a landscape page, unless
    a chapter ends there: the landscape pages open one, or the next portrait page does
    (the landscape pages close the chapter), or nothing portrait follows."""
    found = []
    for index, page in enumerate(pages[:-1]):
        if page.landscape or not pages[index + 1].landscape or page.fill >= 1 - MOST_EMPTY:
            continue
        after = next((p for p in pages[index + 1 :] if not p.landscape), None)
        if opens_chapter(pages[index + 1], heads):
            continue
        if after is None or opens_chapter(after, heads):
            continue
        found.append(f"page {page.number} is {page.fill:.0%} full before a landscape page")
    return found


def caption_pages(table: Table, pages: list[Page]) -> list[tuple[Page, int]]:
    lead = squash(f"{table.label}{table.separator}")
    return [
        (page, index)
        for page in pages
        for index, line in enumerate(page.lines)
        if line.text.startswith(lead)
    ]


def first_cell(table: Table) -> str:
    """The first word of the table's first row: what shows the table has started."""
    for cell in table.rows[0].cells if table.rows else []:
        words = plain_text(cell.inlines).split()
        if words:
            return words[0]
    return ""


def captioned(document: Document) -> list[Table]:
    return [t for t in document.tables() if t.label and first_cell(t)]


def stranded_captions(pages: list[Page], tables: list[Table]) -> list[str]:
    """Captions whose table's first row is not on the caption's page."""
    found = []
    for table in tables:
        places = caption_pages(table, pages)
        if not places:
            found.append(f"no caption '{table.label}'")
        for page, index in places:
            below = [line.text.split()[:3] for line in page.lines[index + 1 :]]
            if not any(first_cell(table) in words for words in below):
                found.append(f"{table.label}'s caption ends page {page.number}")
    return found


def scheme_headings_on_landscape(pages: list[Page], document: Document) -> list[str]:
    schemes = [heading_text(h) for h in document.headings() if h.id.startswith("scheme-")]
    found = []
    for heading in schemes:
        where = [p for p in pages for line in p.lines if starts_with(line.text, heading)]
        if not where:
            found.append(f"scheme heading '{heading}' not found")
        found += [f"'{heading}' on landscape page {p.number}" for p in where if p.landscape]
    return found


def turned_otherwise(pages: list[Page], tables: list[Table]) -> list[str]:
    """Tables on a page of the other orientation than the model settled."""
    return [
        f"{table.label} is {'not ' if table.wide else ''}on a landscape page"
        for table in tables
        if {page.landscape for page, _ in caption_pages(table, pages)} != {table.wide}
    ]


def test_pages_flow_as_a_reader_expects(built):
    heads = chapters(built.document)
    tables = captioned(built.document)
    problems = []
    for output, pages in built.outputs().items():
        found = (
            short_pages_before_landscape(pages, heads)
            + stranded_captions(pages, tables)
            + scheme_headings_on_landscape(pages, built.document)
            + turned_otherwise(pages, tables)
        )
        problems += [f"{built.name} {output}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)
    if built.name == "kingsmere":  # the rules above are not met by having no landscape
        wide = {t.id for t in built.document.tables() if t.wide}
        assert {"risks", "performance"} <= wide
        # Each scheme's spending reads on with the scheme, in portrait.
        assert not any(t.startswith("expenditure-") for t in wide)
        assert "schemes" not in wide and "metrics" not in wide and tables
        assert any(p.landscape for p in built.pdf) and any(p.landscape for p in built.word)


def caption_trials(document_look) -> Document:
    """Twelve chapters, each a new page of 26 to 37 one-line paragraphs and a captioned
    table: one of them puts a caption at the foot of a page, where it must not stay."""
    blocks: list = []
    for n, lines in enumerate(range(26, 38), 1):
        blocks.append(
            Heading(
                1,
                [Text(f"Trial {n}")],
                f"trial-{n}",
                WHERE,
                page_break_before=True,
                number=str(n),
                anchor=f"sec-trial-{n}",
            )
        )
        blocks += [Paragraph([Text(f"Line {i} of trial {n}.")]) for i in range(lines)]
        header = Row([Cell([Text("Item")]), Cell([Text("Amount")])])
        rows = [Row([Cell([Text(f"Thing {i}")]), Cell([Text("£1,000")])]) for i in range(6)]
        blocks.append(
            Table(
                [Column("Item"), Column("Amount", numeric=True)],
                [header, *rows],
                id=f"t{n}",
                caption=[Text(f"Things of trial {n}")],
                number=str(n),
                anchor=f"tbl-t{n}",
            )
        )
    info = DocumentInfo(
        title="Trials",
        subtitle="",
        area="Testshire",
        board="Testshire Board",
        version="1",
        date=dt.date(2025, 1, 1),
        date_text="1 January 2025",
        status="final",
        author="Test",
        subject="Test",
        keywords=[],
    )
    document = Document.single(info, document_look, blocks)
    label(document)
    return document


def test_a_caption_goes_over_with_its_table(tmp_path):
    document = caption_trials(LOOK)
    tables = captioned(document)
    pdf = read_pages(render_pdf(document, tmp_path), document)
    word = libreoffice.convert_to_pdf(render_docx(document))
    assert word is not None
    assert len(pdf) > 12  # some trials run over a page
    assert stranded_captions(pdf, tables) == []
    assert stranded_captions(read_pages(word, document), tables) == []


# ---------------------------------------------------------------- the model alone


def table(columns: int, text: str, rows: int = 3, id: str = "t") -> Table:
    return Table(
        [Column(f"Column {i}") for i in range(columns)],
        [Row([Cell([Text(text)]) for _ in range(columns)]) for _ in range(rows)],
        id=id,
    )


def heading(level: int, title: str, new_page: bool = False) -> Heading:
    return Heading(level, [Text(title)], title.lower(), WHERE, page_break_before=new_page)


def para(words: int) -> Paragraph:
    return Paragraph([Text(" ".join(["word"] * words))])


def wide_table(id: str = "w") -> Table:
    return table(14, "a longer description of a line of spending", id=id)


def test_a_table_that_fits_portrait_is_not_turned():
    measure = Measure(LOOK)
    NARROW, WIDE = table(3, "short text"), wide_table()
    assert measure.table_fits(NARROW)
    assert not measure.table_fits(WIDE)
    out = settle_blocks([heading(1, "One", True), Landscape([NARROW], fit=True)], measure)
    assert not any(isinstance(b, Landscape) for b in out)
    assert NARROW in out and not NARROW.wide


def test_always_keeps_a_narrow_table_landscape():
    narrow = table(3, "short text")
    out = settle_blocks([heading(1, "One", True), Landscape([narrow])], Measure(LOOK))
    assert isinstance(out[-1], Landscape) and narrow.wide


def test_tables_of_one_shape_are_turned_alike():
    """One expenditure table too wide for portrait turns every table of its shape."""
    short, long = table(7, "x", id="a"), table(7, "x", id="b")
    long.rows[0].cells[0] = Cell(
        [Text("Unbreakablewordthatisverylongindeedandwiderthanacolumn" * 2)]
    )
    blocks = [
        heading(1, "One", True),
        Landscape([short], fit=True),
        heading(1, "Two", True),
        Landscape([long], fit=True),
    ]
    out = settle_blocks(blocks, Measure(LOOK))
    assert short.wide and long.wide
    regions = [b for b in out if isinstance(b, Landscape)]
    assert all(any(t in r.blocks for r in regions) for t in (short, long))


def test_a_short_lead_in_joins_the_landscape_region():
    chapter, intro, WIDE = heading(1, "Performance", True), para(60), wide_table()
    out = settle_blocks([para(10), chapter, intro, Landscape([WIDE], fit=True)], Measure(LOOK))
    assert isinstance(out[1], Landscape)
    assert out[1].blocks == [chapter, intro, WIDE]


def test_a_region_in_flowing_text_waits_for_the_end_of_its_chapter():
    wide = wide_table("w2")
    text = [para(400), heading(2, "Part"), para(400)]
    next_chapter = heading(1, "Next", True)
    blocks = [heading(1, "One", True), *text, Landscape([wide], fit=True), para(300), next_chapter]
    out = settle_blocks(blocks, Measure(LOOK))
    region = next(i for i, b in enumerate(out) if isinstance(b, Landscape))
    assert out[region + 1] is next_chapter  # after the chapter's text, before the next
    assert isinstance(out[region - 1], Paragraph)


def test_regions_one_after_another_become_one():
    first, second = table(14, "long words here", id="x"), table(14, "long words here", id="y")
    blocks = [
        heading(1, "One", True),
        Landscape([first]),
        PageBreak(),
        Landscape([second]),
    ]
    out = settle_blocks(blocks, Measure(LOOK))
    regions = [b for b in out if isinstance(b, Landscape)]
    assert len(regions) == 1
    assert regions[0].blocks[0].title == [Text("One")]  # the chapter heading opens it
    assert first in regions[0].blocks and second in regions[0].blocks


def test_a_heading_before_a_placed_region_goes_with_it():
    long_text = [heading(1, "One", True), para(900)]
    sub = heading(2, "Register")
    out = settle_blocks([*long_text, sub, Landscape([table(14, "long words here")])], Measure(LOOK))
    assert isinstance(out[-1], Landscape) and out[-1].blocks[0] is sub


def test_a_waiting_region_goes_before_a_landscape_chapter_and_settling_twice_changes_nothing():
    """The next chapter may itself open on landscape pages (a `landscape: true` section):
    the region waiting for the chapter's end goes before it, and a binder settled again
    (the board pack holds the plan) stays as it was."""
    wide = wide_table("w3")
    risks = Landscape([heading(1, "Risks", True), table(14, "long words here", id="r")])
    blocks = [heading(1, "One", True), para(900), Landscape([wide], fit=True), para(300)]
    blocks += [risks, heading(1, "After", True), para(10)]
    once = settle_blocks(blocks, Measure(LOOK))
    regions = [b for b in once if isinstance(b, Landscape)]
    assert len(regions) == 1 and regions[0].blocks[0] is wide  # one run: the table, then Risks
    assert regions[0].blocks[1].title == [Text("Risks")]
    assert settle_blocks(list(once), Measure(LOOK)) == once
