"""The board pack with the Typst engine (`pack --engine typst`, docs/board-pack.md): the
same pack as WeasyPrint's, read back from both PDFs, and the same validators.

The example's pack is laid out by Typst once (a module fixture, from the pack the
pipeline composes) and compared with the WeasyPrint pack of the shared build. The
example attaches no PDF, so a small plan with the attached paper of
test_pack_pdf_appendix is laid out by Typst too, for the placeholder pages drawn in.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pdfplumber
import pytest
from conftest import write_plan
from pypdf import PdfReader
from test_pack import LEADER, MEETING, PAGE, outline
from test_pack_pdf_appendix import BOARD, assert_attached_pages_tagged_and_valid, paper_pdf
from test_validators import matterhorn_problems, outloud_errors, pdfua_findings

from bcf_docgen.document.labelling import top_headings
from bcf_docgen.document.model import Heading, Paragraph, plain_text
from bcf_docgen.pack import Pack
from bcf_docgen.parity import _squash, expected_cells, expected_texts
from bcf_docgen.pipeline import check_plan
from bcf_docgen.render.pdf_attach import placeholder_typst
from bcf_docgen.render.typst import typst_source
from bcf_docgen.render.typst_pdf import render_typst_pack

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"
STEM = "kingsmere-bcf-2025-26"
# Typst's line breaking and spacing are close to WeasyPrint's but not the same
# (docs/engines.md): a part may take a page or two more or less.
PAGES_APART = 3
PARTS_BUDGET = 4000  # characters of Typst source a part: this small pack in several parts


def _pack(folder: Path) -> Pack:
    checked = check_plan(folder)
    assert checked.pack is not None and not checked.pack.refused
    return checked.pack


def _typst(pack: Pack, path: Path) -> Path:
    path.write_bytes(render_typst_pack(pack.document, pack.attachments, pack.header))
    return path


@pytest.fixture(scope="module")
def typst_pack(tmp_path_factory) -> tuple[Path, list[str], set[str], Pack]:
    """The example's pack with Typst: (PDF, each page's text, every table cell, the pack)."""
    pack = _pack(EXAMPLE)
    pdf = _typst(pack, tmp_path_factory.mktemp("typst-pack") / f"{STEM}-board-pack.pdf")
    pages, cells = [], set()
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            pages.append(page.extract_text() or "")
            for table in page.extract_tables():
                cells.update(_squash(cell) for row in table for cell in row if cell)
    return pdf, pages, cells, pack


@pytest.fixture(scope="module")
def weasyprint_pack(example_pack: Path) -> tuple[Path, list[str]]:
    """The shared build's WeasyPrint pack and each page's text."""
    pdf = example_pack / f"{STEM}-board-pack.pdf"
    return pdf, [page.extract_text() or "" for page in PdfReader(pdf).pages]


def _part_pages(pdf: Path, pack: Pack, total: int) -> dict[str, tuple[int, int]]:
    """Each part's (first, last) page, from its bookmark to the page before the next's."""
    marks = {title: page for depth, title, page in outline(PdfReader(pdf)) if depth == 0}
    starts = [marks[part.label] for part in pack.parts]
    ends = [start - 1 for start in starts[1:]] + [total]
    return {part.label: (a, b) for part, a, b in zip(pack.parts, starts, ends, strict=True)}


def _body(text: str, pack: Pack) -> str:
    """A page's text without its running header and footer."""
    furniture = {MEETING, *(part.part.running_header for part in pack.parts)}
    lines = text.splitlines()
    return "\n".join(x for x in lines if x.strip() not in furniture and not PAGE.search(x))


# -- the same pack as WeasyPrint's -------------------------------------------------------


def test_every_part_says_what_it_says_in_the_weasyprint_pack(typst_pack, weasyprint_pack):
    """Every paragraph and heading of each part is in that part's pages, in both PDFs."""
    _pdf, _pages, _cells, pack = typst_pack
    for pdf, pages in (typst_pack[:2], weasyprint_pack):
        for part in pack.parts:
            first, last = _part_pages(pdf, pack, len(pages))[part.label]
            text = _squash("\n".join(_body(page, pack) for page in pages[first - 1 : last]))
            wanted = [
                plain_text(b.inlines) if isinstance(b, Paragraph) else b.label
                for b in part.document.walk()
                if isinstance(b, Paragraph | Heading)
            ]
            assert len(wanted) > 1
            missing = [w for w in wanted if _squash(w) not in text]
            assert missing == [], (pdf.name, part.label, missing[:5])


