"""The Word redline: the new version with native tracked changes (docs/review.md).

Word's "Accept all" must give exactly the new version and "Reject all" the old one.
The tests apply both to the XML (accept: drop w:del, unwrap w:ins; reject: drop w:ins,
unwrap w:del with w:delText made w:t again; paragraphs and rows added or removed whole
go with their mark) and compare every paragraph's and cell's text with plain builds of
each revision.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile

import pytest
from lxml import etree
from test_diff import EXAMPLE, edited_repo

from bcf_docgen.changes import Comparison, compare, redline_docx
from bcf_docgen.document.model import (
    Cell,
    Column,
    Document,
    DocumentInfo,
    Paragraph,
    Row,
    Table,
    Text,
)
from bcf_docgen.render.docx import render_docx
from bcf_docgen.render.redline_docx import merge_inlines, render_redline
from bcf_docgen.theme import Theme, look_from_theme

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DATE = dt.datetime(2025, 11, 2, 10, 30, tzinfo=dt.UTC)


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def body(data: bytes) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))


def _unwrap(node: etree._Element) -> None:
    parent = node.getparent()
    index = parent.index(node)
    for child in list(node):
        parent.insert(index, child)
        index += 1
    parent.remove(node)


def resolve(root: etree._Element, accept: bool) -> etree._Element:
    """Word's Accept all (or Reject all), applied to a copy of the XML."""
    keep, drop = ("ins", "del") if accept else ("del", "ins")
    root = copy.deepcopy(root)
    rows = [r for r in root.iter(q("tr")) if r.find(f"{q('trPr')}/{q(drop)}") is not None]
    paragraphs = [
        p for p in root.iter(q("p")) if p.find(f"{q('pPr')}/{q('rPr')}/{q(drop)}") is not None
    ]
    for node in list(root.iter(q(drop), q(keep))):
        parent = node.getparent()
        if parent is None or parent.tag in (q("rPr"), q("trPr")):
            continue
        if node.tag == q(drop):
            parent.remove(node)
        else:
            _unwrap(node)
    for row in rows:
        row.getparent().remove(row)
    for paragraph in paragraphs:  # its mark goes, and nothing of it is left
        assert not "".join(t.text or "" for t in paragraph.iter(q("t"), q("delText"))).strip()
        paragraph.getparent().remove(paragraph)
    for mark in list(root.iter(q(drop), q(keep))):
        mark.getparent().remove(mark)
    for tag, plain in (("delText", "t"), ("delInstrText", "instrText")):
        for node in root.iter(q(tag)):
            node.tag = q(plain)
    for change in list(root.iter(q("rPrChange"))):
        props = change.getparent()
        if accept:
            props.remove(change)
        else:
            props.getparent().replace(props, change.find(q("rPr")))
    return root


def texts(root: etree._Element) -> list[str]:
    """Every non-empty paragraph's text (table cells' included), the contents left out:
    it is a field, rebuilt from the headings when Word updates it."""
    out = []
    for paragraph in root.iter(q("p")):
        style = paragraph.find(f"{q('pPr')}/{q('pStyle')}")
        if style is not None and style.get(q("val"), "").startswith("TOC"):
            continue
        text = "".join(t.text or "" for t in paragraph.iter(q("t")))
        if text.strip():
            out.append(text)
    return out


def looks(root: etree._Element) -> list[tuple[str, bool, bool]]:
    """(text, bold, italic) of every run with text."""
    out = []
    for run in root.iter(q("r")):
        text = "".join(t.text or "" for t in run.iter(q("t")))
        props = run.find(q("rPr"))
        if text:
            bold = props is not None and props.find(q("b")) is not None
            italic = props is not None and props.find(q("i")) is not None
            out.append((text, bold, italic))
    return out


def joined(runs: list[tuple[str, bool, bool]]) -> list[tuple[str, bool, bool]]:
    """Adjacent runs of the same look joined (a tracked change splits runs)."""
    out: list[tuple[str, bool, bool]] = []
    for text, bold, italic in runs:
        if out and out[-1][1:] == (bold, italic):
            out[-1] = (out[-1][0] + text, bold, italic)
        else:
            out.append((text, bold, italic))
    return out


# ------------------------------------------------------------------ the example


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> Comparison:
    return compare(edited_repo(tmp_path_factory.mktemp("redline")), "HEAD~1", "HEAD")


@pytest.fixture(scope="module")
def builds(comparison) -> dict[str, bytes]:
    return {
        "old": render_docx(comparison.old.document),
        "new": render_docx(comparison.new.document),
        "redline": redline_docx(comparison),
    }


def test_accept_all_gives_the_new_version_and_reject_all_the_old(builds):
    redline = body(builds["redline"])
    assert texts(resolve(redline, accept=True)) == texts(body(builds["new"]))
    assert texts(resolve(redline, accept=False)) == texts(body(builds["old"]))


