"""Claims in sentences (checks/claims.py) and notes to self (checks/placeholders.py).

Each family is tested both ways on sentences written like real plans (original and
fictional): wrong claims are found with the right code and the computed value in the
message; right ones give nothing. Then a plan checked end to end: file, line, severity,
`{{ }}` figures and text held in YAML.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PLAN_YAML, SCHEME_YAML, MakePlan

from bcf_docgen.checks.claims import Rows, claims, table_rows
from bcf_docgen.checks.placeholders import placeholders
from bcf_docgen.document.model import Cell, Column, Row, Table, Text
from bcf_docgen.findings import Finding, Severity
from bcf_docgen.pipeline import check_plan

# ------------------------------------------------------------ percentage changes

PERCENTAGE_WRONG = [
    ("The target needs a 63% reduction (from 50 to 19 people delayed on a typical day).", "62.0%"),
    ("Referrals to the falls service saw an increase of 14% from 1,200 to 1,344.", "12.0%"),
    ("Emergency admissions fell by 8% from 2,450 to 2,300 over the year.", "6.1%"),
    ("From 310 to 248 placements, this is a 25% reduction.", "20.0%"),
    ("Carers' assessments went from 1,050 to 1,365, a 35% increase on last year.", "30.0%"),
    ("Spend on bridging care rose by 12.5% from £2.4m to £2.64m.", "10.00%"),
    ("The share still at home rose from 80% to 88%, an increase of 12%.", "10.0%"),
    ("Uptake of health checks grew from 62% to 71%, a rise of 7 percentage points.", "9.0"),
    ("There was a 40 per cent drop in weekend delays, from 95 to 61.", "35.8%"),
    ("Average length of stay is 2.5% lower (from 21.4 days to 20.6 days).", "3.74%"),
    ("Calls to the response line are set to grow by 20%, from 8,200 to 9,020.", "10.0%"),
    ("Waiting times were cut by 50% (from 12 weeks to 8 weeks).", "33.3%"),
    (
        "People supported rose from 1,200 in 2023-24 to 1,450 in 2024-25, an increase of 25%.",
        "20.8%",
    ),
    ("Our share fell from 38% in 2023-24 to 35% in 2025-26, a drop of 5 points.", "3.0 percentage"),
    ("Fees will rise by 5.5% from £20.50 to £21.42 per hour.", "4.49%"),
]

PERCENTAGE_RIGHT = [
    "The target needs a 62% reduction (from 50 to 19 people delayed on a typical day).",
    "Referrals to the falls service saw an increase of 12% from 1,200 to 1,344.",
    "Emergency admissions fell by 6.1% from 2,450 to 2,300 over the year.",
    # Truncated rather than rounded: 6.12% written as 6.1%, 20.97% as 20.9%.
    "From 310 to 245 placements, this is a 20.9% reduction.",
    "Carers' assessments went from 1,050 to 1,365, a 30% increase on last year.",
    "Spend on bridging care rose by 10% from £2.4m to £2.64m.",
    # A rise in points written as a percentage, or as points.
    "The share still at home rose from 80% to 88%, an increase of 8%.",
    "Uptake of health checks grew from 62% to 71%, a rise of 9 percentage points.",
    "There was a 36 per cent drop in weekend delays, from 95 to 61.",
    # Hedged figures: over, almost, around.
    "Delays fell by over 50% (from 120 to 55) after the hub opened.",
    "Referrals rose by almost 30%, from 1,000 to 1,290.",
    "Admissions fell by around 10%, from 2,000 to 1,810.",
    # Two clauses: the percentage belongs to the second, the figures to the first.
    "Delays fell from 50 to 19, and admissions rose by 12% over the same period.",
    "People supported rose from 1,200 in 2023-24 to 1,450 in 2024-25, an increase of 21%.",
    "Our share fell from 38% in 2023-24 to 35% in 2025-26, a drop of 3 points.",
    "Fees will rise by 4.5% from £20.50 to £21.42 per hour.",
    "Discharges before midday went from 18% to 25%, a rise of 7 percentage points, or 39%.",
    "Delays fell from 50 to 19 in 2024, and admissions rose by 12% in 2025.",
    # A change with no figures to compare is not checked.
    "There has been a 24% increase in double-handed packages of care since last year.",
]


@pytest.mark.parametrize(("sentence", "computed"), PERCENTAGE_WRONG)
def test_a_wrong_percentage_change_is_found(sentence: str, computed: str) -> None:
    found = claims(sentence)
    assert [c.code for c in found] == ["claim.percentage"], found
    assert computed in found[0].message
    # The finding points at the stated percentage.
    assert f"'{sentence[found[0].start : found[0].end]}' does not fit" in found[0].message


@pytest.mark.parametrize("sentence", PERCENTAGE_RIGHT)
def test_a_right_percentage_change_gives_nothing(sentence: str) -> None:
    assert claims(sentence) == []


# ------------------------------------------------------------------- directions

DIRECTION_WRONG = [
    (
        "Working-age adults with a serious physical disability are forecast to decrease "
        "from 34,667 to 34,943 by 2035.",
        "rise of 0.8%",
    ),
    ("Permanent admissions to care homes rose from 562 to 530 per 100,000.", "fall of 5.7%"),
    ("We expect delays to fall from 1.5 days to 1.9 days by March.", "rise of 26.7%"),
    ("Spend on residential placements will reduce from £1.85m to £1.96m.", "rise of 5.9%"),
    ("The share of discharges home with no new care increased from 52% to 48%.", "fall of 7.7%"),
    ("A reduction in people waiting for care from 64 to 71 was seen in June.", "rise of 10.9%"),
    ("Falls-related admissions dropped from 1,020 to 1,110 in the first half.", "rise of 8.8%"),
    ("Our population aged 85 and over is set to decline from 14,200 to 18,900.", "rise of 33.1%"),
    ("The number of carers registered with the hub grew from 4,310 to 3,980.", "fall of 7.7%"),
    ("Bed days lost to delays are expected to rise from 9,800 to 7,400.", "fall of 24.5%"),
    (
        "There are 69,100 residents aged 65 to 74 today, a number projected to fall to "
        "78,400 by 2035.",
        "rise of 13.5%",
    ),
    ("Home care vacancies are forecast to decrease from 9.5% to 11.2%.", "rise of 17.9%"),
    # The stated percentage is right in size but the word goes the wrong way.
    ("Delays fell by 15% from 1,000 to 1,150.", "rise of 15.0%"),
]

DIRECTION_RIGHT = [
    "Working-age adults with a serious physical disability are forecast to increase "
    "from 34,667 to 34,943 by 2035.",
    "Permanent admissions to care homes fell from 562 to 530 per 100,000.",
    "We expect delays to fall from 1.9 days to 1.5 days by March.",
    "The number aged 65 to 74 will rise from 69,100 to 78,400 by 2035.",
    "People aged from 75 to 84 make up a growing share of emergency admissions.",
    "Between April and September, referrals increased from 410 to 465.",
    "Spend will reduce from £1.96m to £1.85m once the block contract starts.",
    "Although admissions rose last winter, delays fell from 2.1 to 1.7 days.",
    "There are 34,667 working-age adults with a disability, predicted to increase to "
    "34,943 by 2035.",
    "The contract runs from 1 April 2025 to 31 March 2026, after which costs will fall.",
    "Referrals rose from 8 in April to 42 in September.",
    "The virtual ward grows from 30 to 40 beds this winter.",
    # Figures of a different kind are not compared ("from 40 to 60%").
    "Coverage will increase from 40 sites to 60% of practices.",
    # With 12 new staff, waits fall to 30 days: not the same measure, so not compared.
    "With 12 new staff, waits for an assessment are expected to fall to 30 days.",
]


@pytest.mark.parametrize(("sentence", "computed"), DIRECTION_WRONG)
def test_a_wrong_direction_is_found(sentence: str, computed: str) -> None:
    found = claims(sentence)
    assert [c.code for c in found] == ["claim.direction"], found
    assert computed in found[0].message


@pytest.mark.parametrize("sentence", DIRECTION_RIGHT)
def test_a_right_direction_gives_nothing(sentence: str) -> None:
    assert claims(sentence) == []


# ----------------------------------------------------------------------- counts


def _list(n: int, ordered: bool = False) -> str:
    return "\n".join(f"{i + 1}. Item {i + 1}" if ordered else f"- Item {i + 1}" for i in range(n))


COUNT_WRONG = [
    (f"The top five system risks are set out below:\n\n{_list(4, True)}\n", "five system risks", 4),
    (f"We have agreed three priorities for 2025-26:\n{_list(2)}\n", "three priorities", 2),
    (f"Our plan rests on four principles:\n\n{_list(5)}\n", "four principles", 5),
    (f"The hub offers 6 kinds of support:\n{_list(5)}\n", "6 kinds", 5),
    (f"Two new schemes start this year:\n{_list(3)}\n", "Two new schemes", 3),
    (f"The following seven conditions apply:\n{_list(6, True)}\n", "seven conditions", 6),
    (f"There are three main objectives:\n\n{_list(4)}\n\nEach has a lead.\n", "three", 4),
    (f"The scheme has two strands, which are:\n{_list(1)}\n", "two strands", 1),
    (f"Partners identified eight areas of focus:\n{_list(9)}\n", "eight areas", 9),
    ("Our four key enablers:\n\n- Data\n\n- Workforce\n\n- Estates\n", "four key enablers", 3),
    (f"These ten actions follow from the review:\n{_list(11, True)}\n", "ten actions", 11),
]

COUNT_RIGHT = [
    f"The top five system risks are set out below:\n\n{_list(5, True)}\n",
    f"We have agreed three priorities for 2025-26:\n{_list(3)}\n",
    # Nested items are not counted.
    "Our plan has three aims:\n- Aim one\n  - a detail\n  - another\n- Aim two\n- Aim three\n",
    # A loose list with continuation paragraphs, then an ordinary paragraph.
    "Four things changed:\n\n- One\n\n  More on one.\n\n- Two\n- Three\n- Four\n\nNext.\n",
    # A time is not what the list counts.
    f"Over the next two years we will focus on:\n{_list(3)}\n",
    # Hedged or partial counts are not checked.
    f"At least three things must happen:\n{_list(5)}\n",
    f"One of our three priorities is this:\n{_list(1)}\n",
    # No list after the sentence (a table, or the list is said inline).
    "The three schemes are shown below:\n\n| Scheme | Cost |\n|---|---|\n| A | 1 |\n",
    "We have three priorities: prevention, flow and carers.\n",
    # Two counts in the sentence: which one the list counts is not certain.
    f"Two of the five schemes are new:\n{_list(2)}\n",
    # The count is far from the colon: it describes something else.
    f"There are three ways to get help, and our partners list the services here:\n{_list(5)}\n",
    f"The plan's 6 schemes are:\n{_list(6)}\n",
]


@pytest.mark.parametrize(("text", "said", "items"), COUNT_WRONG)
def test_a_count_that_does_not_match_its_list_is_found(text: str, said: str, items: int) -> None:
    found = claims(text)
    assert [c.code for c in found] == ["claim.count"], found
    assert said in found[0].message
    assert f"has {items} item" in found[0].message


@pytest.mark.parametrize("text", COUNT_RIGHT)
def test_a_count_that_matches_gives_nothing(text: str) -> None:
    assert claims(text) == []


# ------------------------------------------------------------------- table rows


def _table(header: list[str], rows: list[list[str]], typed: bool = False) -> Table:
    def row(cells: list[str]) -> Row:
        from bcf_docgen.findings import Location

        where = Location("sections/x.md", 1, 1) if typed else None
        return Row([Cell([Text(c)]) for c in cells], location=where)

    return Table([Column(h) for h in header], [row(header), *map(row, rows)])


class _Document:
    """What `table_rows` reads of a Document: its tables."""

    def __init__(self, tables: list[Table]):
        self._tables = tables

    def tables(self) -> list[Table]:
        return self._tables


ROWS: Rows = table_rows(
    _Document(  # type: ignore[arg-type]
        [
            _table(
                ["Source of funding", "Contributor", "2025-26"],
                [
                    ["NHS minimum contribution", "ICB", "£27,418,362"],
                    ["Local Authority Better Care Grant", "Council", "£14,286,419"],
                    ["Disabled Facilities Grant", "Council", "£4,072,518"],
                ],
            ),
            _table(
                ["ID", "Scheme", "2025-26"],
                [["S1", "Community wellbeing and social prescribing", "£1,535,000"]],
            ),
            _table(
                ["Line", "Source", "2025-26"],
                [
                    ["Disabled Facilities Grant, Vale", "Disabled Facilities Grant", "£1,956,614"],
                    [
                        "Home adaptations in North Kingsmere",
                        "Disabled Facilities Grant",
                        "£2,115,904",
                    ],
                ],
            ),
            _table(
                ["Measure", "Q2 2025-26"],
                [["Reablement", "82.4%"], ["Urgent community response", "78%"]],
                typed=True,
            ),
        ]
    )
)

TABLE_WRONG = [
    ("The Disabled Facilities Grant of £4.2m is passed to the district councils.", "£4.2m"),
    ("The NHS minimum contribution is £27.5m this year.", "£27.5m"),
    ("The Local Authority Better Care Grant (£14,826,419) funds home care.", "£14,826,419"),
    (
        "Community wellbeing and social prescribing, worth £1,553,000, is run by the council.",
        "£1,553,000",
    ),
    ("Reablement at 84.2% remains above the regional average.", "84.2%"),
    ("The £4,027,518 Disabled Facilities Grant is passed on in full.", "£4,027,518"),
    ("The Disabled Facilities Grant stands at £4,070k for the year.", "£4,070k"),
    ("The disabled facilities grant totals £4.06m.", "£4.06m"),
    ("NHS minimum contribution: £26,418,362.", "£26,418,362"),
    ("Urgent community response at 73% within two hours is below the national standard.", "73%"),
    ("Our Local Authority Better Care Grant of £14.1m is pooled.", "£14.1m"),
]

TABLE_RIGHT = [
    "The Disabled Facilities Grant of £4.1m is passed in full to the districts.",
    "The Disabled Facilities Grant of £4,072,518 is passed in full to the districts.",
    "The Disabled Facilities Grant is £4.07m.",
    "The £4,073k Disabled Facilities Grant is passed on in full.",
    # A part of the grant, named as in the tables.
    "The Disabled Facilities Grant of £1,956,614 for Vale pays for level-access showers.",
    # Two names: the figure cannot be tied to one.
    "The NHS minimum contribution of £27.4m and the Disabled Facilities Grant of £4.2m.",
    # A part of a whole.
    "Of the NHS minimum contribution, £8,831,000 goes to adult social care.",
    "Reablement at 82.4% is close to its target.",
    # A percentage where the row holds only money: not compared.
    "The Disabled Facilities Grant rose by 5.2% this year.",
    "The Disabled Facilities Grant of £4.1m funds 350 adaptations, up 12% on last year.",
    # Not tied to the name by a linking word.
    "The Disabled Facilities Grant has £310,000 added by the council for handyperson work.",
    "We spend £8.8m through the NHS minimum contribution on social care.",
]


@pytest.mark.parametrize(("sentence", "stated"), TABLE_WRONG)
def test_a_figure_that_differs_from_its_table_row_is_found(sentence: str, stated: str) -> None:
    found = claims(sentence, ROWS)
    assert [c.code for c in found] == ["claim.table"], found
    assert f"'{stated}'" in found[0].message
    assert sentence[found[0].start : found[0].end] == stated


@pytest.mark.parametrize("sentence", TABLE_RIGHT)
def test_a_figure_that_agrees_with_its_table_row_gives_nothing(sentence: str) -> None:
    assert claims(sentence, ROWS) == []


def test_the_table_finding_names_the_row_figures() -> None:
    (found,) = claims("The Disabled Facilities Grant of £4.2m is passed on.", ROWS)
    assert "£4,072,518" in found.message


# ---------------------------------------------------------------- notes to self

NOTES = [
    "Need to add a para on carers' breaks here.",
    "We still need to write a short paragraph on engagement.",
    "To add: the Q2 figures from finance",
    "Case studies to add:",
    "Check with finance re the DFG split",
    "The hub opened in May (check with Tom) and is busy.",
    "TODO: tidy this section",
    "[insert the board date]",
    "## ?",
    "## Intermediate care?",
    "### Home first?",
    "title: Discharge to assess?",
]

NOT_NOTES = [
    "## What does this mean for residents?",
    "## So what does all this mean?",
    "## Why now?",
    "## Is the plan working?",
    "## Home first: how it works",
    "Check with your GP if you are unsure about a medicine.",
    "We need to add capacity over the winter.",
    "Partners need to add text messaging reminders.",
    "We need to add a section 75 agreement for the hub.",
    "What we plan to do:",
    "The question for the board is: what next?",
    "The council will check the figures with the ICB each quarter.",
]


@pytest.mark.parametrize("text", NOTES)
def test_a_note_to_self_is_a_placeholder(text: str) -> None:
    assert list(placeholders(text)), text


@pytest.mark.parametrize("text", NOT_NOTES)
def test_ordinary_text_and_real_questions_are_not_notes(text: str) -> None:
    assert list(placeholders(text)) == [], text


# ------------------------------------------------------------- a whole plan

# Body lines start at line 4 of the file (three lines of front matter).
CLAIMS_MD = """\
---
title: Introduction
---
The pooled fund is {{ funding.pool["2025-26"] | money }}.