def test_every_table_cell_caption_and_reference_is_there(typst_pack, weasyprint_pack):
    pdf, pages, cells, pack = typst_pack
    wanted = expected_cells(pack.document)
    assert len(wanted) > 1000
    assert [cell for cell in wanted if _squash(cell[1]) not in cells] == []
    texts = expected_texts(pack.document)
    assert len(texts) > 50
    for _pdf, read in ((pdf, pages), weasyprint_pack):
        squashed = _squash("\n".join(read))
        assert [text for text in texts if _squash(text[1]) not in squashed] == []


def test_the_bookmarks_are_the_weasyprint_packs(typst_pack, weasyprint_pack):
    typst = [(depth, title) for depth, title, _page in outline(PdfReader(typst_pack[0]))]
    weasy = [(depth, title) for depth, title, _page in outline(PdfReader(weasyprint_pack[0]))]
    assert typst == weasy and len(typst) > 150
    pages = [page for _depth, _title, page in outline(PdfReader(typst_pack[0]))]
    assert pages == sorted(pages)


def test_the_parts_take_about_the_same_pages(typst_pack, weasyprint_pack):
    pdf, pages, _cells, pack = typst_pack
    typst = _part_pages(pdf, pack, len(pages))
    weasy = _part_pages(weasyprint_pack[0], pack, len(weasyprint_pack[1]))
    for label, (first, last) in typst.items():
        other = weasy[label]
        assert abs((last - first) - (other[1] - other[0])) <= PAGES_APART, (label, typst, weasy)
    # The front (cover and contents) and the covering report break in the same places.
    assert typst[pack.parts[0].label] == weasy[pack.parts[0].label]
    assert abs(len(pages) - len(weasyprint_pack[1])) <= PAGES_APART


def test_the_contents_gives_each_part_its_range_in_this_pdf(typst_pack):
    """Each part's line ("Appendix 2: Risk register ... 74–77") runs from the part's first
    page to the page before the next part's, the last part's to the pack's last page."""
    pdf, pages, _cells, pack = typst_pack
    ranges, firsts, pending = {}, {}, ""
    for line in "\n".join(pages[1:3]).splitlines():
        if line.strip() in (MEETING, "Contents") or PAGE.search(line):
            continue
        match = LEADER.match(f"{pending} {line.strip()}".strip())
        pending = "" if match else f"{pending} {line.strip()}".strip()
        if match:
            firsts[match.group("label")] = int(match.group("page"))
            if match.group("last"):
                ranges[match.group("label")] = (int(match.group("page")), int(match.group("last")))
    parts = _part_pages(pdf, pack, len(pages))
    assert ranges == parts
    assert ranges[pack.parts[-1].label][1] == len(pages)
    # Each appendix starts with its title page; the headings under a part, their pages.
    for number, part in enumerate(pack.appendices, 1):
        assert f"Appendix {number}:" in pages[parts[part.label][0] - 1]
    marks = {title: page for _depth, title, page in outline(PdfReader(pdf))}
    for part in pack.parts[:2]:  # the covering report's and the plan's
        headings = [h.label for h in top_headings(part.part)]
        assert len(headings) > 10 and all(firsts[label] == marks[label] for label in headings)


def test_the_running_header_has_the_meeting_then_the_part(typst_pack):
    pdf, pages, _cells, pack = typst_pack
    total = len(pages)
    assert not PAGE.search(pages[0]) and MEETING not in pages[0]  # the cover
    title_pages = {first for first, _last in _part_pages(pdf, pack, total).values()}
    title_pages.discard(_part_pages(pdf, pack, total)[pack.parts[0].label][0])
    for number, text in enumerate(pages[1:], start=2):
        lines = text.splitlines()
        assert PAGE.findall(lines[-1]) == [(str(number), str(total))], number
        assert lines[0] == MEETING, number  # the title pages' own first line is the same
        part = next((p for p in pack.parts if p.part.running_header == lines[1]), None)
        if number in title_pages:
            assert part is None, number  # no running header on a title page
        elif number > 3:  # after the pack's cover and contents: the part's line
            assert part is not None, (number, lines[:2])


def test_the_typst_pack_passes_the_pdf_validators(typst_pack):
    pdf = typst_pack[0]
    found = {
        "matterhorn": matterhorn_problems(pdf),
        "pdfua": pdfua_findings(pdf),
        "outloud": outloud_errors(pdf),
    }
    assert found == {name: [] for name in found}


