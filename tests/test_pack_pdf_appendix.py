"""Existing PDFs as appendices of the board pack, and the board's conventions (agenda
item, meeting, paper reference): one small pack built once, read back with pdfplumber,
pypdf and the PDF/UA checks of test_validators."""

from __future__ import annotations

import io
import re

import docx
import pdfplumber
import pikepdf
import pytest
from conftest import run_cli, write_plan
from pypdf import PdfReader
from test_pack import REPORT, outline

from bcf_docgen.pipeline import check_plan

PAGE = re.compile(r"Page (\d+) of (\d+)")
RANGE = re.compile(r"^(?P<label>.+?)\s*\.{3,}\s*(?P<first>\d+)\u2013(?P<last>\d+)$")
SLUG = "testshire-bcf-2025-26"

# The attached paper: two A4 pages and one landscape A5 page, with its own page numbers
# where a Word document has them, and a last page that is a picture to its edges (a
# scan: no text, and no room for the pack's page number).
PAPER = """<!DOCTYPE html><html lang="en-GB"><head><title>Agreement</title><style>
@page { size: A4; margin: 25mm 25mm 25mm 25mm;
        @bottom-center { content: "Agreement page " counter(page); vertical-align: top; } }
@page wide { size: A5 landscape; }
@page bleed { margin: 0; @bottom-center { content: none; } }
.wide { page: wide; }
.bleed { page: bleed; height: 297mm; background: #333; }
</style></head><body>
<h1>Section 75 agreement between Testshire partners</h1>
<p>Clause 1. The partners pool the funds named in schedule 2.</p>
<p style="break-before: page">Clause 2. The host partner keeps the accounts.</p>
<div class="wide" style="break-before: page"><p>Schedule 2: contributions by partner.</p></div>
<div class="bleed" style="break-before: page"></div>
</body></html>"""

BOARD = (
    REPORT
    + """\
meeting_name: Testshire Health and Wellbeing Board (public meeting)
agenda_item: "7"
paper_reference: HWB/25/041
appendices:
  - {title: Signed section 75 agreement, source: papers/agreement.pdf}
  - {title: Risk register, source: risks}
"""
)


def paper_pdf(html: str = PAPER) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small plan's pack with the paper as Appendix 2, made by the command line."""
    root = tmp_path_factory.mktemp("pdf-appendix")
    folder = write_plan(root / "plan", {"board-report.yaml": BOARD})
    (folder / "papers").mkdir()
    (folder / "papers" / "agreement.pdf").write_bytes(paper_pdf())
    out = root / "out"
    result = run_cli("pack", folder, "--out", out)
    assert result.returncode == 0, result.stderr
    pdf = out / f"{SLUG}-board-pack.pdf"
    with pdfplumber.open(pdf) as document:
        pages = [page.extract_text() or "" for page in document.pages]
        sizes = [(round(page.width), round(page.height)) for page in document.pages]
    return folder, pdf, pages, sizes, result


def test_every_page_is_numbered_on_through_the_attached_pages(built):
    """Every page but the cover says "Page N of Y", Y counting the attached pages, except
    the attached page with no free margin, which the pack says it left unstamped."""
    _folder, _pdf, pages, _sizes, result = built
    total = len(pages)
    scan = next(i for i, text in enumerate(pages) if "Schedule 2" in text) + 1
    for number, text in enumerate(pages[1:], start=2):
        expected = [] if number == scan + 1 else [(str(number), str(total))]
        assert PAGE.findall(text) == expected, (number, text)
    assert pages[scan].strip() == ""  # no text at all: not even the running header
    assert "[pack.pdf-no-margin]" in result.stderr and "page 4 of papers/agreement.pdf" in (
        result.stderr
    )
    assert "[a11y.pdf-appendix-text]" in result.stderr


def test_the_attached_pages_are_there_with_their_text_and_size(built):
    _folder, _pdf, pages, sizes, _result = built
    first = next(i for i, text in enumerate(pages) if "Clause 1." in text)
    assert "Appendix 2:" in pages[first - 1]  # its title page
    assert "a PDF document of 4 pages" in pages[first - 1]
    assert "Section 75 agreement between Testshire partners" in " ".join(pages[first].split())
    assert "Agreement page 1" in pages[first]
    assert "Clause 2. The host partner keeps the accounts." in pages[first + 1]
    assert "Schedule 2: contributions by partner." in pages[first + 2]
    assert sizes[first] == (595, 842) and sizes[first + 2] == (595, 420)


