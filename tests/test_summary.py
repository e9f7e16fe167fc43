"""`bcf-docgen summary`: assessments as data, and the regional summary computed from the
plans and the assessments (docs/assurance.md).

One summary is built for the module (six generated plans, hand-written assessments, one
plan that cannot be read); the workbook is read back with openpyxl and the PDF with
pdfplumber. The assessment files' rules are tested on their own, without building.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from bcf_docgen.assurance.assessments import judge, rating_problem, read_assessments
from bcf_docgen.assurance.grid import summarise
from bcf_docgen.assurance.plans import PlanFacts
from bcf_docgen.findings import Findings, Location
from bcf_docgen.frameworks import load_framework
from bcf_docgen.paths import default_templates
from bcf_docgen.theme import Theme, look_from_theme

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from generate import generate_plan  # noqa: E402

CYRILLIC_A = "\u0410"
# The six generated plans (seeds 1 to 6) and their areas, sorted by ONS code.
AREAS = {
    "E10000123": "Brackenshire",
    "E10000124": "Coldmere",
    "E10000125": "Durnholme",
    "E10000126": "Eskerby",
    "E10000127": "Ashvale 2",
    "E10000128": "Brackenshire 2",
}
LINES = (
    "{governance: G, discharge: G, capacity-demand: A, metrics-ambition: G, expenditure: G, "
    "dfg-housing: G}"
)
REGION = f"""\
# Fictional assessments of the six generated plans.
framework: bcf-2025-26
region: North Fells
assessor: Priya Oduya
date: 2025-11-03
assessments:
  - plan: E10000123
    conditions: {{NC1: G, NC2: G, NC3: G, NC4: G}}
    key_lines_of_enquiry: {LINES}
    high_risk: no
    recommendation: approved
  - plan: E10000124
    conditions: {{NC1: G, NC2: A, NC3: G, NC4: G}}
    key_lines_of_enquiry: {LINES}
    high_risk: no
    recommendation: approved-with-conditions
  - plan: E10000125
    conditions: {{NC1: G, NC2: G, NC3: G, NC4: G}}
    key_lines_of_enquiry: {LINES}
    high_risk: no
    recommendation: approved
  - plan: E10000126
    assessor: Tom Hale
    date: 2025-11-05
    conditions: {{NC1: G, NC2: G, NC3: R, NC4: A}}
    key_lines_of_enquiry:
      governance: {CYRILLIC_A}
      discharge: R
      capacity-demand: R
      metrics-ambition: A
      expenditure: A
      dfg-housing: G
    high_risk: yes
    high_risk_reason: The pooled fund leans on one-off money
    recommendation: not-approved
  - plan: E10000127
    conditions: {{NC1: A, NC2: A, NC3: G, NC4: G}}
    key_lines_of_enquiry: {LINES}
    high_risk: no
    recommendation: approved-with-conditions
"""
ONE_PLAN = f"""\
plan: E10000128
area: Brackenshire 2
assessor: Priya Oduya
date: 2025-11-04
conditions: {{NC1: G, NC2: G, NC3: G, NC4: A}}
key_lines_of_enquiry: {LINES}
high_risk: no
recommendation: approved
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The module's one summary: six plans, two assessment files, one broken plan."""
    root = tmp_path_factory.mktemp("summary")
    plans = [generate_plan(root / f"plan-{seed}", "S", seed) for seed in range(1, 7)]
    # Coldmere states that it meets every condition; Ashvale 2's control total is wrong.
    conditions = plans[1] / "conditions.yaml"
    conditions.write_text(conditions.read_text().replace("partly-met", "met"))
    funding = plans[4] / "funding.yaml"
    funding.write_text(
        re.sub(
            r"\{what: pool, year: 2025-26, amount: [0-9_]+\}",
            "{what: pool, year: 2025-26, amount: 1}",
            funding.read_text(),
        )
    )
    broken = root / "broken"
    broken.mkdir()
    (broken / "plan.yaml").write_text("format: 1\nframework: [bcf-2025-26\n")
    region = root / "region.yaml"
    region.write_text(REGION, encoding="utf-8")
    single = root / "brackenshire-2.yaml"
    single.write_text(ONE_PLAN, encoding="utf-8")
    out = root / "out"
    # Given out of order (and the broken plan among them): rows come sorted by code.
    given = [plans[5], broken, *plans[:5]]
    result = run_cli(
        "summary", *given, "--assessments", region, "--assessments", single,
        "--out", out, "--jobs", "2",
    )  # fmt: skip
    return {"result": result, "out": out, "region": region, "broken": broken}