def test_changes_are_tracked_in_paragraphs_and_table_cells_by_the_commit(builds):
    redline = body(builds["redline"])
    changes = [n for n in redline.iter(q("ins"), q("del")) if n.getparent().tag != q("rPr")]
    assert changes
    assert {n.get(q("author")) for n in changes} == {"Bea Reviewer"}
    assert {n.get(q("date")) for n in changes} == {"2025-11-02T10:30:00Z"}
    ids = [n.get(q("id")) for n in redline.iter(q("ins"), q("del"), q("rPrChange"))]
    assert len(ids) == len(set(ids))

    def text(node: etree._Element) -> str:
        return "".join(t.text or "" for t in node.iter(q("t"), q("delText")))

    in_cells = [
        (n.tag, text(n)) for n in changes if any(a.tag == q("tc") for a in n.iterancestors())
    ]
    in_body = [
        (n.tag, text(n)) for n in changes if not any(a.tag == q("tc") for a in n.iterancestors())
    ]
    assert (q("del"), "£1,420,000") in in_cells and (q("ins"), "£1,520,000") in in_cells
    assert (q("del"), "acute") in in_body and (q("ins"), "hospital") in in_body  # one word
    # The risk moved down the register (sorted by score): a whole row out, a row in.
    assert redline.findall(f".//{q('trPr')}/{q('del')}") and redline.findall(
        f".//{q('trPr')}/{q('ins')}"
    )
    # No mark is left in the text or the attributes.
    xml = etree.tostring(redline, encoding="unicode")
    assert not any("\ue000" <= ch <= "\ue02f" for ch in xml)


def test_the_contents_captions_and_references_stay_live_fields(builds):
    redline = etree.tostring(body(builds["redline"]), encoding="unicode")
    new = etree.tostring(body(builds["new"]), encoding="unicode")
    for instruction in ("TOC \\o", "SEQ Table", "PAGEREF", "REF "):
        assert redline.count(instruction) == new.count(instruction) > 0, instruction


def test_the_redline_opens_in_libreoffice(builds):
    from bcf_docgen.render.libreoffice import convert_to_pdf, soffice

    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    pdf = convert_to_pdf(builds["redline"])
    assert pdf is not None and pdf.startswith(b"%PDF")
    import pypdf

    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages[:40])
    assert "Kingsmere" in text


# ------------------------------------------------------------------ small documents


def small(blocks) -> Document:
    info = DocumentInfo(
        title="Plan",
        subtitle="Testshire",
        area="Testshire",
        board="Board",
        version="1",
        date=dt.date(2025, 3, 14),
        date_text="14 March 2025",
        status="final",
        author="Testshire County Council",
        subject="Plan",
        keywords=[],
    )
    document = Document.single(info, look_from_theme(Theme()), blocks)
    document.part.cover = False
    return document


def table(rows: list[list[str]]) -> Table:
    columns = [Column("A"), Column("B", numeric=True)]
    body_rows = [Row([Cell([Text(a)]), Cell([Text(b)])]) for a, b in rows]
    return Table(columns, [Row([Cell([Text("A")]), Cell([Text("B")])]), *body_rows], id="t")


def check_both_ways(old: Document, new: Document) -> etree._Element:
    redline = body(render_redline(old, new, "Reviewer", DATE))
    assert texts(resolve(redline, accept=True)) == texts(body(render_docx(new)))
    assert texts(resolve(redline, accept=False)) == texts(body(render_docx(old)))
    return redline


def test_whole_paragraphs_and_rows_added_and_removed():
    old = small(
        [
            Paragraph([Text("First paragraph stays.")]),
            Paragraph([Text("This paragraph goes away entirely.")]),
            table([["Alpha", "1"], ["Beta", "2"], ["Gamma", "3"]]),
        ]
    )
    new = small(
        [
            Paragraph([Text("First paragraph stays.")]),
            table([["Alpha", "1"], ["Gamma", "30"], ["Delta", "4"]]),
            Paragraph([Text("A new closing paragraph.")]),
        ]
    )
    redline = check_both_ways(old, new)
    assert redline.findall(f".//{q('pPr')}/{q('rPr')}/{q('del')}")  # a paragraph removed
    assert redline.findall(f".//{q('pPr')}/{q('rPr')}/{q('ins')}")  # a paragraph added
    assert redline.findall(f".//{q('trPr')}/{q('del')}")  # Beta's row


def test_bold_and_italic_changes_are_tracked_as_formatting():
    old = small(
        [Paragraph([Text("Plain "), Text("strong", bold=True), Text(" words here"), Text(".")])]
    )
    new = small(
        [
            Paragraph(
                [
                    Text("Plain "),
                    Text("strong"),
                    Text(" words "),
                    Text("here", italic=True),
                    Text("."),
                ]
            )
        ]
    )
    redline = check_both_ways(old, new)
    assert len(redline.findall(f".//{q('rPrChange')}")) == 2
    assert joined(looks(resolve(redline, True))) == joined(looks(body(render_docx(new))))
    assert joined(looks(resolve(redline, False))) == joined(looks(body(render_docx(old))))