def test_the_appendix_has_a_bookmark_and_its_page_range_in_the_contents(built):
    _folder, pdf, pages, _sizes, _result = built
    marks = outline(PdfReader(pdf))
    top = {title: page for depth, title, page in marks if depth == 0}
    label = "Appendix 2: Signed section 75 agreement"
    assert label in top
    ranges = {}
    for line in "\n".join(pages[1:3]).splitlines():
        match = RANGE.match(line.strip())
        if match:
            ranges[match.group("label")] = (int(match.group("first")), int(match.group("last")))
    assert ranges[label] == (top[label], top[label] + 4)  # title page and four pages
    assert ranges["Appendix 3: Risk register"][0] == top[label] + 5
    assert ranges["Appendix 3: Risk register"][1] == len(pages)


def test_board_conventions_on_the_cover_and_in_the_running_header(built):
    folder, _pdf, pages, _sizes, _result = built
    cover = pages[0]
    assert "Testshire Health and Wellbeing Board (public meeting)" in cover
    assert "agenda item 7" in cover and "Paper reference: HWB/25/041" in cover
    meeting = "Testshire Health and Wellbeing Board (public meeting), 10 April 2025, agenda item 7"
    report = next(text for text in pages if "Report to " in text)
    assert report.startswith(meeting + "\nCovering report: Better Care Fund plan\n")
    assert "Testshire Health and Wellbeing Board | 10 April 2025 | Paper HWB/25/041" in report
    attached = next(text for text in pages if "Clause 2." in text)
    assert attached.startswith(meeting + "\nAppendix 2: Signed section 75 agreement\n")
    # The covering report's Word file: the same words on one line of its header.
    word = docx.Document(str(folder.parent / "out" / f"{SLUG}-board-report.docx"))
    header = word.sections[-1].header.paragraphs[0].text
    assert header.startswith(meeting + " | ")
    assert (
        word.sections[-1]
        .footer.paragraphs[0]
        .text.startswith("Testshire Health and Wellbeing Board | 10 April 2025 | Paper HWB/25/041")
    )


def test_the_attached_pages_are_tagged_and_the_pack_passes_the_pdf_checks(built):
    _folder, pdf, _pages, _sizes, _result = built
    assert_attached_pages_tagged_and_valid(pdf)


# ------------------------------------------------------------- files that cannot be used


def encrypted_pdf() -> bytes:
    with pikepdf.open(io.BytesIO(paper_pdf())) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.7\nthis is not a PDF at all\n", "pack.pdf-broken"),
        ("encrypted", "pack.pdf-encrypted"),
    ],
)
def test_a_pdf_that_cannot_be_used_is_a_finding_and_nothing_is_written(
    make_plan, tmp_path, content, code
):
    folder = make_plan({"board-report.yaml": BOARD})
    (folder / "papers").mkdir()
    data = encrypted_pdf() if content == "encrypted" else content
    (folder / "papers" / "agreement.pdf").write_bytes(data)
    checked = check_plan(folder)
    found = [f for f in checked.findings.errors if f.code == code]
    assert len(found) == 1 and found[0].file == "board-report.yaml"
    assert (
        found[0].line
        == BOARD.splitlines().index(
            "  - {title: Signed section 75 agreement, source: papers/agreement.pdf}"
        )
        + 1
    )
    out = tmp_path / "out"
    out.mkdir()
    earlier = out / f"{SLUG}-board-pack.pdf"
    earlier.write_bytes(b"the earlier pack")
    result = run_cli("pack", folder, "--out", out)
    assert result.returncode == 1
    assert f"[{code}]" in result.stderr and "pack refused" in result.stderr
    assert earlier.read_bytes() == b"the earlier pack"


def test_a_pdf_outside_the_plan_folder_is_refused(make_plan, tmp_path):
    outside = BOARD.replace("papers/agreement.pdf", "../agreement.pdf")
    folder = make_plan({"board-report.yaml": outside})
    checked = check_plan(folder)
    assert [f.code for f in checked.findings.errors] == ["path.outside"]


def test_a_pdf_too_long_is_refused(make_plan, monkeypatch):
    import bcf_docgen.render.pdf_attach as attach

    monkeypatch.setattr(attach, "MAX_PAGES", 2)
    folder = make_plan({"board-report.yaml": BOARD})
    (folder / "papers").mkdir()
    (folder / "papers" / "agreement.pdf").write_bytes(paper_pdf())
    checked = check_plan(folder)
    found = [f for f in checked.findings.errors if f.code == "pack.pdf-too-large"]
    assert len(found) == 1 and "has 4 pages" in found[0].message
    assert checked.pack is not None and "pack refused" in checked.pack.refused