def _read_pdf(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)


def _workbook(out: Path):
    from openpyxl import load_workbook

    return load_workbook(next(out.glob("*.xlsx")))


STATEMENTS = [
    "2 of 7 plans meet every national condition: Brackenshire, Durnholme.",
    "1 of 7 plans states that it meets every national condition: Coldmere.",
    "3 of 7 plans are recommended for sign-off: Brackenshire, Durnholme, Brackenshire 2.",
    "2 of 7 plans are recommended for sign-off with conditions: Coldmere, Ashvale 2.",
    "1 of 7 plans is not recommended for sign-off: Eskerby.",
    "1 of 7 plans is high risk: Eskerby (The pooled fund leans on one-off money).",
]


def test_the_command_writes_three_files_and_says_what_is_wrong(built):
    result, out = built["result"], built["out"]
    assert result.returncode == 1, result.stderr  # an assessment error, an unreadable plan
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"north-fells-bcf-2025-26-summary.{ext}" for ext in ("html", "pdf", "xlsx")]
    for statement in STATEMENTS:
        assert statement in result.stdout
    assert "cannot be read" in result.stderr
    assert str(built["broken"]) in result.stderr


def test_a_cyrillic_letter_in_a_rating_is_a_finding_at_its_line(built):
    text = built["region"].read_text(encoding="utf-8")
    line = text[: text.index(CYRILLIC_A)].count("\n") + 1
    stderr = built["result"].stderr
    assert f"region.yaml:{line}:" in stderr
    assert "CYRILLIC CAPITAL LETTER A (U+0410)" in stderr
    assert "type the Latin capital A" in stderr


def test_the_workbook_has_a_sheet_per_grid_with_real_cells(built):
    book = _workbook(built["out"])
    assert book.sheetnames == [
        "statements", "ratings", "counts", "outcomes", "plans", "funding", "metrics", "rules",
    ]  # fmt: skip
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title
    statements = [row[0] for row in book["statements"].iter_rows(values_only=True)]
    for statement in STATEMENTS:
        assert statement in statements
    ratings = book["ratings"]
    assert ratings.freeze_panes == "C2"
    rows = list(ratings.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:4] == (
        "Area",
        "ONS code",
        "NC1: Plans jointly agreed",
        "NC2: Implementing the BCF policy objectives",
    )
    assert [r[1] for r in body] == [*AREAS, None]  # sorted by code, the broken plan last
    assert [r[0] for r in body[:6]] == list(AREAS.values())
    assert body[0][2:6] == ("G", "G", "G", "G")
    assert body[3][2:7] == ("G", "G", "R", "A", None)  # Eskerby: governance is not a rating
    assert "cannot be read" in body[6][-1]
    validations = ratings.data_validations.dataValidation
    assert validations and all(v.formula1 == '"R,A,G"' for v in validations)
    covered = " ".join(str(v.sqref) for v in validations)
    for column in "CDEFGHIJKL":  # four conditions, six key lines of enquiry
        assert f"{column}2:{column}8" in covered
    red = look_from_theme(Theme()).colours.red.lstrip("#").upper()
    fills = [
        rule.dxf.fill.fgColor.rgb for cf in ratings.conditional_formatting for rule in cf.rules
    ]
    assert any(red in str(fill) for fill in fills)


