"""Wording from data, nothing empty (issue 12, item 4).

A field the author did not write prints nothing (no "Lead: ."); names are printed as
written; the scheme heading and the labels of a scheme's parts come from the theme; and
money is written in pounds, thousands or millions, by the theme or the filter's argument.
Tests read the document model, the level at which both writers take their words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PLAN_YAML, SCHEME_YAML, only, where

from bcf_docgen import formatting as fmt
from bcf_docgen.content.reader import read_plan
from bcf_docgen.document.assemble import assemble
from bcf_docgen.document.model import Callout, Document, Heading, Paragraph, Table, plain_text
from bcf_docgen.pack import assemble_pack
from bcf_docgen.pipeline import check_plan
from bcf_docgen.templating import TemplateProblem, make_environment, render_string
from bcf_docgen.theme import Theme

# The base plan with the schemes section in its outline, and a theme file.
WITH_SCHEMES = PLAN_YAML + "  - schemes\ntheme: theme.yaml\n"
REPORT = """\
decision_maker: Testshire Health and Wellbeing Board
subject: Better Care Fund plan
meeting_date: 2025-04-10
report_of: Director of Adult Social Care
summary: The Board is asked to agree the plan.
appendices:
  - {title: Scheme summaries, source: schemes}
"""
BARE_SCHEME = """\
id: S2
name: Carers' breaks
theme: NHS-led Support for Carers
expenditure:
  - line: Breaks for carers
    type: Carers services
    area: Social care
    commissioner: council
    source: nhs-minimum
    amounts: {2025-26: 0}
"""


def plan_with(make_plan, theme: str = "money_units: pounds\n", **files: str) -> Path:
    return make_plan({"plan.yaml": WITH_SCHEMES, "theme.yaml": theme, **files})


def document_of(folder: Path) -> Document:
    result = read_plan(folder)
    assert result.plan is not None, [f.format() for f in result.findings]
    assert not result.findings.errors, [f.format() for f in result.findings]
    document, _findings = assemble(result.plan)
    return document


def paragraphs(blocks) -> list[str]:
    return [plain_text(b.inlines) for b in blocks if isinstance(b, Paragraph)]


def headings(document: Document) -> list[str]:
    return [h.plain_title for h in document.headings()]


def scheme_blocks(document: Document, heading: str) -> list:
    """The blocks from the scheme's heading to the next heading of its level or above."""
    blocks = list(document.walk())
    start = next(
        i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.plain_title == heading
    )
    level = blocks[start].level
    end = next(
        (
            i
            for i in range(start + 1, len(blocks))
            if isinstance(blocks[i], Heading) and blocks[i].level <= level
        ),
        len(blocks),
    )
    return blocks[start + 1 : end]


# -- nothing empty ------------------------------------------------------------------


def test_a_scheme_without_lead_or_status_prints_neither(make_plan) -> None:
    folder = plan_with(make_plan, **{"schemes/s2.yaml": BARE_SCHEME})
    document = document_of(folder)
    bare = paragraphs(scheme_blocks(document, "S2: Carers' breaks"))
    assert not [p for p in bare if "Lead" in p or "Status" in p or p.strip(" .:") == ""]
    # The scheme that has a lead (and no status) says who leads it, and nothing more.
    led = paragraphs(scheme_blocks(document, "S1: Home first"))
    assert "Lead: Testshire Council." in led
    assert not [p for p in led if "Status" in p]
    # The schemes table leaves the status cell empty rather than inventing "Existing".
    table = next(b for b in document.walk() if isinstance(b, Table) and b.id == "schemes")
    status_column = [c.header for c in table.columns].index("Status")
    statuses = [plain_text(r.cells[status_column].inlines) for r in table.rows[1:-1]]
    assert statuses == ["", ""]


def test_status_is_printed_when_the_author_wrote_it(make_plan) -> None:
    folder = plan_with(make_plan, **{"schemes/s1.yaml": SCHEME_YAML + "status: new\n"})
    led = paragraphs(scheme_blocks(document_of(folder), "S1: Home first"))
    assert "Lead: Testshire Council. Status: new scheme." in led