def test_a_page_too_small_for_the_margins_is_refused(make_plan):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(144, 144))  # 2 inches square: a label, not a paper
    out = io.BytesIO()
    pdf.save(out)
    folder = make_plan({"board-report.yaml": BOARD})
    (folder / "papers").mkdir()
    (folder / "papers" / "agreement.pdf").write_bytes(out.getvalue())
    found = [f for f in check_plan(folder).findings.errors if f.code == "pack.pdf-page-size"]
    assert len(found) == 1 and "page 1 of the PDF is 51 x 51 mm, too small" in found[0].message


# --------------------------------------------------- what check tells the publisher to fix


def helvetica_pdf() -> bytes:
    """A page of text in Helvetica, not embedded (what some old exports do)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 600 Td (Minutes of the meeting) Tj ET")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_check_says_what_a_screen_reader_will_miss(make_plan):
    """A tagged paper's own tags are not carried over; fonts not embedded; pages without
    text: warnings of `check`'s accessibility family, at the appendix's line."""
    import weasyprint

    listed = REPORT + (
        "appendices:\n"
        "  - {title: Tagged paper, source: papers/tagged.pdf}\n"
        "  - {title: Old export, source: papers/old.pdf}\n"
    )
    folder = make_plan({"board-report.yaml": listed})
    (folder / "papers").mkdir()
    tagged = weasyprint.HTML(string="<p>Equality impact assessment.</p>").write_pdf(
        pdf_variant="pdf/ua-1"
    )
    (folder / "papers" / "tagged.pdf").write_bytes(tagged)
    (folder / "papers" / "old.pdf").write_bytes(helvetica_pdf())
    checked = check_plan(folder)
    assert checked.findings.errors == []
    warned = {(f.code, f.line) for f in checked.findings.warnings if "pdf" in f.code}
    first = len(REPORT.splitlines()) + 2
    assert warned == {
        ("a11y.pdf-appendix-tags", first),
        ("a11y.pdf-appendix-fonts", first + 1),
    }
    assert checked.pack is not None and not checked.pack.refused
    assert [len(a.pages) for a in checked.pack.attachments] == [1, 1]


def test_the_stamp_moves_to_the_free_strip_nearest_its_place():
    from bcf_docgen.render.pdf_attach import EDGE_MM, _free_strip

    # Nothing in the margin: the usual place, 10 mm from the edge.
    assert _free_strip([(30.0, 250.0)], 10.0, 20.0, 4.0) == 10.0
    # The paper's own footer from 9 to 14 mm: the stamp goes below it, or above it if
    # that is nearer and still inside the 20 mm margin.
    assert _free_strip([(9.0, 14.0), (30.0, 250.0)], 10.0, 20.0, 4.0) == 15.0
    assert _free_strip([(9.0, 14.0), (16.0, 250.0)], 10.0, 20.0, 4.0) == EDGE_MM
    # Content to the edge: nowhere.
    assert _free_strip([(0.0, 250.0)], 10.0, 20.0, 4.0) is None


def test_the_same_plan_gives_the_same_pack_bytes(built):
    from bcf_docgen.pack import render_pack_pdf

    folder, pdf, _pages, _sizes, _result = built
    checked = check_plan(folder)
    assert checked.pack is not None
    assert render_pack_pdf(checked.pack, folder) == pdf.read_bytes()


def assert_attached_pages_tagged_and_valid(pdf) -> None:
    """The pack with the agreement attached passes the validators, and each of its pages is
    a /Div titled as the appendix's page (the scan, with no text, a /Figure); for either
    engine's pack."""
    from test_validators import matterhorn_problems, outloud_errors, pdfua_findings

    found = {
        "matterhorn": matterhorn_problems(pdf),
        "pdfua": pdfua_findings(pdf),
        "outloud": outloud_errors(pdf),
    }
    assert found == {name: [] for name in found}
    with pikepdf.open(pdf) as document:
        titles = []
        stack = [document.Root.StructTreeRoot]
        while stack:
            element = stack.pop()
            if "/T" in element and "attached PDF" in str(element.T):
                titles.append((str(element.S), str(element.T)))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    stack.append(kid)
    where = "Appendix 2: Signed section 75 agreement (attached PDF), page {} of 4"
    assert sorted(titles) == [
        *(("/Div", where.format(n)) for n in (1, 2, 3)),
        ("/Figure", where.format(4)),  # the scan: a figure whose alt text says so
    ]