def test_the_counts_and_the_plans_own_figures_are_right(built):
    book = _workbook(built["out"])
    counts = {row[0]: row[1:] for row in book["counts"].iter_rows(min_row=2, values_only=True)}
    # (red, amber, green, not assessed) over 7 rows, the broken plan not assessed.
    assert counts["NC1: Plans jointly agreed"] == (0, 1, 5, 1)
    assert counts["NC2: Implementing the BCF policy objectives"] == (0, 2, 4, 1)
    assert counts["NC3: Complying with grant and funding conditions"] == (1, 0, 5, 1)
    assert counts["Governance"] == (0, 0, 5, 2)  # Eskerby's is not a rating
    assert counts["Capacity and demand"] == (1, 5, 0, 1)
    plans = {row[1]: row for row in book["plans"].iter_rows(min_row=2, values_only=True)}
    header = next(book["plans"].iter_rows(max_row=1, values_only=True))
    errors, families = header.index("Errors"), header.index("Errors by family")
    assert plans["E10000127"][errors] == 1 and plans["E10000127"][families] == "money 1"
    assert plans["E10000123"][errors] == 0
    nc4 = header.index("NC4 as the plan states it")
    assert plans["E10000124"][nc4] == "Met" and plans["E10000123"][nc4] == "Partly met"
    funding = {row[1]: row for row in book["funding"].iter_rows(min_row=2, values_only=True)}
    pool = next(book["funding"].iter_rows(max_row=1, values_only=True)).index("Pooled fund")
    assert isinstance(funding["E10000123"][pool], int) and funding["E10000123"][pool] > 1_000_000
    rules = {row[1]: row for row in book["rules"].iter_rows(min_row=2, values_only=True)}
    assert rules["E10000123"][2] == "Met"


def test_the_pdf_says_the_statements_and_shows_every_row(built):
    from pypdf import PdfReader

    pdf = next(built["out"].glob("*.pdf"))
    assert "/StructTreeRoot" in PdfReader(pdf).trailer["/Root"]  # tagged, as a plan's PDF
    text = _read_pdf(pdf)
    for statement in STATEMENTS:
        assert statement in text
    assert "Not a rating" in text
    for area in AREAS.values():
        assert area in text
    assert "Plan cannot be read" in text


# ---------------------------------------------------------------- assessment files alone


@pytest.fixture(scope="module")
def framework():
    found = load_framework("bcf-2025-26", default_templates(), Location("test"), Findings())
    assert found is not None
    return found


def _judged(tmp_path: Path, text: str, framework, codes=None):
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    found = read_assessments([path])
    judgements, findings = judge(found, framework, codes or {"E1": "Ashvale"})
    found.findings.extend(findings)
    return judgements, found.findings


BASE = """\
plan: E1
assessor: A. Person
date: 2025-11-01
conditions: {NC1: G, NC2: G, NC3: G, NC4: G}
key_lines_of_enquiry: {governance: G, discharge: G, capacity-demand: G, metrics-ambition: G}
high_risk: no
recommendation: approved
"""


COMPLETE = BASE.replace(
    "metrics-ambition: G}", "metrics-ambition: G, expenditure: G,\n  dfg-housing: G}"
)


def test_a_plan_file_is_read_without_findings(tmp_path, framework):
    _, findings = _judged(tmp_path, BASE, framework)
    assert [f.code for f in findings] == ["assessment.not-rated"] * 2  # two key lines
    judgements, findings = _judged(tmp_path, COMPLETE, framework)
    assert not findings.items, [f.format() for f in findings]
    assert judgements["E1"].conditions == dict.fromkeys(["NC1", "NC2", "NC3", "NC4"], "green")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("\u0391", "GREEK CAPITAL LETTER ALPHA"),
        ("\u050c", "CYRILLIC CAPITAL LETTER KOMI SJE"),
        ("g", "capital Latin letter G"),
        ("Green", "write the letter G"),
        ("\uff27", "capital Latin letter G"),  # a full-width G
        ("A/G", "one letter"),
    ],
)
def test_a_value_that_is_not_exactly_r_a_or_g_says_how_to_fix_it(value, words):
    problem = rating_problem(value)
    assert problem is not None and words in " ".join(problem)
    assert rating_problem("G") is None