def test_scheme_appendix_prints_only_what_exists_and_names_as_written(make_plan) -> None:
    folder = plan_with(make_plan, **{"schemes/s2.yaml": BARE_SCHEME, "board-report.yaml": REPORT})
    checked = check_plan(folder)
    pack = assemble_pack(checked.plan, checked.document)
    appendix = next(p for p in pack.appendices if p.source == "schemes").document
    bare = scheme_blocks(appendix, "S2: Carers' breaks")
    texts = paragraphs(bare)
    assert "Theme: NHS-led Support for Carers." in texts  # not lower-cased
    assert not [t for t in texts if "Lead" in t or "Status" in t or "None recorded" in t]
    # Parts it does not have get no heading: only its spend.
    assert [h.plain_title for h in bare if isinstance(h, Heading)] == ["Spend"]
    full = scheme_blocks(appendix, "S1: Home first")
    parts = [b.plain_title for b in full if isinstance(b, Heading)]
    assert parts == ["Overview", "Metrics this scheme contributes to", "Spend"]


def test_cover_without_partners_has_no_agreed_by(make_plan) -> None:
    plan = WITH_SCHEMES.replace("  - schemes\n", "  - cover\n")
    start, end = plan.index("partners:"), plan.index("outline:")
    plan = plan[:start] + plan[end:]
    folder = make_plan(
        {"plan.yaml": plan, "theme.yaml": "paper: A4\n", "schemes/s1.yaml": BARE_SCHEME}
    )
    document = document_of(folder)
    assert not [p for p in paragraphs(document.walk()) if p.startswith("Agreed by")]


# -- headings and labels from the theme ---------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{id}: {name}", ["S1: Home first", "S2: Carers' breaks"]),
        ("Scheme {number}: {name}", ["Scheme 1: Home first", "Scheme 2: Carers' breaks"]),
        ("Scheme {number_words}: {name}", ["Scheme One: Home first", "Scheme Two: Carers' breaks"]),
        ("S{number}: {name}", ["S1: Home first", "S2: Carers' breaks"]),
    ],
)
def test_scheme_heading_pattern_from_the_theme(
    make_plan, pattern: str, expected: list[str]
) -> None:
    folder = plan_with(
        make_plan, f'schemes:\n  heading: "{pattern}"\n', **{"schemes/s2.yaml": BARE_SCHEME}
    )
    found = headings(document_of(folder))
    assert [h for h in found if h in expected] == expected


def test_heading_number_is_the_ids_digits_or_else_the_position(make_plan) -> None:
    twelve = BARE_SCHEME.replace("id: S2", "id: S012")
    no_digits = BARE_SCHEME.replace("id: S2", "id: CARERS").replace("Carers' breaks", "Respite")
    folder = plan_with(
        make_plan,
        'schemes:\n  heading: "Scheme {number_words} ({number}): {name}"\n',
        **{"schemes/s2.yaml": twelve, "schemes/s3.yaml": no_digits},
    )
    found = headings(document_of(folder))
    assert "Scheme Twelve (12): Carers' breaks" in found
    assert "Scheme Three (3): Respite" in found  # third scheme in file-name order


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("Scheme {nmber}: {name}", "unknown placeholder {nmber}"),
        ("Scheme {{number}}: {name}", "without its"),
        ("Scheme {number: {name}", "without its"),
        ("Scheme number}: {name}", "without its"),
        ("{{ scheme.name | upper }}", "without its"),
    ],
)
def test_bad_heading_pattern_is_a_theme_finding_at_its_line(
    make_plan, pattern: str, said: str
) -> None:
    folder = plan_with(make_plan, f'paper: A4\nschemes:\n  heading: "{pattern}"\n')
    found = only(read_plan(folder).findings, "schema.value_error")
    assert where(found)[:2] == ("theme.yaml", 3)
    assert said in found.message
    assert "{number_words}" in found.message  # names the placeholders there are


@pytest.mark.parametrize(
    ("labels", "said"),
    [
        ('  labels:\n    benefits: "Benefits\\nand more"\n', "one line"),
        ('  labels:\n    benefits: "{{ plan.title }}"\n', "no braces"),
        ("  labels:\n    benefits: ''\n", "line of text"),
    ],
)
def test_bad_label_is_a_theme_finding_at_its_line(make_plan, labels: str, said: str) -> None:
    folder = plan_with(make_plan, "schemes:\n" + labels)
    found = only(read_plan(folder).findings, "schema.value_error")
    assert where(found)[:2] == ("theme.yaml", 3)
    assert said in found.message


