"""The PDF (and HTML) writer, read back with pypdf and pdfplumber."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from bcf_docgen.document.model import plain_text
from bcf_docgen.pipeline import check_plan
from bcf_docgen.render.html import render_html
from bcf_docgen.render.pdf import make_fetcher, render_pdf

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"
LEADER = re.compile(r"^(?P<label>.+?)\s*\.{3,}\s*(?P<page>\d+)$")


@pytest.fixture(scope="module")
def example_pdf(example_build: Path):
    """The example's PDF as `bcf-docgen build` made it (once per run), and its model."""
    checked = check_plan(EXAMPLE)
    assert checked.document is not None
    path = example_build / "kingsmere-bcf-2025-26.pdf"
    return checked, path.read_bytes(), path


def outline_pages(reader: PdfReader) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return found


def test_pdf_is_tagged_titled_and_in_english(example_pdf):
    checked, _data, path = example_pdf
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith(checked.plan.meta.title)


def test_every_heading_has_a_bookmark(example_pdf):
    checked, _data, path = example_pdf
    titles = [t for t, _ in outline_pages(PdfReader(path))]
    expected = [h.label for h in checked.document.headings() if h.level <= 3]
    # The contents page's own title is a bookmark too; everything else is a heading.
    assert [t for t in titles if t != "Contents"] == expected


def test_contents_page_numbers_are_where_headings_land(example_pdf):
    checked, _data, path = example_pdf
    reader = PdfReader(path)
    landing = dict(outline_pages(reader))
    listed: dict[str, int] = {}
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages[:6]:
            pending = ""  # a long entry wraps: its first line has no leader yet
            for line in (page.extract_text() or "").splitlines()[1:]:  # [0]: running header
                match = LEADER.match(f"{pending} {line.strip()}".strip())
                if match:
                    listed[match.group("label")] = int(match.group("page"))
                    pending = ""
                elif line.strip() != "Contents":
                    pending = f"{pending} {line.strip()}".strip()
    in_contents = [h.label for h in checked.document.headings() if h.in_contents]
    assert len(listed) == len(in_contents)
    for label in in_contents:
        assert listed[label] == landing[label], label


def test_fonts_are_embedded(example_pdf):
    _checked, _data, path = example_pdf
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = output.stdout.splitlines()[2:]
    assert rows
    for row in rows:
        columns = row.split()
        assert columns[-5] == "yes", row  # the "emb" column
        assert "Liberation" in columns[0] or "Arial" in columns[0], row


def squash_lines(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_wide_tables_are_on_landscape_pages(example_pdf):
    checked, _data, path = example_pdf
    with pdfplumber.open(path) as pdf:
        landscape = [p for p in pdf.pages if p.width > p.height]
        assert landscape
        text = "\n".join(p.extract_text() or "" for p in landscape)
    assert "Risk register, highest score first" in text
    # A table in `::: landscape` that fits a portrait page stays portrait.
    assert "Schemes and their planned spend" not in text
    wide = [t for t in checked.document.tables() if t.wide]
    assert wide and all(plain_text(t.caption) in squash_lines(text) for t in wide)


def test_every_table_cell_is_in_the_pdf(example_pdf):
    checked, _data, path = example_pdf
    from bcf_docgen.parity import expected_cells, read_pdf

    cells = read_pdf(path).cells
    expected = expected_cells(checked.document)
    assert len(expected) > 500
    missing = [(label, text) for label, text in expected if re.sub(r"\s+", "", text) not in cells]
    assert missing == []
    risks = next(t for t in checked.document.tables() if t.id == "risks")
    assert {row.cells[6].rag for row in risks.rows[1:]} <= {"red", "amber", "green"}
    assert {plain_text(row.cells[6].inlines) for row in risks.rows[1:]} <= {"Red", "Amber", "Green"}


def test_draft_watermark_on_every_page_but_not_in_the_text(example_pdf):
    _checked, _data, path = example_pdf
    reader = PdfReader(path)
    for page in reader.pages:
        resources = page["/Resources"]
        assert "/Pattern" in resources or "/XObject" in resources
    with pdfplumber.open(path) as pdf:
        first = pdf.pages[5].extract_text() or ""
    assert "DRAFT" not in first.replace("(DRAFT)", "")


def test_same_input_gives_the_same_bytes(example_pdf):
    """The library, in this process, makes the bytes the command made in its worker."""
    checked, data, _path = example_pdf
    assert render_pdf(checked.document, checked.plan.root) == data


def test_fetcher_refuses_anything_outside_the_plan(tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    inside = tmp_path / "plan"
    inside.mkdir()
    (inside / "a.png").write_bytes(b"x")
    fetcher = make_fetcher([inside])
    assert fetcher.fetch((inside / "a.png").as_uri()).read() == b"x"
    for url in ("file:///etc/passwd", "https://example.org/x.png", "data:text/plain,hi"):
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)


def test_html_is_a_complete_accessible_page(example_pdf):
    checked, _data, _path = example_pdf
    page = render_html(checked.document)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in page
    assert "<title>Better Care Fund Plan 2025-26: Kingsmere</title>" in page
    assert page.count('<th scope="col"') > 50
    assert all(f'alt="{html.escape(f.alt)}"' in page for f in checked.document.figures())
    assert "<script" not in page