def test_words_are_the_unit_inside_a_paragraph():
    merged = merge_inlines(
        [Text("The pool is £1,000 this year.")], [Text("The pool is £2,000 this year.")]
    )
    assert [t.text for t in merged if isinstance(t, Text)] == [
        "The pool is ",
        "\ue001£1,000\ue002",
        "\ue000£2,000\ue002",
        " this year.",
    ]


# ------------------------------------------------------------------ marked PDF, HTML


@pytest.fixture(scope="module")
def marked(comparison) -> str:
    from bcf_docgen.changes import redline_marked

    return redline_marked(comparison, "html", EXAMPLE).decode("utf-8")


def test_the_marked_page_has_insertions_deletions_bars_and_a_list_of_changes(marked):
    from lxml import html as lxml_html

    tree = lxml_html.document_fromstring(marked)
    inserted = [" ".join(e.text_content().split()) for e in tree.iter("ins") if e.get("id")]
    deleted = [" ".join(e.text_content().split()) for e in tree.iter("del") if e.get("id")]
    assert "£1,520,000" in inserted and "£1,420,000" in deleted
    assert "hospital" in inserted and "acute" in deleted
    changed = tree.xpath("//*[contains(concat(' ', @class, ' '), ' rl-changed ')]")
    assert {e.tag for e in changed} >= {"p", "tr"}  # the bars: paragraphs and rows
    first = tree.find("body")[0]
    links = [a.get("href") for a in first.iter("a")]
    assert len(links) == len(inserted) + len(deleted)
    assert all(tree.get_element_by_id(href[1:]) is not None for href in links)
    assert not any("\ue000" <= ch <= "\ue02f" for ch in marked)
    # The marks are shapes: an underline and a strike-through, not colour alone.
    assert "text-decoration: underline double" in marked
    assert "text-decoration: line-through" in marked


def test_the_marked_pdf_shows_the_changes_and_is_tagged(comparison):
    import pypdf

    from bcf_docgen.changes import redline_marked

    pdf = pypdf.PdfReader(io.BytesIO(redline_marked(comparison, "pdf", EXAMPLE)))
    root = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    first = pdf.pages[0].extract_text()
    assert first.startswith("Changes from HEAD~1")
    assert "deleted: £1,420,000" in first.replace("\n", " ") or "£1,420,000" in first
    links = [a.get_object() for a in pdf.pages[0].get("/Annots", [])]
    assert any(a.get("/Subtype") == "/Link" for a in links)
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "acutehospital" in text.replace(" ", "") or ("acute" in text and "hospital care" in text)


def png(red: int) -> bytes:
    """A 2x2 picture of one colour."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body_ = kind + data
        return struct.pack(">I", len(data)) + body_ + struct.pack(">I", zlib.crc32(body_))

    rows = b"".join(b"\x00" + bytes([red, 0, 0]) * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_a_changed_picture_is_the_old_one_removed_and_the_new_one_inserted():
    from bcf_docgen.document.model import Figure, ImageData
    from bcf_docgen.findings import Location

    def figure(red: int) -> Figure:
        image = ImageData(png(red), "png", 2, 2, "a.png")
        return Figure(image, "A square", [Text("The square")], "sq", Location("a.md"))

    old = small([Paragraph([Text("Before.")]), figure(10)])
    new = small([Paragraph([Text("Before.")]), figure(200)])
    redline = check_both_ways(old, new)
    assert len(redline.findall(f".//{q('del')}//{q('drawing')}")) == 1
    assert len(redline.findall(f".//{q('ins')}//{q('drawing')}")) == 1
    descriptions = [d.get("descr") for d in redline.iter("{*}docPr")]
    assert descriptions == ["A square", "A square"]  # the marks are out of the descriptions


def test_plan_text_holding_the_marks_characters_is_not_read_as_marks():
    """The marks are private-use characters; a plan that holds them gets them taken out
    (they are never printed) instead of having its text tracked by mistake."""
    odd = "\ue001\ue000\ue002\ue021"
    old = small([Paragraph([Text(f"Same {odd}text.")]), Paragraph([Text(f"Was {odd}one.")])])
    new = small([Paragraph([Text(f"Same {odd}text.")]), Paragraph([Text(f"Was {odd}two.")])])
    redline = body(render_redline(old, new, "Reviewer", DATE))

    def plain(document: Document) -> list[str]:
        return [t.replace(odd, "") for t in texts(body(render_docx(document)))]

    assert texts(resolve(redline, accept=True)) == plain(new)
    assert texts(resolve(redline, accept=False)) == plain(old)
    changes = [n for n in redline.iter(q("ins"), q("del")) if n.getparent().tag != q("rPr")]
    assert len(changes) == 2  # "one." out, "two." in: nothing else
    assert old.blocks[0].inlines[0].text == f"Same {odd}text."  # the caller's left as it was
