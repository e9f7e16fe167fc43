"""Kinds of document (`document:` in plan.yaml): what the checks expect of each, its cover
and numbering, no DRAFT mark on a final appendix, and the scheme-appendix example.

Most tests stay at the level of `check_plan` and the resolved model; the example is built
once (Word and PDF, through the command) and read back.
"""

from __future__ import annotations

import shutil
import textwrap
import typing
from pathlib import Path

import docx
import pdfplumber
import pytest
from conftest import REQUIRED_SECTIONS, run_cli
from pypdf import PdfReader

from bcf_docgen.content.kinds import EVERYTHING, KINDS
from bcf_docgen.content.models import PlanMeta
from bcf_docgen.document.model import Heading, block_inlines, plain_text, walk_part
from bcf_docgen.pipeline import check_plan
from bcf_docgen.render.pdf import render_pdf

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "examples" / "scheme-appendix"
KINGSMERE = Path(__file__).resolve().parents[1] / "content" / "example"

# The findings of what a whole plan lacks, none of which an appendix may be given.
PLAN_ONLY = {
    "section.missing",
    "condition.missing",
    "metric.missing",
    "metric.baseline",
    "metric.target",
    "scheme.no-expenditure",
    "money.ring-fence-missing",
    "signoff.undated",
    "history.current",
}

APPENDIX_YAML = textwrap.dedent(
    """\
    format: 1
    framework: bcf-2025-26
    document: {kind}
    title: Scheme appendix
    area:
      name: Testshire
      board: Testshire Health and Wellbeing Board
    status: {status}
    version: "1.0"
    date: 2025-03-14
    partners:
      - {{id: council, name: Testshire Council, kind: local-authority}}
      - {{id: icb, name: NHS Testshire Integrated Care Board, kind: icb}}
    outline:
      - sections/intro.md
    """
)

# A scheme with no spending: what an appendix describes, not what a plan funds.
SCHEME_ONLY = """\
    id: S1
    name: Home first
    lead: council
    metrics: [discharge-delay]
    summary: Reablement at home after a stay in hospital.
    """


def appendix_overrides(kind: str = "appendix", status: str = "final") -> dict[str, str | None]:
    """The base plan cut down to an appendix: no plan sections, conditions, funding,
    national metric targets, sign-off or history."""
    return {
        "plan.yaml": APPENDIX_YAML.format(kind=kind, status=status),
        "sections/intro.md": "---\ntitle: Introduction\n---\n## Home first\n\nText.\n",
        "schemes/s1.yaml": SCHEME_ONLY,
        "funding.yaml": None,
        "conditions.yaml": None,
        "signoff.yaml": None,
        "metrics.yaml": "metrics:\n  - id: discharge-delay\n",
        **dict.fromkeys(REQUIRED_SECTIONS, None),
    }


def codes(folder: Path) -> list[str]:
    return [f.code for f in check_plan(folder).findings]


# ----------------------------------------------------------------------- the table


def test_the_table_has_every_kind_plan_yaml_accepts() -> None:
    allowed = typing.get_args(PlanMeta.model_fields["document"].annotation)
    assert set(KINDS) == set(allowed)
    assert PlanMeta.model_fields["document"].default == "plan"
    assert KINDS["plan"].expects == EVERYTHING
    assert all(kind.expects <= EVERYTHING for kind in KINDS.values())


# ---------------------------------------------------------------------- expectations


@pytest.mark.parametrize("kind", ["appendix", "report", "briefing"])
@pytest.mark.parametrize("status", ["draft", "final"])
def test_a_document_that_is_not_a_plan_is_not_asked_for_the_plans_parts(
    make_plan, kind: str, status: str
) -> None:
    assert codes(make_plan(appendix_overrides(kind, status))) == []


@pytest.mark.parametrize("status", ["draft", "final"])
def test_a_plan_missing_the_same_parts_is_still_told(make_plan, status: str) -> None:
    found = set(codes(make_plan(appendix_overrides("plan", status))))
    expected = {
        "section.missing",
        "condition.missing",
        "metric.baseline",
        "metric.target",
        "metric.missing",
        "scheme.no-expenditure",
        "money.ring-fence-missing",
        "text.empty",  # the scheme's purpose
    }
    if status == "final":
        expected |= {"signoff.undated", "history.current"}
    assert expected <= found


