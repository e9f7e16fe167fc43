"""The board pack: `bcf-docgen pack`, read back from its PDF and the report's Word file."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pdfplumber
import pytest
import yaml
from conftest import run_cli
from pypdf import PdfReader
from test_performance import expected_rows, find_rows, read_docx_tables, squash, squashed

from bcf_docgen.document.labelling import top_headings
from bcf_docgen.pack import PackError, assemble_pack, render_pack_pdf, roman
from bcf_docgen.pipeline import check_plan

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"
# A contents line: its label, leader dots, and the page (a part: its range, "12–30").
LEADER = re.compile(r"^(?P<label>.+?)\s*\.{3,}\s*(?P<page>\d+)(?:\u2013(?P<last>\d+))?$")
PAGE = re.compile(r"Page (\d+) of (\d+)")
# The first line of the running header (board-report.yaml's meeting and agenda item).
MEETING = "Kingsmere Health and Wellbeing Board (public meeting), 23 October 2025, agenda item 9"


@pytest.fixture(scope="module")
def built(example_pack: Path):
    """The example's pack, made by the command line (once per run), and its pages' text."""
    pdf = example_pack / "kingsmere-bcf-2025-26-board-pack.pdf"
    word = example_pack / "kingsmere-bcf-2025-26-board-report.docx"
    with pdfplumber.open(pdf) as document:
        pages = [page.extract_text() or "" for page in document.pages]
    checked = check_plan(EXAMPLE)
    pack = assemble_pack(checked.plan, checked.document)
    return pdf, word, pages, pack


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, in order."""
    found: list[tuple[int, str, int]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


def contents_entries(lines: list[str]) -> dict[str, int]:
    """Label -> page of a contents page's leader lines (long entries wrap)."""
    listed: dict[str, int] = {}
    pending = ""
    for line in lines:
        if line.strip() == MEETING:
            continue
        match = LEADER.match(f"{pending} {line.strip()}".strip())
        if match:
            listed[match.group("label")] = int(match.group("page"))
            pending = ""
        elif line.strip() not in ("Contents", ""):
            pending = f"{pending} {line.strip()}".strip()
    return listed


def test_every_page_but_the_cover_says_page_x_of_y(built):
    _pdf, _word, pages, _pack = built
    total = len(pages)
    assert total > 60  # the plan (about 60 pages since page flow settles landscape) and more
    assert not PAGE.search(pages[0])  # the pack's cover
    for number, text in enumerate(pages[1:], start=2):
        assert PAGE.findall(text) == [(str(number), str(total))], f"page {number}"


def test_no_page_is_left_blank(built):
    _pdf, _word, pages, _pack = built
    for number, text in enumerate(pages, start=1):
        lines = [line for line in text.splitlines() if line.strip() and not PAGE.search(line)]
        assert len(lines) >= 3, f"page {number} holds only {lines}"


def test_one_bookmark_per_part_and_per_heading_inside_it(built):
    pdf, _word, _pages, pack = built
    marks = outline(PdfReader(pdf))
    top = [title for depth, title, _page in marks if depth == 0]
    assert top == ["Contents", *[part.label for part in pack.parts]]
    starts = [i for i, (depth, _t, _p) in enumerate(marks) if depth == 0][1:] + [len(marks)]
    for part, begin, end in zip(pack.parts, starts, starts[1:], strict=False):
        inside = [title for _depth, title, _page in marks[begin + 1 : end]]
        expected = [h.label for h in part.document.headings() if h.level <= 3]
        if part.source == "plan":  # the plan's own contents page is a bookmark too
            assert inside.count("Contents") == 1
            inside.remove("Contents")
        assert inside == expected, part.label
    pages = [page for _depth, _title, page in marks]
    assert pages == sorted(pages)


def test_pack_contents_gives_the_page_each_part_starts_on(built):
    pdf, _word, pages, pack = built
    marks = {title: page for depth, title, page in outline(PdfReader(pdf)) if depth == 0}
    lines = "\n".join(pages[1:3]).splitlines()
    listed = contents_entries([line for line in lines if not PAGE.search(line)])
    for part in pack.parts:
        assert listed[part.label] == marks[part.label], part.label
    # Each part's top-level headings are listed under it, with their pages in the pack.
    report = [h.label for h in top_headings(pack.report.part)]
    assert report[0] == "Contact details" and all(label in listed for label in report)


def test_pack_contents_gives_each_part_its_page_range(built):
    """Each part runs from its first page to the page before the next part's (the last
    part to the last page), as the contents says ("Appendix 2: Risk register ... 71–78")."""
    pdf, _word, pages, pack = built
    marks = {title: page for depth, title, page in outline(PdfReader(pdf)) if depth == 0}
    ranges, pending = {}, ""
    for line in "\n".join(pages[1:3]).splitlines():
        if line.strip() in (MEETING, "Contents"):
            continue
        match = LEADER.match(f"{pending} {line.strip()}".strip())
        pending = "" if match else f"{pending} {line.strip()}".strip()
        if match and match.group("last"):
            ranges[match.group("label")] = (int(match.group("page")), int(match.group("last")))
    starts = [marks[part.label] for part in pack.parts]
    ends = [start - 1 for start in starts[1:]] + [len(pages)]
    assert ranges == {
        part.label: (start, end) for part, start, end in zip(pack.parts, starts, ends, strict=True)
    }


def test_numbering_runs_on_through_the_plan_appendix(built):
    """The plan's own contents page gives pack page numbers, where its headings land."""
    pdf, _word, pages, pack = built
    plan = next(p for p in pack.parts if p.source == "plan")
    marks = outline(PdfReader(pdf))
    landing = {title: page for _depth, title, page in marks}
    own = next(page for depth, title, page in marks if depth == 1 and title == "Contents")
    first = landing["1 Foreword"]
    lines = [
        line
        for t in pages[own - 1 : first - 1]
        for line in t.splitlines()[2:]  # the running header's two lines
        if not PAGE.search(line)
    ]
    listed = contents_entries(lines)
    headings = [h.label for h in plan.document.headings() if h.in_contents]
    assert sorted(listed) == sorted(headings)
    for label in headings:
        assert listed[label] == landing[label], label
    # The plan keeps its own numbering: 1, 1.1 ... and Appendix A, B inside Appendix 1.
    assert "1 Foreword" in listed and "Appendix A: Case studies" in listed


def test_every_appendix_is_there_after_its_title_page(built):
    pdf, _word, pages, pack = built
    report = yaml.safe_load((EXAMPLE / "board-report.yaml").read_text())
    titles = [a["title"] for a in report["appendices"]]
    assert [p.title for p in pack.appendices] == titles
    marks = {title: page for depth, title, page in outline(PdfReader(pdf)) if depth == 0}
    for part in pack.appendices:
        title_page = pages[marks[part.label] - 1]
        assert f"Appendix {part.number}:" in title_page
        assert squash(part.title) in squash(title_page)
        assert "Appendix to the report: " in title_page
    plan_start = marks[pack.appendices[0].label]
    assert "Agreed by Kingsmere County Council" in pages[plan_start]  # the plan's cover
    risks = yaml.safe_load((EXAMPLE / "risks.yaml").read_text())["risks"]
    register = "\n".join(pages[marks["Appendix 2: Risk register"] :])
    assert "Risk register, highest score first" in register
    for risk in risks:
        assert re.search(rf"^{risk['id']} ", register, re.MULTILINE), risk["id"]
    # One page (at least) per scheme, each starting on a page of its own.
    schemes = [p for p in pack.parts if p.source == "schemes"][0]
    starts = [
        page
        for depth, title, page in outline(PdfReader(pdf))
        if depth == 1 and re.match(r"S\d+: ", title)
    ]
    assert len(starts) == len(list((EXAMPLE / "schemes").glob("*.yaml")))
    assert len(set(starts)) == len(starts) and starts[0] > marks[schemes.label]
    for page in starts:
        text = pages[page - 1]
        for heading in ("Overview", "Objectives"):
            assert heading in text


def test_report_follows_the_committee_form(built):
    pdf, _word, pages, pack = built
    report = yaml.safe_load((EXAMPLE / "board-report.yaml").read_text())
    marks_end = next(i for i, t in enumerate(pages) if "Appendix 1:" in t and i > 3)
    text = "\n".join(pages[3:marks_end])
    for field in ("Decision-maker", "Subject", "Date of decision", "Report of"):
        assert squash(field) in squash(text)
    assert "23 October 2025" in text
    flat = squash(text)
    with pdfplumber.open(pdf) as document:
        cells = {squash(c) for t in document.pages[3].extract_tables() for r in t for c in r}
    for contact in report["contacts"]:
        assert squash(contact["email"]) in cells
        assert squash(f"{contact['name']}, {contact['title']}") in cells
    for number, item in enumerate(report["recommendations"], start=1):
        assert squash(f"({roman(number)}) {item[:40]}") in flat
    # Paragraphs are numbered on through reasons, alternatives and detail.
    numbered = [*report["reasons"], *report["alternatives"], *report["detail"]]
    for number, item in enumerate(numbered, start=1):
        first = " ".join(item.split()[:4])
        assert re.search(rf"^{number}\. {re.escape(first)}", text, re.MULTILINE), number
    for heading in (
        "Brief summary",
        "Recommendations",
        "Resource implications",
        "Legal implications",
        "Key decision and wards affected",
        "Supporting documentation",
    ):
        assert heading in text
    assert "All wards" in text and "Equality impact" in text
    assert squash("Required. An equality impact assessment") in flat


def test_performance_tables_in_the_pack_match_the_yaml(built):
    pdf, word, _pages, _pack = built
    headers, rows = expected_rows()
    tables = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            if "Performance against plan month by month" in (page.extract_text() or ""):
                tables.append(page.extract_tables())
    assert len(tables) == 2  # in the covering report and in the plan (Appendix 1)
    for found in tables:
        assert squashed(find_rows(found, headers)) == squashed(rows)
    assert squashed(find_rows(read_docx_tables(word), headers)) == squashed(rows)


def test_report_word_file_has_the_report_and_its_charts(built):
    _pdf, word, _pages, pack = built
    document = docx.Document(str(word))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [h.label for h in pack.report.headings()]
    alts = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert len([a for a in alts if a and a.startswith("Line chart of ")]) == 3
    footer = document.sections[-1].footer.paragraphs[0].text
    assert footer.startswith("Kingsmere Health and Wellbeing Board | 23 October 2025")


# ------------------------------------------------------------------- small plans


REPORT = """\
decision_maker: Testshire Health and Wellbeing Board
subject: Better Care Fund plan
meeting_date: 2025-04-10
report_of: Director of Adult Social Care
summary: The Board is asked to agree the plan.
recommendations: [To agree the plan.]
detail:
  - The plan is set out in @sec:intro.
"""


def test_plan_is_appendix_one_unless_listed_elsewhere(make_plan):
    folder = make_plan({"board-report.yaml": REPORT})
    checked = check_plan(folder)
    pack = assemble_pack(checked.plan, checked.document)
    assert [(p.number, p.source) for p in pack.parts] == [("", "report"), ("1", "plan")]
    assert pack.findings.errors == []
    listed = (
        REPORT + "appendices:\n  - {title: Risks, source: risks}\n  - {title: Plan, source: plan}\n"
    )
    folder = make_plan({"board-report.yaml": listed})
    checked = check_plan(folder)
    pack = assemble_pack(checked.plan, checked.document)
    assert [p.label for p in pack.appendices] == ["Appendix 1: Risks", "Appendix 2: Plan"]


def test_reference_from_the_report_to_the_plan_names_the_appendix(make_plan):
    folder = make_plan({"board-report.yaml": REPORT})
    checked = check_plan(folder)
    pack = assemble_pack(checked.plan, checked.document)
    from bcf_docgen.document.model import ListBlock, plain_text

    lists = [b for b in pack.report.walk() if isinstance(b, ListBlock)]
    texts = [plain_text(item[0].inlines) for block in lists for item in block.items]
    assert "The plan is set out in section 1 of Appendix 1." in texts
    assert not [f for f in pack.findings.errors if f.code == "ref.unresolved"]


def test_markdown_and_template_appendices_and_bad_sources(make_plan):
    listed = REPORT + (
        "appendices:\n"
        "  - {title: Funding tables, source: funding}\n"
        "  - {title: Extra, source: extra/more.md}\n"
        "  - {title: Missing, source: extra/missing.md}\n"
        "  - {title: Odd, source: riks}\n"
    )
    folder = make_plan(
        {
            "board-report.yaml": listed,
            "extra/more.md": "---\ntitle: More\n---\n## A heading\n\nSome more text.\n",
        }
    )
    checked = check_plan(folder)
    pack = assemble_pack(checked.plan, checked.document)
    assert [(p.number, p.source) for p in pack.appendices] == [
        ("1", "plan"),
        ("2", "funding"),
        ("3", "extra/more.md"),
    ]
    extra = pack.appendices[2].document
    assert [h.plain_title for h in extra.headings()] == ["A heading"]
    codes = sorted(f.code for f in pack.findings.errors)
    assert codes == ["file.missing", "pack.appendix"]
    odd = next(f for f in pack.findings.errors if f.code == "pack.appendix")
    assert odd.location.file == "board-report.yaml" and odd.location.line == 13
    assert "risks" in odd.hint


def test_no_board_report_no_pack(make_plan, tmp_path):
    folder = make_plan()
    checked = check_plan(folder)
    with pytest.raises(PackError):
        assemble_pack(checked.plan, checked.document)
    result = run_cli("pack", folder, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "board-report.yaml" in result.stderr
    assert not (tmp_path / "out").exists()


def test_small_pack_is_the_same_bytes_each_time(make_plan):
    listed = REPORT + "appendices:\n  - {title: Risks, source: risks}\n"
    folder = make_plan({"board-report.yaml": listed})
    checked = check_plan(folder)
    pack = assemble_pack(checked.plan, checked.document)
    first = render_pack_pdf(pack, checked.plan.root)
    assert render_pack_pdf(pack, checked.plan.root) == first
    assert first.startswith(b"%PDF")


def test_roman_numerals():
    assert [roman(n) for n in (1, 2, 4, 9, 12, 40)] == ["i", "ii", "iv", "ix", "xii", "xl"]


def test_charts_are_tagged_figures_with_their_alt_text(built):
    pdf, _word, _pages, pack = built
    reader = PdfReader(pdf)
    alts: list[str] = []

    def walk(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alts.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    expected = [f.alt for part in pack.parts for f in part.document.figures() if f.chart]
    assert len(expected) == 3 + 4  # the report's three, the plan's metrics section's four
    charts = [alt for alt in alts if alt.startswith("Line chart of ")]
    assert charts == expected


def test_final_plan_with_errors_gets_no_pack(make_plan, tmp_path):
    from conftest import PLAN_YAML

    listed = REPORT + "appendices:\n  - {title: Odd, source: riks}\n"
    final = PLAN_YAML.replace("status: draft", "status: final")
    folder = make_plan({"board-report.yaml": listed, "plan.yaml": final})
    result = run_cli("pack", folder, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "pack refused (final plan)" in result.stderr
    assert "board-report.yaml:10:" in result.stderr and "[pack.appendix]" in result.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------- one binder, one numbering


def test_no_caption_number_is_used_twice_in_the_pack(built):
    _, _, pages, pack = built
    labels = [b.label for b in pack.document.walk() if getattr(b, "label", "") and b.number]
    captions = [label for label in labels if label.startswith(("Table", "Figure"))]
    assert len(captions) == len(set(captions)) and len(captions) > 40
    # The plan keeps its own numbers; the report's and other appendices' read R1 and 2.1.
    assert "Table R1" in captions and "Table 2.1" in captions and "Table 7" in captions
    printed = re.findall(r"^((?:Table|Figure) [R0-9.]+[0-9]):", "\n".join(pages), re.MULTILINE)
    assert len(printed) == len(set(printed)) and set(printed) <= set(captions)
    assert len(printed) > 30


def test_references_from_the_report_into_the_plan_are_links(built):
    pdf, _, pages, pack = built
    reader = PdfReader(pdf)
    plan_start = next(i for i, text in enumerate(pages) if "Appendix to the report" in text)
    report_start = next(i for i, text in enumerate(pages) if "Report to " in text)
    into_plan = set()
    for page in reader.pages[report_start:plan_start]:
        for annotation in page.get("/Annots") or []:
            dest = str(annotation.get_object().get("/Dest", ""))
            if dest.startswith("a1-"):
                target = reader.get_destination_page_number(reader.named_destinations[dest])
                assert target >= plan_start, dest
                into_plan.add(dest)
    from bcf_docgen.document.model import XRef

    report = pack.parts[0].part
    expected = {
        n.anchor
        for block in report.blocks
        for n in _inlines_of(block)
        if isinstance(n, XRef) and n.anchor.startswith("a1-")
    }
    assert expected and expected <= into_plan


def _inlines_of(block):
    from bcf_docgen.document.model import block_inlines, inline_nodes

    for inner in _blocks_in(block):
        for inlines in block_inlines(inner):
            yield from inline_nodes(inlines)


def _blocks_in(block):
    from bcf_docgen.document.model import Part, walk_part

    yield from walk_part(Part([block]))


def test_the_whole_pack_checks_every_part(make_plan):
    """A mistake in the covering report or an appendix file is a finding of `check`."""
    listed = REPORT.replace("set out in @sec:intro.", "set out in @sec:intro and @sec:nowhere.")
    listed += "appendices:\n  - {title: Extra, source: extra/more.md}\n"
    folder = make_plan(
        {
            "board-report.yaml": listed,
            "extra/more.md": "---\ntitle: More\n---\n## A heading\n\nSee @tbl:missing.\n",
        }
    )
    result = run_cli("check", folder, "--format", "json")
    import json

    found = json.loads(result.stdout)["findings"]
    unresolved = {(f["file"], f["code"]) for f in found if f["code"] == "ref.unresolved"}
    assert ("board-report.yaml", "ref.unresolved") in unresolved
    assert ("extra/more.md", "ref.unresolved") in unresolved
    assert result.returncode == 1


def test_the_word_pack_links_the_report_to_the_plan(make_plan, tmp_path):
    """`pack --word-pack`: the whole pack as one Word file, where a reference from the
    covering report into the plan is an internal hyperlink to the plan's bookmark."""
    folder = make_plan({"board-report.yaml": REPORT})
    out = tmp_path / "out"
    result = run_cli("pack", folder, "--out", out, "--word-pack")
    assert result.returncode == 0, result.stderr
    word = docx.Document(str(out / "testshire-bcf-2025-26-board-pack.docx"))
    body = word.element.body
    marks = set(body.xpath(".//w:bookmarkStart/@w:name"))
    links = {
        "".join(link.xpath(".//w:t/text()")): link.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}anchor"
        )
        for link in body.xpath(".//w:hyperlink")
    }
    anchor = links["section 1 of Appendix 1"]
    assert anchor in marks
    texts = [p.text for p in word.paragraphs]
    assert any(t.startswith("Appendix 1:") for t in texts)  # the plan's title page
    # Without --word-pack the pack makes only the PDF and the report's Word file.
    plain = tmp_path / "plain"
    assert run_cli("pack", folder, "--out", plain).returncode == 0
    assert sorted(p.name for p in plain.iterdir() if not p.name.startswith(".")) == [
        "testshire-bcf-2025-26-board-pack.pdf",
        "testshire-bcf-2025-26-board-report.docx",
    ]