Delays will rise from {{ metric("discharge-delay").baseline.value }} days to \
{{ metric("discharge-delay").targets["2025-26"] }} days by March.

Delays will fall from {{ metric("discharge-delay").baseline.value }} days to \
{{ metric("discharge-delay").targets["2025-26"] }} days by March.

The target needs a 63% reduction (from 50 to 19 people delayed on a typical day).

The top five risks are:

1. Winter
2. Workforce
3. Home care
4. Data

The NHS minimum contribution of £1.2m is pooled.

::: table income
:::

## Intermediate care?
"""


def _check(folder: Path) -> list[Finding]:
    result = check_plan(folder)
    assert result.plan is not None
    return sorted(
        (f for f in result.findings if f.code.startswith("claim.")), key=lambda f: f.location
    )


def test_claims_in_a_section_at_their_lines(make_plan: MakePlan) -> None:
    folder = make_plan({"sections/intro.md": CLAIMS_MD})
    found = [(f.code, f.file, f.line, f.severity) for f in _check(folder)]
    assert found == [
        ("claim.direction", "sections/intro.md", 6, Severity.WARNING),
        ("claim.percentage", "sections/intro.md", 10, Severity.WARNING),
        ("claim.count", "sections/intro.md", 12, Severity.WARNING),
        ("claim.table", "sections/intro.md", 19, Severity.WARNING),
    ]
    result = check_plan(folder)
    heading = [f for f in result.findings if f.code == "text.placeholder"]
    assert [(f.line, f.column) for f in heading] == [(24, 1)]


def test_figures_from_the_data_are_checked_after_templating(make_plan: MakePlan) -> None:
    (direction, *_rest) = _check(make_plan({"sections/intro.md": CLAIMS_MD}))
    # 1.5 and 1.2 come from metrics.yaml through {{ }}: the author's "rise" is wrong.
    assert "from 1.5 to 1.2 is a fall of 20.0%" in direction.message


def test_wrong_claims_are_errors_in_a_final_plan(make_plan: MakePlan) -> None:
    final = PLAN_YAML.replace("status: draft", "status: final")
    folder = make_plan({"plan.yaml": final, "sections/intro.md": CLAIMS_MD})
    assert {f.severity for f in _check(folder)} == {Severity.ERROR}


def test_a_claim_in_yaml_text_is_found_at_its_line(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace(
        "summary: Reablement at home after a stay in hospital.",
        "summary: >\n  Reablement at home after a stay in hospital. Waits fell by 30%\n"
        "  (from 40 to 32 days) in the first year.",
    )
    (finding,) = _check(make_plan({"schemes/s1.yaml": scheme}))
    assert (finding.code, finding.file, finding.line) == ("claim.percentage", "schemes/s1.yaml", 14)
    assert "a fall of 20.0%" in finding.message


def test_the_base_plan_has_no_claim_findings(make_plan: MakePlan) -> None:
    assert _check(make_plan()) == []


def test_a_section_whose_loops_add_lines_is_read_as_typed(make_plan: MakePlan) -> None:
    body = (
        "---\ntitle: Introduction\n---\n"
        "{% for i in range(3) %}\n- Item {{ i }}\n{% endfor %}\n\n"
        "Delays rose from 50 to 19 last year.\n"
    )
    (finding,) = _check(make_plan({"sections/intro.md": body}))
    assert (finding.code, finding.file, finding.line) == ("claim.direction", "sections/intro.md", 8)


def test_a_text_of_many_counted_lines_is_read_within_bounds() -> None:
    found = claims("- The three things are:\n" * 5000)
    assert 0 < len(found) <= 200