# -- an attached PDF ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def attached(tmp_path_factory) -> tuple[Path, list[str], list[tuple[int, int]], Pack]:
    """A small plan's pack with the four-page paper as Appendix 2, laid out by Typst."""
    root = tmp_path_factory.mktemp("typst-attached")
    folder = write_plan(root / "plan", {"board-report.yaml": BOARD})
    (folder / "papers").mkdir()
    (folder / "papers" / "agreement.pdf").write_bytes(paper_pdf())
    pack = _pack(folder)
    pdf = _typst(pack, root / "pack.pdf")
    with pdfplumber.open(pdf) as document:
        pages = [page.extract_text() or "" for page in document.pages]
        sizes = [(round(page.width), round(page.height)) for page in document.pages]
    return pdf, pages, sizes, pack


def test_the_attached_pages_are_drawn_numbered_and_in_the_contents(attached):
    pdf, pages, sizes, pack = attached
    total = len(pages)
    first = next(i for i, text in enumerate(pages) if "Clause 1." in text)
    assert "a PDF document of 4 pages" in pages[first - 1]  # its title page
    assert "Section 75 agreement between Testshire partners" in " ".join(pages[first].split())
    assert "Clause 2. The host partner keeps the accounts." in pages[first + 1]
    assert "Schedule 2: contributions by partner." in pages[first + 2]
    # Each at its own size: A4, A4, A5 landscape, A4 (the scan).
    assert sizes[first : first + 4] == [(595, 842), (595, 842), (595, 420), (595, 842)]
    label = "Appendix 2: Signed section 75 agreement"
    meeting = "Testshire Health and Wellbeing Board (public meeting), 10 April 2025, agenda item 7"
    for number, text in enumerate(pages[1:], start=2):
        if number == first + 4:  # the scan: no room for the stamp, and no text
            assert text.strip() == ""
            continue
        assert PAGE.findall(text) == [(str(number), str(total))], number
    for index in range(first, first + 3):  # the stamp's two header lines
        assert pages[index].startswith(f"{meeting}\n{label}\n"), index
    ranges = {}
    for line in "\n".join(pages[1:3]).splitlines():
        match = LEADER.match(line.strip())
        if match and match.group("last"):
            ranges[match.group("label")] = (int(match.group("page")), int(match.group("last")))
    assert ranges[label] == (first, first + 4)  # title page and four pages
    assert ranges["Appendix 3: Risk register"] == (first + 5, total)
    assert _part_pages(pdf, pack, total)[label] == (first, first + 4)


def test_the_attached_pages_are_tagged_and_pass_the_pdf_validators(attached):
    pdf = attached[0]
    assert_attached_pages_tagged_and_valid(pdf)


def test_the_same_plan_gives_the_same_typst_pack_bytes(attached):
    pdf, _pages, _sizes, pack = attached
    again = render_typst_pack(pack.document, pack.attachments, pack.header)
    assert again == pdf.read_bytes()
    assert "Typst" in str(PdfReader(io.BytesIO(again)).metadata.get("/Creator"))


def test_the_meeting_line_and_the_markers_are_only_string_literals(attached):
    """The meeting line comes from board-report.yaml: like all plan text, it reaches the
    Typst source only as a string literal, as do the placeholders' markers."""
    from bcf_docgen.render.pdf_attach import placeholder_typst
    from bcf_docgen.render.typst import render_typst

    _pdf, _pages, _sizes, pack = attached
    hostile = '#read("/etc/passwd") ] [ #import "x": * $x$ \\" + eval("1") + "'
    pages = {a.key: placeholder_typst(a) for a in pack.attachments}
    source, _files = render_typst(pack.document, hostile, pages)
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', source)
    for word in ("read(", "import", "eval(", "$x"):
        assert word not in code
    assert source.count("bcf-docgen attached page a2-") == 4


def test_a_pack_laid_out_in_parts_is_the_pack_laid_out_at_once(attached, tmp_path):
    """A large pack is laid out a run of parts at a time (test_typst_parts.py): with a
    small budget this one is too, and it is the same pack, its attached pages drawn on."""
    pdf, pages, sizes, pack = attached
    placeholders = {a.key: placeholder_typst(a) for a in pack.attachments}
    source = typst_source(pack.document, pack.header, placeholders)
    assert len(source.parts(PARTS_BUDGET)) >= 3
    data = render_typst_pack(
        pack.document, pack.attachments, pack.header, part_characters=PARTS_BUDGET
    )
    with pdfplumber.open(io.BytesIO(data)) as document:
        assert [page.extract_text() or "" for page in document.pages] == pages
        assert [(round(p.width), round(p.height)) for p in document.pages] == sizes
    assert outline(PdfReader(io.BytesIO(data))) == outline(PdfReader(pdf))
    (tmp_path / "pack.pdf").write_bytes(data)
    assert_attached_pages_tagged_and_valid(tmp_path / "pack.pdf")