def test_a_plan_without_document_is_a_plan(make_plan) -> None:
    overrides = appendix_overrides("plan")
    overrides["plan.yaml"] = (overrides["plan.yaml"] or "").replace("document: plan\n", "")
    assert "section.missing" in codes(make_plan(overrides))


def test_an_appendix_still_asks_each_scheme_for_its_overview_and_metrics(make_plan) -> None:
    overrides = appendix_overrides()
    overrides["schemes/s1.yaml"] = "id: S1\nname: Home first\nlead: council\n"
    findings = check_plan(make_plan(overrides)).findings
    assert sorted(f.code for f in findings) == ["scheme.no-metric", "text.empty"]
    assert all(f.severity.name == "ERROR" for f in findings)  # a final appendix
    assert "no summary" in next(f for f in findings if f.code == "text.empty").message


def test_what_an_appendix_holds_is_still_checked(make_plan) -> None:
    overrides = appendix_overrides()
    overrides["plan.yaml"] = (overrides["plan.yaml"] or "") + "outstanding: [Agree S1]\n"
    overrides["conditions.yaml"] = "conditions:\n  - {id: NC1, status: met}\n"
    findings = check_plan(make_plan(overrides)).findings
    assert sorted(f.code for f in findings) == ["plan.outstanding", "text.empty"]
    outstanding = next(f for f in findings if f.code == "plan.outstanding")
    assert outstanding.message.startswith("a final appendix has an outstanding decision")


def test_an_unknown_kind_is_a_finding_at_its_line(make_plan) -> None:
    overrides = appendix_overrides()
    overrides["plan.yaml"] = (overrides["plan.yaml"] or "").replace("appendix", "apendix")
    result = check_plan(make_plan(overrides))
    finding = next(f for f in result.findings if f.file == "plan.yaml")
    assert (finding.file, finding.line) == ("plan.yaml", 3)
    assert "appendix" in finding.message + finding.hint


# ------------------------------------------------------------- cover and numbering


def headings(folder: Path) -> list[Heading]:
    checked = check_plan(folder)
    assert checked.document is not None
    return [b for b in walk_part(checked.document.parts[0]) if isinstance(b, Heading)]


def test_an_appendix_has_plain_headings_and_no_cover_page(make_plan) -> None:
    folder = make_plan(appendix_overrides())
    assert [(h.plain_title, h.number) for h in headings(folder)] == [
        ("Introduction", ""),
        ("Home first", ""),
    ]
    document = check_plan(folder).document
    assert document is not None
    part = document.parts[0]
    assert not part.cover and part.cover_end == 0


def test_a_report_numbers_its_headings_and_a_section_may_say_otherwise(make_plan) -> None:
    report = make_plan(appendix_overrides("report"))
    assert [h.number for h in headings(report)] == ["1", "1.1"]
    overrides = appendix_overrides()
    overrides["sections/intro.md"] = "---\ntitle: Introduction\nnumbered: true\n---\n## Sub\n\nT.\n"
    assert [h.number for h in headings(make_plan(overrides))] == ["1", "1.1"]


def test_a_cover_in_an_appendix_outline_makes_a_cover_page(make_plan) -> None:
    overrides = appendix_overrides()
    overrides["plan.yaml"] = (overrides["plan.yaml"] or "").replace(
        "outline:\n", "outline:\n  - cover\n"
    )
    document = check_plan(make_plan(overrides)).document
    assert document is not None
    assert document.parts[0].cover and document.parts[0].cover_end > 0


def test_the_plan_kind_keeps_the_cover_and_the_numbers(make_plan) -> None:
    folder = make_plan()
    assert [h.number for h in headings(folder)][:1] == ["1"]
    document = check_plan(folder).document
    assert document is not None and document.parts[0].cover


# --------------------------------------------------------------------- DRAFT mark


def test_only_a_draft_appendix_carries_the_draft_mark(make_plan) -> None:
    for status, mark in (("draft", "DRAFT"), ("final", "")):
        document = check_plan(make_plan(appendix_overrides(status=status))).document
        assert document is not None
        part = document.parts[0]
        assert part.draft_mark == mark
        assert ("DRAFT" in part.running_header) == (status == "draft")


