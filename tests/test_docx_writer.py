"""The Word writer, read back: styles, fields, bookmarks, tables, sections and properties.

Documents are built by hand from the model's dataclasses, rendered, and opened again
with python-docx; OOXML details are checked with xpath. The end-to-end tests at the
bottom lay the file out with LibreOffice (one shared conversion) and compare the
contents' page numbers with where the headings really land in the PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from lxml import etree
from PIL import Image, ImageDraw

from bcf_docgen.document.labelling import label as label_document
from bcf_docgen.document.model import (
    Callout,
    Cell,
    Column,
    Contents,
    Document,
    DocumentInfo,
    Figure,
    FootnoteRef,
    Heading,
    ImageData,
    Landscape,
    Link,
    ListBlock,
    PageBreak,
    Paragraph,
    Row,
    Signature,
    Table,
    Text,
    XRef,
)
from bcf_docgen.findings import Location
from bcf_docgen.render import libreoffice
from bcf_docgen.render.docx import bookmark_names, build_docx, render_docx
from bcf_docgen.render.docx_layout import fit_columns, longest_word
from bcf_docgen.render.docx_ooxml import Bookmarks
from bcf_docgen.render.libreoffice import Pages, destination_name
from bcf_docgen.theme import Colours, Fonts, Theme, look_from_theme

HERE = Location("sections/intro.md", 1)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
THEME = Theme()
MARGIN = round(look_from_theme(THEME).page.margin_left_mm * 1440 / 25.4)  # twips
RED = THEME.colours.red.lstrip("#")
AMBER = THEME.colours.amber.lstrip("#")
GREEN = THEME.colours.green.lstrip("#")
RISK_ROWS = 60

# ------------------------------------------------------------------------ the sample


def tiny_png(path: Path) -> ImageData:
    """A picture as composition hands it to the writers: checked bytes, not a file."""
    image = Image.new("RGB", (400, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 380, 180], outline="navy", width=6)
    draw.line([20, 180, 380, 20], fill="red", width=4)
    image.save(path)
    return ImageData(path.read_bytes(), "png", 400, 200, path.name)


def heading(level: int, title: str, number: str, anchor: str, **kw) -> Heading:
    return Heading(level, [Text(title)], anchor, HERE, number=number, anchor=anchor, **kw)


def xref(kind: str, text: str, anchor: str, number: str = "") -> XRef:
    return XRef(kind, anchor, HERE, text=text, anchor=anchor, number=number)  # type: ignore[arg-type]


def risk_table() -> Table:
    rags = ["red", "amber", "green"]
    rows = [
        Row(
            [
                Cell([Text("ID")]),
                Cell([Text("Risk")]),
                Cell([Text("Owner")]),
                Cell([Text("Score")], align="right"),
                Cell([Text("RAG")]),
            ]
        )
    ]
    for i in range(1, RISK_ROWS):
        rag = rags[i % 3]
        # Row 2's RAG cell is empty: the writer must say its rating in words.
        word = {2: "", 3: "Not met"}.get(i, rag.capitalize())
        rows.append(
            Row(
                [
                    Cell([Text(f"R{i}")]),
                    Cell([Text(f"Risk number {i}: demand for care outstrips capacity in winter")]),
                    Cell([Text("Council")]),
                    Cell([Text(f"{(i * 7) % 25 + 1}/25")], align="right"),
                    Cell([Text(word)] if word else [], rag=rag),  # type: ignore[arg-type]
                ],
                anchor="risk-r1" if i == 1 else "",
            )
        )
    rows.append(
        Row([Cell([Text("Total")]), Cell([]), Cell([]), Cell([Text("999")]), Cell([])], "total")
    )
    columns = [
        Column("ID", width=0.5),
        Column("Risk", width=4),
        Column("Owner"),
        Column("Score", numeric=True),
        Column("RAG"),
    ]
    return Table(
        columns,
        rows,
        id="risks",
        caption=[Text("Risk register")],
        number="2",
        anchor="tbl-risks",
        wide=True,
    )


def income_table() -> Table:
    money = [
        Column("Source", width=3),
        Column("2025-26", numeric=True),
        Column("2026-27", numeric=True),
    ]
    rows = [
        Row(
            [
                Cell([Text("Source")]),
                Cell([Text("2025-26")], align="right"),
                Cell([Text("2026-27")], align="right"),
            ]
        ),
        Row([Cell([Text("NHS minimum")]), Cell([Text("£1,000,000")]), Cell([Text("£1,050,000")])]),
        Row([Cell([Text("iBCF")]), Cell([Text("£500,000")]), Cell([Text("£500,000")])]),
        Row(
            [Cell([Text("Total")]), Cell([Text("£1,500,000")]), Cell([Text("£1,550,000")])], "total"
        ),
    ]
    return Table(
        money,
        rows,
        id="income",
        caption=[Text("Income by source")],
        number="1",
        anchor="tbl-income",
    )


def sample(folder: Path, *, draft: bool = True, theme: Theme | None = None) -> Document:
    picture = tiny_png(folder / "model.png")
    blocks = [
        Paragraph([Text("Better Care Fund Plan 2025-26")], "title"),
        Paragraph([Text("Testshire Health and Wellbeing Board")], "subtitle"),
        Paragraph([Text("Version 0.1, 14 March 2025")], "cover"),
        Paragraph([Text("DRAFT: not yet agreed")], "banner"),
        PageBreak(),
        Contents(),
        PageBreak(),
        heading(1, "Introduction", "1", "sec-intro"),
        Paragraph(
            [
                Text("Income is in "),
                xref("tbl", "Table 1", "tbl-income", "1"),
                Text(", the model in "),
                xref("fig", "Figure 1", "fig-model", "1"),
                Text("; see "),
                xref("sec", "section 2.1", "sec-risks", "2.1"),
                Text(" and "),
                xref("risk", "risk R1", "risk-r1"),
                Text(". A note"),
                FootnoteRef(1),
                Text(" and a "),
                Link("https://example.org/bcf", [Text("link")]),
                Text("."),
            ],
            "lead",
        ),
        Callout(
            [Paragraph([Text("I can live at home for longer, with the right support.")])],
            "statement",
            "Our I statement",
        ),
        ListBlock(
            False,
            [
                [Paragraph([Text("First bullet")])],
                [
                    Paragraph([Text("Second bullet")]),
                    ListBlock(
                        True, [[Paragraph([Text("Nested one")])], [Paragraph([Text("Nested two")])]]
                    ),
                ],
            ],
        ),
        ListBlock(True, [[Paragraph([Text("Step one")])], [Paragraph([Text("Step two")])]]),
        ListBlock(
            True, [[Paragraph([Text("Again one")])], [Paragraph([Text("Again two")])]], start=3
        ),
        heading(2, "Funding", "1.1", "sec-funding"),
        income_table(),
        Figure(
            picture,
            "A box crossed by a red line",
            [Text("The home first model")],
            "model",
            HERE,
            0.6,
            "1",
            "fig-model",
        ),
        heading(3, "Detail", "1.1.1", "sec-detail"),
        Table(
            [Column("Item"), Column("Value", width=2)],
            [
                Row([Cell([Text("Lead")]), Cell([Text("Council")])]),
                Row([Cell([Text("Status")]), Cell([Text("Agreed")])]),
            ],
            header=False,
            key_value=True,
        ),
        # The model (document/flow.py) puts the headings before a region in it.
        Landscape(
            [
                heading(1, "Risks", "2", "sec-risk-top", page_break_before=True),
                heading(2, "Risk register", "2.1", "sec-risks"),
                risk_table(),
            ]
        ),
        heading(1, "Sign-off", "3", "sec-signoff"),
        Signature(
            "Testshire Health and Wellbeing Board",
            "Cllr A. Person",
            "Chair",
            dt.date(2025, 3, 28),
            "28 March 2025",
        ),
        Signature("NHS Testshire ICB", "Dr B. Person", "Chief Executive", None, ""),
        heading(1, "Glossary", "A", "app-glossary", appendix=True, page_break_before=True),
        heading(2, "Terms", "A.1", "app-terms", appendix=True),
        Paragraph([Text("See "), xref("tbl", "Table 2", "tbl-risks", "2"), Text(".")]),
        heading(2, "Not in the contents", "", "sec-unlisted", numbered=False, in_contents=False),
        Paragraph([Text("Small print.")], "small"),
    ]
    info = DocumentInfo(
        title="Better Care Fund Plan 2025-26",
        subtitle="Testshire",
        area="Testshire",
        board="Testshire Health and Wellbeing Board",
        version="0.1",
        date=dt.date(2025, 3, 14),
        date_text="14 March 2025",
        status="draft" if draft else "final",
        author="Testshire County Council",
        subject="Better Care Fund plan 2025-26",
        keywords=["Better Care Fund", "Testshire"],
    )
    footnotes = {1: [Paragraph([Text("A footnote, listed at the end.")])]}
    document = Document.single(info, look_from_theme(theme or Theme()), blocks, footnotes)
    label_document(document)  # the numbers above are set by hand; labelling adds the words
    return document


LISTED = [
    ("1\tIntroduction", "sec-intro", 1),
    ("1.1\tFunding", "sec-funding", 2),
    ("1.1.1\tDetail", "sec-detail", 3),
    ("2\tRisks", "sec-risk-top", 1),
    ("2.1\tRisk register", "sec-risks", 2),
    ("3\tSign-off", "sec-signoff", 1),
    ("Appendix A: Glossary", "app-glossary", 1),
    ("A.1\tTerms", "app-terms", 2),
]


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("docx")


@pytest.fixture(scope="module")
def rendered(folder) -> bytes:
    return render_docx(sample(folder))


@pytest.fixture(scope="module")
def word(rendered):
    return open_docx(rendered)


def body(word):
    return word.element.body


def style_id(p) -> str:
    found = p.xpath("./w:pPr/w:pStyle/@w:val")
    return found[0] if found else ""


def text_of(node) -> str:
    """Text as a reader sees it: w:t, tabs as \\t, field instructions left out."""
    out = []
    for n in node.xpath("descendant-or-self::w:r/w:t | descendant-or-self::w:r/w:tab"):
        out.append("\t" if n.tag == f"{W}tab" else n.text or "")
    return "".join(out)


def bookmark_set(word) -> set[str]:
    return set(body(word).xpath(".//w:bookmarkStart/@w:name"))


# ------------------------------------------------------------------------- headings


def test_headings_are_real_heading_styles_numbered_in_order(word):
    headings = [
        (p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")
    ]
    expected_styles = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3"}
    assert headings[: len(LISTED)] == [(expected_styles[lvl], text) for text, _, lvl in LISTED]
    assert headings[len(LISTED)] == ("Heading 2 (not in contents)", "Not in the contents")
    assert headings[len(LISTED) + 1] == ("Heading 1 (not in contents)", "Notes")


def test_cover_uses_the_title_and_paragraph_styles(word):
    styles = [p.style.name for p in word.paragraphs[:4]]
    assert styles == ["Title", "Subtitle", "Cover Text", "Banner"]
    names = {s.name for s in word.styles}
    assert {"Lead", "Small", "Note", "Caption", "Contents Heading"} <= names
    lead = next(p for p in word.paragraphs if p.text.startswith("Income is in"))
    assert lead.style.name == "Lead"


def test_every_heading_carries_a_bookmark_named_from_its_anchor(word):
    names = bookmark_set(word)
    for _, anchor, _ in LISTED:
        assert f"bm_{anchor.replace('-', '_')}" in names
    for p in word.paragraphs:
        if p.style.name.startswith("Heading 1") and p.text.startswith("1\t"):
            assert p._p.xpath("./w:bookmarkStart/@w:name") == ["bm_sec_intro"]


def test_heading_page_breaks_and_outline_levels(word):
    glossary = next(p for p in word.paragraphs if p.text == "Appendix A: Glossary")
    assert glossary.paragraph_format.page_break_before
    unlisted = word.styles["Heading 2 (not in contents)"]
    assert unlisted.element.xpath("./w:pPr/w:outlineLvl/@w:val") == ["9"]
    assert word.styles["Heading 2"].element.xpath("./w:pPr/w:outlineLvl/@w:val") == ["1"]


# ------------------------------------------------------------------------- contents


def toc_entries(word):
    entries = []
    for p in body(word).xpath(".//w:p[starts-with(w:pPr/w:pStyle/@w:val, 'TOC')]"):
        link = p.xpath("./w:hyperlink")[0]
        instr = "".join(link.xpath(".//w:instrText/text()"))
        runs = link.xpath("./w:r")
        separate = [
            i for i, r in enumerate(runs) if r.xpath("./w:fldChar[@w:fldCharType='separate']")
        ]
        cached = "".join(t for r in runs[separate[-1] + 1 :] for t in r.xpath("./w:t/text()"))
        label = text_of(link).removesuffix(cached).rstrip("\t")
        entries.append((style_id(p), label, link.get(qn("w:anchor")), instr.strip(), cached))
    return entries


def test_contents_is_a_toc_field_whose_cached_result_lists_every_heading(folder):
    doc = sample(folder)
    pages = {anchor: n + 3 for n, (_, anchor, _) in enumerate(LISTED)}
    word = open_docx(render_docx(doc, pages, total_pages=12))
    instructions = body(word).xpath(".//w:instrText/text()")
    assert ' TOC \\o "1-3" \\h \\z \\u ' in instructions
    entries = toc_entries(word)
    names = bookmark_names(doc)
    assert [(e[0], e[1]) for e in entries] == [(f"TOC{lvl}", text) for text, _, lvl in LISTED]
    for (_, _, link, instr, cached), (_, anchor, _) in zip(entries, LISTED, strict=True):
        assert link == names[anchor]
        assert instr == f"PAGEREF {names[anchor]} \\h"
        assert cached == str(pages[anchor])
    # The field begins in the first entry and ends in the last one.
    tocs = body(word).xpath(".//w:p[starts-with(w:pPr/w:pStyle/@w:val, 'TOC')]")
    assert tocs[0].xpath("./w:r/w:fldChar/@w:fldCharType")[0] == "begin"
    assert tocs[-1].xpath("./w:r/w:fldChar/@w:fldCharType")[-1] == "end"


def test_contents_title_is_not_a_heading_and_pages_are_blank_when_unknown(word):
    title = next(p for p in word.paragraphs if p.text == "Contents")
    assert title.style.name == "Contents Heading"
    assert not title._p.xpath("./w:pPr/w:outlineLvl")
    assert not word.styles["Contents Heading"].element.xpath(".//w:outlineLvl")
    assert all(cached == "" for *_, cached in toc_entries(word))
    assert not word.settings.element.xpath("./w:updateFields")


def test_toc_styles_have_a_dot_leader_tab_at_the_text_width(word):
    tabs = word.styles["toc 1"].element.xpath("./w:pPr/w:tabs/w:tab[@w:leader='dot']/@w:pos")
    assert tabs == [str(11906 - 2 * MARGIN)]


# ------------------------------------------------------------------ captions, xrefs


def test_captions_are_seq_fields_with_the_bookmark_around_the_label_only(word):
    captions = [p for p in word.paragraphs if p.style.name == "Caption"]
    assert [text_of(p._p) for p in captions] == [
        "Table 1: Income by source",
        "Figure 1: The home first model",
        "Table 2: Risk register",
    ]
    for p, (kind, number, name) in zip(
        captions,
        [
            ("Table", "1", "bm_tbl_income"),
            ("Figure", "1", "bm_fig_model"),
            ("Table", "2", "bm_tbl_risks"),
        ],
        strict=True,
    ):
        assert p._p.xpath(".//w:instrText/text()") == [f" SEQ {kind} \\* ARABIC "]
        start = p._p.xpath("./w:bookmarkStart")[0]
        assert start.get(qn("w:name")) == name
        inside = []
        node = start.getnext()
        while node.tag != f"{W}bookmarkEnd":
            inside.append(node)
            node = node.getnext()
        assert "".join(text_of(n) for n in inside) == f"{kind} {number}"


def test_cross_references_are_ref_fields_or_internal_links_carrying_their_text(word):
    lead = next(p for p in word.paragraphs if p.text.startswith("Income is in"))
    instructions = [i.strip() for i in lead._p.xpath(".//w:instrText/text()")]
    assert instructions == ["REF bm_tbl_income \\h", "REF bm_fig_model \\h"]
    assert text_of(lead._p).startswith(
        "Income is in Table 1, the model in Figure 1; see section 2.1"
    )
    links = {
        link.get(qn("w:anchor")): text_of(link)
        for link in lead._p.xpath("./w:hyperlink[@w:anchor]")
    }
    assert links == {"bm_sec_risks": "section 2.1", "bm_risk_r1": "risk R1", "note_1": "1"}
    anchors = set(body(word).xpath(".//w:hyperlink/@w:anchor"))
    refs = {
        i.split()[1]
        for i in body(word).xpath(".//w:instrText/text()")
        if i.split()[0] in ("REF", "PAGEREF")
    }
    assert anchors | refs <= bookmark_set(word)  # every reference has its target


def test_an_anchored_row_carries_its_bookmark(word):
    start = body(word).xpath(".//w:tc//w:bookmarkStart[@w:name='bm_risk_r1']")
    assert len(start) == 1
    assert text_of(start[0].getparent()) == "R1"


def test_external_link_is_a_hyperlink_relationship(word):
    link = body(word).xpath(".//w:hyperlink[@r:id]")[0]
    rel = word.part.rels[link.get(qn("r:id"))]
    assert rel.is_external and rel.target_ref == "https://example.org/bcf"
    assert link.xpath(".//w:rStyle/@w:val") == ["Hyperlink"]


def test_bookmark_names_are_valid_unique_and_stable():
    marks = Bookmarks()
    assert marks.name("sec-background") == "bm_sec_background"
    long = marks.name("scheme-" + "very-long-name-" * 5)
    odd = marks.name("sec_a")
    dash = marks.name("sec-a")
    unicode = marks.name("sec-café")
    names = [long, odd, dash, unicode, marks.name("sec-background")]
    for name in names:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", name), name
    assert len(set(names)) == len(names)
    again = Bookmarks()
    assert [again.name(a) for a in ("sec-background", "sec_a")] == ["bm_sec_background", odd]


# --------------------------------------------------------------------------- tables


def data_tables(word):
    return [t for t in word.tables if t._tbl.xpath("./w:tblPr/w:tblCaption")]


def test_header_rows_repeat_and_no_row_splits(word):
    tables = data_tables(word)
    assert len(tables) == 2
    for table in tables:
        rows = table._tbl.xpath("./w:tr")
        assert rows[0].xpath("./w:trPr/w:tblHeader")
        assert not any(r.xpath("./w:trPr/w:tblHeader") for r in rows[1:])
        assert all(r.xpath("./w:trPr/w:cantSplit") for r in rows)
        header_fills = set(rows[0].xpath("./w:tc/w:tcPr/w:shd/@w:fill"))
        assert header_fills == {THEME.colours.table_header.lstrip("#")}
        assert set(rows[0].xpath(".//w:r/w:rPr/w:b/..//w:color/@w:val")) == {
            THEME.colours.table_header_text.lstrip("#")
        }
    risk = tables[1]
    assert len(risk.rows) == RISK_ROWS + 1


def test_numbers_are_right_aligned_and_totals_bold_and_shaded(word):
    income = data_tables(word)[0]
    for row in income.rows[1:]:
        assert [c.paragraphs[0].alignment for c in row.cells][1:] == [2, 2]  # right
    total = income.rows[-1]._tr
    assert set(total.xpath("./w:tc/w:tcPr/w:shd/@w:fill")) == {THEME.colours.total_row.lstrip("#")}
    assert all(r.xpath("./w:rPr/w:b") for r in total.xpath(".//w:r"))


def test_tables_fill_the_text_width_and_money_is_not_split(word):
    text_width = 11906 - 2 * MARGIN
    income = data_tables(word)[0]._tbl
    widths = [int(w) for w in income.xpath("./w:tblGrid/w:gridCol/@w:w")]
    assert sum(widths) == text_width
    assert min(widths[1:]) >= longest_word("£1,550,000", THEME.fonts.body_size - 1, bold=True)


def test_rag_cells_are_shaded_and_say_their_rating_in_words(word):
    risk = data_tables(word)[1]
    colours = THEME.colours
    expected = {
        RED: ("Red", colours.red_text),
        AMBER: ("Amber", colours.amber_text),
        GREEN: ("Green", colours.green_text),
    }
    seen = set()
    for row in risk.rows[1:-1]:
        tc = row._tr.xpath("./w:tc")[4]
        fill = tc.xpath("./w:tcPr/w:shd/@w:fill")[0]
        rating, colour = expected[fill]
        assert text_of(tc) in (rating, "Not met")
        assert set(tc.xpath(".//w:r/w:rPr/w:color/@w:val")) == {colour.lstrip("#")}
        seen.add(fill)
    assert seen == set(expected)
    # R2's cell was empty in the model: the writer says the rating; R3's own words stay.
    assert [risk.rows[2].cells[0].text, risk.rows[2].cells[4].text] == ["R2", "Green"]
    assert [risk.rows[3].cells[0].text, risk.rows[3].cells[4].text] == ["R3", "Not met"]


def test_key_value_tables_have_a_header_column(word):
    table = next(t for t in word.tables if t.cell(0, 0).text == "Lead")
    assert not table._tbl.xpath(".//w:tblHeader")
    assert table._tbl.xpath("./w:tblPr/w:tblLook/@w:firstColumn") == ["1"]
    for row in table.rows:
        first, second = row._tr.xpath("./w:tc")
        assert first.xpath("./w:tcPr/w:shd/@w:fill") == [THEME.colours.table_header.lstrip("#")]
        assert first.xpath(".//w:r/w:rPr/w:b")
        assert not second.xpath("./w:tcPr/w:shd")


def test_the_wide_table_sits_in_a_landscape_section(word):
    sections = list(word.sections)
    assert [s.orientation for s in sections] == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
        WD_ORIENT.PORTRAIT,
    ]
    landscape = sections[1]
    assert landscape.page_width > landscape.page_height
    assert (landscape.page_width.twips, landscape.page_height.twips) == (16838, 11906)
    for section in (sections[0], sections[2]):
        assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)
    for section in sections:
        assert section.left_margin.twips == section.top_margin.twips == MARGIN == 1134
    # The headings the model put in the landscape region open it (with no page break of
    # their own), and the risk table closes it.
    paragraphs = [p.text for p in word.paragraphs]
    portrait_end = next(i for i, p in enumerate(word.paragraphs) if p._p.xpath("./w:pPr/w:sectPr"))
    assert paragraphs[portrait_end + 1 : portrait_end + 3] == ["2\tRisks", "2.1\tRisk register"]
    assert not word.paragraphs[portrait_end + 1].paragraph_format.page_break_before
    risk = data_tables(word)[1]._tbl
    closing = risk.getnext()
    assert closing.xpath("./w:pPr/w:sectPr/w:pgSz/@w:orient") == ["landscape"]
    widths = [int(w) for w in risk.xpath("./w:tblGrid/w:gridCol/@w:w")]
    assert sum(widths) == 16838 - 2 * MARGIN


# -------------------------------------------------------------------- other blocks


def test_figures_have_alt_text_and_scale_to_the_text_width(word):
    (shape,) = word.inline_shapes
    doc_pr = shape._inline.docPr
    assert doc_pr.get("descr") == "A box crossed by a red line"
    assert doc_pr.get("title") == "The home first model"
    text_width_emu = (11906 - 2 * MARGIN) * 635
    assert abs(shape.width - 0.6 * text_width_emu) < 635 * 2
    assert abs(shape.height * 2 - shape.width) < 635 * 4  # 400 x 200 keeps its aspect
    picture = shape._inline.getparent().getparent().getparent()
    caption = picture.getnext()
    assert text_of(caption) == "Figure 1: The home first model"


def test_lists_use_word_numbering_and_each_list_restarts(word):
    items = {
        p.text: p for p in word.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None
    }
    num = {text: (p._p.pPr.numPr.numId.val, p._p.pPr.numPr.ilvl.val) for text, p in items.items()}
    assert num["First bullet"][0] == num["Second bullet"][0]
    assert num["Nested one"][1] == 1 and num["Nested one"][0] != num["First bullet"][0]
    ordered = {num["Step one"][0], num["Again one"][0]}
    assert len(ordered) == 2  # two lists, two w:num, so the second restarts
    numbering = word.part.numbering_part.element

    def abstract(num_id):
        return numbering.xpath(f"./w:num[@w:numId='{num_id}']/w:abstractNumId/@w:val")[0]

    def fmt(num_id, level):
        a = abstract(num_id)
        return numbering.xpath(
            f"./w:abstractNum[@w:abstractNumId='{a}']/w:lvl[@w:ilvl='{level}']/w:numFmt/@w:val"
        )[0]

    assert fmt(num["First bullet"][0], 0) == "bullet"
    assert fmt(num["Step one"][0], 0) == "decimal"
    assert fmt(num["Nested one"][0], 1) == "lowerLetter"
    again = numbering.xpath(f"./w:num[@w:numId='{num['Again one'][0]}']")[0]
    start = again.xpath("./w:lvlOverride[@w:ilvl='0']/w:startOverride/@w:val")
    assert start == ["3"]
    # Abstract definitions come before every w:num (schema order).
    tags = [child.tag.split("}")[1] for child in numbering]
    assert tags.index("num") > max(i for i, t in enumerate(tags) if t == "abstractNum")


def test_callouts_are_set_apart_in_a_shaded_box(word):
    """Bordered, shaded paragraphs (one box in Word), not a table a reader announces."""
    assert not any("I can live at home" in t._tbl.xpath("string(.)") for t in word.tables)
    texts = [p.text for p in word.paragraphs]
    title = texts.index("Our I statement")
    box = word.paragraphs[title : title + 2]
    assert "I can live at home" in box[1].text
    for p in box:
        assert p._p.xpath("./w:pPr/w:pBdr/w:left/@w:sz") == ["24"]
        assert p._p.xpath("./w:pPr/w:shd/@w:fill")
    borders = [etree.tostring(p._p.xpath("./w:pPr/w:pBdr")[0]) for p in box]
    assert borders[0] == borders[1]  # identical borders: Word draws one box


def test_signature_blocks_hold_together_with_lines_to_sign(word):
    paragraphs = [p for p in word.paragraphs if p.style.name == "Signature"]
    texts = [p.text for p in paragraphs]
    assert texts[:5] == [
        "Signed on behalf of: Testshire Health and Wellbeing Board",
        "Name: Cllr A. Person",
        "Position: Chair",
        "Date: 28 March 2025",
        "Signature: " + "_" * 28,
    ]
    assert texts[8] == "Date: " + "_" * 28  # no date yet: a line to write it on
    for block in (paragraphs[:5], paragraphs[5:]):
        keeps = [p._p.xpath("./w:pPr/w:keepNext/@w:val") for p in block]
        assert keeps[:-1] == [[]] * 4  # keep with next (style), no override
        assert keeps[-1] == ["0"]  # the block's last line lets the next block move
    assert word.styles["Signature"].paragraph_format.keep_with_next


def test_footnotes_become_superscript_numbers_and_a_notes_list(word):
    marker = body(word).xpath(".//w:hyperlink[@w:anchor='note_1']/w:r")[0]
    assert marker.xpath("./w:rPr/w:rStyle/@w:val") == ["FootnoteReference"]
    assert word.styles["footnote reference"].font.superscript
    notes = [p.text for p in word.paragraphs][-2:]
    assert notes == ["Notes", "1\tA footnote, listed at the end."]
    assert "note_1" in bookmark_set(word)


def test_the_logo_heads_the_cover_with_alt_text(folder):
    doc = sample(folder)
    doc.part.logo = tiny_png(folder / "logo.png")
    word = open_docx(render_docx(doc))
    first = word.paragraphs[0]
    assert first.alignment == 2  # right
    (doc_pr,) = first._p.xpath(".//wp:docPr")
    assert doc_pr.get("descr") == "Testshire County Council logo"
    assert word.paragraphs[1].style.name == "Title"
    assert len({d.get("id") for d in body(word).xpath(".//wp:docPr")}) == 2  # unique ids


def test_odd_content_still_makes_a_valid_file(folder):
    doc = sample(folder)
    doc.part.blocks = [
        Contents(),
        Paragraph([Text("Tab\tand\x0bcontrol & <markup> \U0001f600")]),
        Table([Column("Only")], [], header=True),
        ListBlock(False, [[]]),
        Callout([]),
        PageBreak(),
        PageBreak(),
        Landscape([]),
    ]
    doc.part.footnotes = {}
    label_document(doc)
    word = open_docx(render_docx(doc))
    texts = [p.text for p in word.paragraphs]
    assert "Tab\tandcontrol & <markup> \U0001f600" in texts
    assert ' TOC \\o "1-3" \\h \\z \\u ' in body(word).xpath(".//w:instrText/text()")
    assert not word.sections[0].different_first_page_header_footer  # no cover here
    assert not body(word).xpath(".//w:tbl[not(w:tr)]")  # Word refuses tables without rows


# --------------------------------------------------------------- headers, footers


def header_xml(section, first=False) -> str:
    part = section.first_page_header if first else section.header
    return part._element.xml


def test_header_footer_and_draft_mark_on_every_page_but_the_cover_text(word):
    first = word.sections[0]
    assert first.different_first_page_header_footer
    for section in word.sections:
        assert not section.header.is_linked_to_previous
        text = section.header.paragraphs[0].text
        # The same words as the PDF's running header (labelling decides them once).
        assert text == "Better Care Fund Plan 2025-26: Testshire (DRAFT)"
        assert 'string="DRAFT"' in header_xml(section)  # the diagonal watermark
        footer = section.footer._element
        assert text_of(footer).startswith("Version 0.1 | 14 March 2025\tPage ")
        assert [i.strip() for i in footer.xpath(".//w:instrText/text()")] == ["PAGE", "NUMPAGES"]
    for section in word.sections[1:]:
        assert not section.different_first_page_header_footer
    cover = header_xml(first, first=True)
    assert 'string="DRAFT"' in cover and "Better Care Fund Plan" not in cover


def test_final_plans_have_no_draft_mark_and_numpages_is_cached(folder):
    word = open_docx(render_docx(sample(folder, draft=False), total_pages=42))
    for section in word.sections:
        assert "DRAFT" not in header_xml(section) and "textpath" not in header_xml(section)
        footer = section.footer._element
        assert text_of(footer).endswith("Page 1 of 42")


# ------------------------------------------------------- package, properties, bytes


def test_document_properties_and_language(word, rendered):
    props = word.core_properties
    assert props.title == "Better Care Fund Plan 2025-26"
    assert props.subject == "Better Care Fund plan 2025-26"
    assert props.author == "Testshire County Council"
    assert props.keywords == "Better Care Fund, Testshire"
    assert props.language == "en-GB"
    assert props.revision == 1
    assert props.created == props.modified == dt.datetime(2025, 3, 14, tzinfo=dt.UTC)
    assert props.comments == ""
    langs = word.styles.element.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val")
    assert langs == ["en-GB"]


def test_no_python_docx_template_leftovers(rendered, word):
    archive = zipfile.ZipFile(io.BytesIO(rendered))
    names = archive.namelist()
    assert not [
        n for n in names if "thumbnail" in n or "stylesWithEffects" in n or "customXml" in n
    ]
    assert b"thumbnail" not in archive.read("_rels/.rels")
    assert b"python-docx" not in archive.read("docProps/core.xml")
    assert b"2013-12-23" not in archive.read("docProps/core.xml")
    assert b"bcf-docgen" in archive.read("docProps/app.xml")
    styles = archive.read("word/styles.xml")
    assert b"Calibri" not in styles and b"Cambria" not in styles and b"Theme=" not in styles
    assert b"Arial" in styles
    for section in word.sections:  # A4 (210 x 297 mm), not Letter
        assert {section.page_width.twips, section.page_height.twips} == {11906, 16838}
    assert b"updateFields" not in archive.read("word/settings.xml")


def test_two_renders_are_byte_identical_with_fixed_zip_dates(folder, rendered):
    again = render_docx(sample(folder))
    assert hashlib.sha256(again).digest() == hashlib.sha256(rendered).digest()
    dates = {info.date_time for info in zipfile.ZipFile(io.BytesIO(again)).infolist()}
    assert dates == {(1980, 1, 1, 0, 0, 0)}


def test_source_date_epoch_sets_the_dates(folder, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    props = open_docx(render_docx(sample(folder))).core_properties
    assert props.created == props.modified == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)


def test_styles_fonts_and_paper_come_from_the_theme(folder):
    theme = Theme(
        colours=Colours(primary="#123456", table_header="#223344"),
        fonts=Fonts(body="Verdana", heading="Georgia", body_size=10),
        paper="A3",
    )
    word = open_docx(render_docx(sample(folder, theme=theme)))
    h1 = word.styles["Heading 1"]
    assert h1.font.color.rgb == docx.shared.RGBColor(0x12, 0x34, 0x56)
    assert h1.font.name == "Georgia"
    assert word.styles.element.xpath("./w:docDefaults//w:rFonts/@w:ascii") == ["Verdana"]
    assert word.styles["Normal"].font.size == docx.shared.Pt(10)
    fills = set(body(word).xpath(".//w:tr[w:trPr/w:tblHeader]/w:tc/w:tcPr/w:shd/@w:fill"))
    assert fills == {"223344"}
    first = word.sections[0]
    assert (first.page_width.twips, first.page_height.twips) == (16838, 23811)  # A3


def test_fit_columns_respects_needs_and_fills_the_width():
    assert fit_columns([1, 1, 1], [0, 0, 0], 900) == [300, 300, 300]
    widths = fit_columns([4, 1, 1], [0, 400, 0], 1200)
    assert widths[1] == 400 and sum(widths) == 1200 and widths[0] > widths[2]
    squeezed = fit_columns([1, 1], [800, 800], 1000)
    assert squeezed == [500, 500]


# ---------------------------------------------------------------- build, LibreOffice


def test_destination_names_follow_libreoffice_spelling():
    assert destination_name("bm_sec_intro") == "bm5Fsec5Fintro"
    assert destination_name("note_1") == "note5F1"
    pages = Pages({"bm5Fsec5Fintro": 3}, 9)
    assert pages.page_of("bm_sec_intro") == 3 and pages.page_of("bm_other") is None


def test_paginate_returns_none_without_libreoffice(monkeypatch):
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    assert libreoffice.paginate(b"not even a docx") is None


def test_build_without_libreoffice_still_gives_a_complete_file(folder, monkeypatch):
    monkeypatch.setattr(
        libreoffice, "paginate", lambda data, timeout=libreoffice.PAGINATE_SECONDS: None
    )
    data, paginated = build_docx(sample(folder))
    assert not paginated
    assert data == render_docx(sample(folder))


def test_build_writes_the_pages_it_was_told_and_stops_when_they_hold(folder, monkeypatch):
    doc = sample(folder)
    names = bookmark_names(doc)
    found = Pages({destination_name(names[a]): n + 3 for n, (_, a, _) in enumerate(LISTED)}, 11)
    calls = []

    def fake(data, timeout=libreoffice.PAGINATE_SECONDS):
        calls.append(data)
        return found

    monkeypatch.setattr(libreoffice, "paginate", fake)
    data, paginated = build_docx(doc)
    assert paginated and len(calls) == 2  # the second look confirms the first
    cached = [e[-1] for e in toc_entries(open_docx(data))]
    assert cached == [str(n + 3) for n in range(len(LISTED))]
    assert data == render_docx(
        doc, {a: n + 3 for n, (_, a, _) in enumerate(LISTED)}, total_pages=11
    )


needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice not installed"
)


@needs_soffice
def test_paginate_gives_up_after_its_timeout(rendered):
    assert libreoffice.paginate(rendered, timeout=0.05) is None


@pytest.fixture(scope="module")
def laid_out(folder):
    """The built .docx (paginated by LibreOffice) and LibreOffice's PDF of it."""
    pdfplumber = pytest.importorskip("pdfplumber")
    doc = sample(folder)
    data, paginated = build_docx(doc, passes=1)
    pdf = libreoffice.convert_to_pdf(data)
    assert pdf is not None
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        texts = [page.extract_text() or "" for page in opened.pages]
        sizes = [(page.width, page.height) for page in opened.pages]
    return doc, data, paginated, pdf, texts, sizes


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@needs_soffice
def test_libreoffice_shows_every_heading_and_no_field_placeholders(laid_out):
    _, _, paginated, _, texts, _ = laid_out
    assert paginated
    everything = squash("\n".join(texts))
    for label, _, _ in LISTED:
        assert squash(label) in everything
    for bad in ("Error!", "Referencesourcenotfound", "[TOC]", "Notableofcontentsentries"):
        assert squash(bad) not in everything
    for word_ in ("Table1:Incomebysource", "Figure1:Thehomefirstmodel", "IncomeisinTable1"):
        assert word_ in everything
    assert "Red" in everything and "Amber" in everything and "Green" in everything