def test_labels_of_a_schemes_parts_come_from_the_theme(make_plan) -> None:
    theme = (
        "schemes:\n"
        "  labels:\n"
        "    lead: Lead organisation\n"
        "    statement: I statement\n"
        "    objectives: Aims\n"
        "    benefits: Expected benefits\n"
        "    metrics: Metrics\n"
    )
    scheme = (
        SCHEME_YAML + "status: new\nobjectives: [Fewer delays.]\nbenefits: [Less time in bed.]\n"
    )
    folder = plan_with(make_plan, theme, **{"schemes/s1.yaml": scheme})
    blocks = scheme_blocks(document_of(folder), "S1: Home first")
    texts = paragraphs(blocks)
    for expected in ("Aims", "Expected benefits"):
        assert expected in texts
    assert "Lead organisation: Testshire Council. Status: new scheme." in texts
    assert [t for t in texts if t.startswith("Metrics: ")]
    assert not [t for t in texts if t in ("Objectives", "Benefits")]
    callout = next(b for b in blocks if isinstance(b, Callout))
    assert callout.title == "I statement"


# -- money --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "units", "expected"),
    [
        (5_985_000, "millions", "£5.99m"),
        (5_994_999, "millions", "£5.99m"),
        (5_995_000, "millions", "£6.00m"),  # half up
        (7_000_000, "millions", "£7.00m"),  # always two decimals
        (1_005_000, "millions", "£1.01m"),  # divided exactly: no binary float below it
        (-5_985_000, "millions", "-£5.99m"),
        (-4_000, "millions", "£0.00m"),  # rounds to nothing: no minus sign
        (24_310_000.0, "millions", "£24.31m"),
        (10**30, "millions", "£" + f"{10**24:,}" + ".00m"),
        (5_985_000, "thousands", "£5,985k"),
        (-1_234_500, "thousands", "-£1,235k"),
        (5_985_000, "pounds", "£5,985,000"),
        (-5.5, "pounds", "-£6"),
    ],
)
def test_money_in_each_unit(value: float, units: str, expected: str) -> None:
    assert fmt.money(value, units) == expected


@pytest.mark.parametrize("units", ["billions", "", "Millions", None])
def test_unknown_money_units_are_refused_not_pounds(units: object) -> None:
    with pytest.raises(ValueError, match="pounds, thousands, millions"):
        fmt.money(5, units)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("theme_units", "source", "expected"),
    [
        ("pounds", "{{ 5985000 | money }}", "£5,985,000"),
        ("thousands", "{{ 5985000 | money }}", "£5,985k"),
        ("millions", "{{ 5985000 | money }}", "£5.99m"),
        ("pounds", '{{ 5985000 | money("millions") }}', "£5.99m"),
        ("millions", '{{ 5985000 | money("pounds") }}', "£5,985,000"),
        ("pounds", '{{ -5985000 | money("thousands") }}', "-£5,985k"),
    ],
)
def test_money_filter_takes_the_theme_default_or_its_argument(
    theme_units: str, source: str, expected: str
) -> None:
    env = make_environment(Theme(money_units=theme_units))  # type: ignore[arg-type]
    assert render_string(env, source, {}) == expected


def test_money_filter_with_unknown_units_is_a_problem_at_its_line() -> None:
    env = make_environment(Theme())
    with pytest.raises(TemplateProblem) as caught:
        render_string(env, 'First line.\n{{ 5 | money("billions") }}', {})
    assert caught.value.line == 2
    assert "pounds, thousands, millions" in caught.value.message


def test_theme_in_millions_writes_the_tables_in_millions(make_plan) -> None:
    folder = plan_with(make_plan, "money_units: millions\n")
    document = document_of(folder)
    table = next(b for b in document.walk() if isinstance(b, Table) and b.id == "schemes")
    cells = [plain_text(c.inlines) for row in table.rows for c in row.cells]
    assert "£1.00m" in cells
    assert not [c for c in cells if c.startswith("£") and not c.endswith("m")]