def has_watermark(pdf: Path) -> bool:
    """The PDF's draft watermark is a picture behind every page (never extractable text)."""
    for page in PdfReader(pdf).pages:
        resources = page["/Resources"]
        for key in ("/Pattern", "/XObject"):
            if key in resources and len(resources[key].get_object()) > 0:
                return True
    return False


def pdf_text(pdf: Path) -> str:
    with pdfplumber.open(pdf) as document:
        return "\n".join(page.extract_text() or "" for page in document.pages)


def test_a_draft_appendix_pdf_has_the_watermark(tmp_path: Path) -> None:
    """The other side of the example's test: the same appendix as a draft is marked."""
    folder = tmp_path / "draft"
    shutil.copytree(EXAMPLE, folder)
    plan_yaml = folder / "plan.yaml"
    plan_yaml.write_text(
        plan_yaml.read_text(encoding="utf-8").replace("status: final", "status: draft"),
        encoding="utf-8",
    )
    checked = check_plan(folder)
    assert checked.document is not None
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(render_pdf(checked.document, folder))
    assert has_watermark(pdf)
    assert "(DRAFT)" in pdf_text(pdf)


# ------------------------------------------------------------ the scheme appendix


SCHEMES = [
    "Neighbourhood Connectors",
    "Trusted Assessment for Care Homes",
    "Bridging Care at Home",
    "Breaks and Support for Carers",
    "Fast Track Home Adaptations",
    "A Stable Home Care Market",
]
PARTS = ["Overview", "Objectives", "Benefits", "Metrics"]
EXPECTED_HEADINGS = [
    ("Heading 1", "Improved Better Care Fund scheme plans"),
    *[
        heading
        for number, name in enumerate(SCHEMES, 1)
        for heading in [
            ("Heading 2", f"Scheme {number}: {name}"),
            *[("Heading 3", part) for part in PARTS],
        ]
    ],
]


def test_the_scheme_appendix_checks_with_no_findings_as_a_final_appendix() -> None:
    checked = check_plan(EXAMPLE)
    assert checked.plan is not None
    assert checked.plan.meta.status == "final" and checked.plan.meta.document == "appendix"
    assert [f.format() for f in checked.findings] == []
    assert len(checked.plan.schemes) == 6


def test_kingsmere_is_still_a_plan() -> None:
    checked = check_plan(KINGSMERE)
    assert checked.plan is not None and checked.plan.meta.document == "plan"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example built by the command, as `make build` builds it: (docx, pdf)."""
    out = tmp_path_factory.mktemp("scheme-appendix")
    result = run_cli("build", EXAMPLE, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems found" in result.stdout + result.stderr
    (word,) = out.glob("*.docx")
    (pdf,) = out.glob("*.pdf")
    return word, pdf


def test_the_scheme_appendix_builds_with_each_schemes_parts_in_order(built) -> None:
    word, pdf = built
    document = docx.Document(str(word))
    found = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert found == EXPECTED_HEADINGS
    # The PDF has the same headings in the same order, unnumbered.
    lines = [line.strip() for line in pdf_text(pdf).splitlines()]
    position = 0
    for _style, title in EXPECTED_HEADINGS:
        assert title in lines[position:], f"'{title}' is not after the heading before it"
        position = lines.index(title, position) + 1


def test_the_final_scheme_appendix_has_no_draft_mark(built) -> None:
    word, pdf = built
    document = docx.Document(str(word))
    for section in document.sections:
        for header in (section.header, section.first_page_header):
            xml = header._element.xml
            assert "DRAFT" not in xml and "textpath" not in xml
    body = "\n".join(p.text for p in document.paragraphs)
    assert "DRAFT" not in body
    assert not has_watermark(pdf)
    assert "DRAFT" not in pdf_text(pdf)


def test_templates_can_ask_what_the_document_is(make_plan) -> None:
    overrides = appendix_overrides()
    overrides["sections/intro.md"] = "---\ntitle: Introduction\n---\nThis {{ plan.document }}.\n"
    document = check_plan(make_plan(overrides)).document
    assert document is not None
    blocks = walk_part(document.parts[0])
    texts = [text for b in blocks for text in map(plain_text, block_inlines(b))]
    assert "This appendix." in texts