@needs_soffice
def test_contents_page_numbers_match_where_the_headings_land(laid_out):
    doc, data, _, pdf, texts, _ = laid_out
    pages = libreoffice.read_pages(pdf)
    names = bookmark_names(doc)
    entries = toc_entries(open_docx(data))
    assert len(entries) == len(LISTED)
    contents_page = next(i for i, t in enumerate(texts) if "Contents" in t.splitlines()[:3])
    toc_lines = [squash(line) for line in texts[contents_page].splitlines()]
    for (_, label, _, _, cached), (_, anchor, _) in zip(entries, LISTED, strict=True):
        real = pages.page_of(names[anchor])
        assert cached == str(real), label  # the cached PAGEREF is the real page
        line = re.compile(re.escape(squash(label)) + r"\.{3,}" + cached)
        assert any(line.fullmatch(t) for t in toc_lines), (label, toc_lines)
        title = label.split("\t")[-1].split(": ")[-1]
        assert squash(title) in squash(texts[real - 1])  # and the heading is on that page
    footer = re.search(r"Page (\d+) of (\d+)", texts[-1])
    assert footer and footer.group(1) == footer.group(2) == str(pages.total) == str(len(texts))


@needs_soffice
def test_landscape_pages_repeat_the_header_row(laid_out):
    _, _, _, _, texts, sizes = laid_out
    landscape = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert len(landscape) >= 2  # the long risk table runs over several landscape pages
    for i in landscape:
        assert "ID Risk Owner Score RAG" in texts[i]
    portrait = [i for i, (w, h) in enumerate(sizes) if w < h]
    assert portrait and max(portrait) > max(landscape)  # and back to portrait after