def test_every_problem_in_an_assessment_is_at_its_line(tmp_path, framework):
    text = (
        COMPLETE.replace("plan: E1", "plan: E9")
        .replace("NC4: G", "NC5: G")
        .replace("high_risk: no", "high_risk: Y")
        .replace("approved", "aproved")
    )
    _, findings = _judged(tmp_path, text, framework)
    assert {(f.code, f.line) for f in findings} == {
        ("schema.bool_type", 7),
        ("schema.literal_error", 8),
    }
    fixed = text.replace("high_risk: Y", "high_risk: yes").replace("aproved", "approved")
    _, findings = _judged(tmp_path, fixed, framework)
    assert {(f.code, f.line) for f in findings} == {
        ("assessment.plan", 1),  # no plan has the code E9
        ("assessment.condition", 4),  # NC5 is not a condition of the round
        ("assessment.not-rated", 4),  # so NC4 is not rated
        ("assessment.high-risk-reason", 7),
    }
    hints = {f.code: f.hint for f in findings}
    assert "NC4" in hints["assessment.condition"]
    assert "E1" in hints["assessment.plan"]


def test_an_assessment_needs_an_assessor_and_a_date(tmp_path, framework):
    text = COMPLETE.replace("assessor: A. Person\n", "").replace("date: 2025-11-01\n", "")
    _, findings = _judged(tmp_path, text, framework)
    assert {f.code for f in findings} == {"assessment.assessor", "assessment.date"}


def _entry(code: str, nc3: str = "G") -> str:
    return (
        f"  - plan: {code}\n"
        f"    conditions: {{NC1: G, NC2: G, NC3: {nc3}, NC4: G}}\n"
        f"    key_lines_of_enquiry: {LINES}\n"
        "    high_risk: no\n"
        "    recommendation: approved\n"
    )


def test_statements_are_counted_from_the_rows(tmp_path, framework):
    """Two plans all green: the summary says two, never 'only one'."""
    text = "assessor: A. Person\ndate: 2025-11-01\nassessments:\n"
    text += _entry("E1") + _entry("E2") + _entry("E3", nc3="A")
    codes = {"E1": "Ashvale", "E2": "Coldmere", "E3": "Eskerby"}
    judgements, findings = _judged(tmp_path, text, framework, codes)
    assert not findings.items, [f.format() for f in findings]
    plans = [
        PlanFacts(f"p{n}", area=codes[f"E{n}"], code=f"E{n}", framework="bcf-2025-26")
        for n in (3, 1, 2)
    ]
    summary = summarise(framework, plans, judgements, date=dt.date(2025, 11, 1))
    assert summary.statements[0] == "2 of 3 plans meet every national condition: Ashvale, Coldmere."
    assert summary.statements[2] == (
        "3 of 3 plans are recommended for sign-off: Ashvale, Coldmere, Eskerby."
    )
    assert [p.code for p in summary.plans] == ["E1", "E2", "E3"]


def test_a_plan_of_another_round_is_a_row_that_says_so(framework):
    plans = [
        PlanFacts("a", area="Ashvale", code="E1", framework="bcf-2025-26"),
        PlanFacts("b", area="Coldmere", code="E2", framework="bcf-2023-25"),
        PlanFacts("c", problem="cannot be read: no such folder: c"),
    ]
    summary = summarise(framework, plans, {}, date=dt.date(2025, 11, 1))
    notes = [row[-1].text for row in summary.grid("ratings").rows]
    assert notes == ["Not assessed", notes[1], "Plan cannot be read: no such folder: c"]
    assert notes[1].startswith("A plan of bcf-2023-25, not of bcf-2025-26")
    assert summary.statements[-1] == "2 of 3 plans cannot be summarised: Coldmere, c."
    assert summary.statements[0] == "0 of 3 plans meet every national condition."
