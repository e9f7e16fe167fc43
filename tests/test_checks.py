"""Integrity rules: each on a small broken plan, asserting its code, file and line.

The base plan (conftest.py) checks clean, so every finding here comes from the one change
each test makes. Line numbers count from the first line of each file's text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import (
    BASE_PLAN,
    CONDITIONS_YAML,
    PLAN_YAML,
    SCHEME_YAML,
    SIGNOFF_YAML,
    MakePlan,
    only,
    where,
)

from bcf_docgen.findings import Finding, Severity
from bcf_docgen.pipeline import Checked, check_plan

FUNDING = BASE_PLAN["funding.yaml"]
RISKS = BASE_PLAN["risks.yaml"]
METRICS = BASE_PLAN["metrics.yaml"]
FINAL = PLAN_YAML.replace("status: draft", "status: final")


def check(folder: Path) -> Checked:
    result = check_plan(folder)
    assert result.plan is not None, [f.format() for f in result.findings]
    return result


def codes(result: Checked) -> set[str]:
    return {f.code for f in result.findings}


def section(body: str, title: str = "Introduction") -> str:
    """A Markdown section whose body starts on line 4."""
    return f"---\ntitle: {title}\n---\n{body}"


def findings_of(result: Checked, code: str) -> list[Finding]:
    return sorted((f for f in result.findings if f.code == code), key=lambda f: f.location)


# ------------------------------------------------------------------ money


def test_unallocated_money_gives_both_figures_and_the_difference(make_plan: MakePlan) -> None:
    result = check(make_plan({"funding.yaml": FUNDING.replace("1000000", "1_200_000")}))
    finding = only(result.findings, "money.unallocated")
    assert finding.severity is Severity.ERROR
    assert where(finding)[:2] == ("funding.yaml", 5)
    assert "£1,200,000" in finding.message and "£1,000,000" in finding.message
    assert "£200,000 unallocated" in finding.message
    assert "2025-26" in finding.message


def test_over_allocated_money(make_plan: MakePlan) -> None:
    result = check(make_plan({"funding.yaml": FUNDING.replace("1000000", "800_000")}))
    finding = only(result.findings, "money.unallocated")
    assert "over-allocated by £200,000" in finding.message


def test_a_source_with_no_lines_is_unallocated(make_plan: MakePlan) -> None:
    funding = FUNDING.replace(
        "ring_fences:",
        "  - id: additional-la\n"  # line 6
        "    name: Council top-up\n"
        "    contributor: council\n"
        "    amounts: {2025-26: 50_000}\n"  # line 9
        "ring_fences:",
    )
    finding = only(check(make_plan({"funding.yaml": funding})).findings, "money.unallocated")
    assert where(finding)[:2] == ("funding.yaml", 9)
    assert "'additional-la'" in finding.message and "£50,000 unallocated" in finding.message


def test_control_total_that_disagrees(make_plan: MakePlan) -> None:
    funding = FUNDING + "control_totals:\n  - {what: pool, year: 2025-26, amount: 1_100_000}\n"
    finding = only(check(make_plan({"funding.yaml": funding})).findings, "money.control-total")
    assert finding.severity is Severity.ERROR
    assert where(finding) == ("funding.yaml", 10, 41)
    assert "£1,100,000" in finding.message and "£1,000,000" in finding.message


def test_control_total_that_agrees(make_plan: MakePlan) -> None:
    funding = FUNDING + "control_totals:\n  - {what: nhs-minimum, year: 2025-26, amount: 1000000}\n"
    assert "money.control-total" not in codes(check(make_plan({"funding.yaml": funding})))


def test_ring_fence_not_met_gives_required_and_planned(make_plan: MakePlan) -> None:
    funding = FUNDING.replace("amount: 900_000", "amount: 1_500_000")
    finding = only(check(make_plan({"funding.yaml": funding})).findings, "money.ring-fence")
    assert finding.severity is Severity.WARNING  # a draft
    assert where(finding)[:2] == ("funding.yaml", 7)
    assert "nhs-min-asc" in finding.message
    assert "£1,500,000" in finding.message and "£1,000,000" in finding.message
    assert "£500,000 short" in finding.message
    final = make_plan({"funding.yaml": funding, "plan.yaml": FINAL})
    assert only(check(final).findings, "money.ring-fence").severity is Severity.ERROR


def test_ring_fence_with_no_stated_amount(make_plan: MakePlan) -> None:
    funding = FUNDING.split("ring_fences:")[0]
    result = check(make_plan({"funding.yaml": funding}))
    missing = findings_of(result, "money.ring-fence-missing")
    assert [f.file for f in missing] == ["funding.yaml", "funding.yaml"]
    assert {"'nhs-min-asc'" in f.message or "'ooh-ringfence'" in f.message for f in missing} == {
        True
    }


TWO_TIER = PLAN_YAML.replace(
    "  - {id: icb,",
    "  - {id: north, name: North District Council, kind: district-council}\n  - {id: icb,",
)
DFG_SCHEME = SCHEME_YAML.replace(
    "purpose:",
    "  - line: Adaptations\n"
    "    type: DFG related schemes\n"
    "    area: Social care\n"
    "    commissioner: council\n"
    "    source: dfg\n"
    "    amounts: {2025-26: 300_000}\n"
    "purpose:",
)
DFG_FUNDING = FUNDING.replace(
    "ring_fences:",
    "  - id: dfg\n"  # line 6
    "    name: Disabled Facilities Grant\n"
    "    contributor: council\n"
    "    amounts: {2025-26: 300_000}\n"
    "    passported:\n"  # line 10
    "      - {to: north, amounts: {2025-26: 250_000}}\n"
    "ring_fences:",
)


def test_dfg_not_passported_in_full(make_plan: MakePlan) -> None:
    folder = make_plan(
        {"plan.yaml": TWO_TIER, "schemes/s1.yaml": DFG_SCHEME, "funding.yaml": DFG_FUNDING}
    )
    finding = only(check(folder).findings, "money.dfg-passported")
    assert finding.severity is Severity.ERROR
    assert where(finding)[:2] == ("funding.yaml", 11)
    assert "£300,000" in finding.message and "£250,000" in finding.message
    assert "£50,000 is not passed on" in finding.message


def test_dfg_passporting_only_applies_with_district_councils(make_plan: MakePlan) -> None:
    folder = make_plan({"schemes/s1.yaml": DFG_SCHEME, "funding.yaml": DFG_FUNDING})
    assert "money.dfg-passported" not in codes(check(folder))


def test_amounts_only_for_the_rounds_years(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace("{2025-26: 1000000}", "{2025-26: 1000000, 2026-27: 5}")
    finding = only(check(make_plan({"schemes/s1.yaml": scheme})).findings, "money.year")
    assert where(finding)[:2] == ("schemes/s1.yaml", 11)


@pytest.mark.parametrize("amount", ["-5", "1000000.5"])
def test_no_negative_or_fractional_pounds(make_plan: MakePlan, amount: str) -> None:
    scheme = SCHEME_YAML.replace("{2025-26: 1000000}", "{2025-26: " + amount + "}")
    finding = only(check(make_plan({"schemes/s1.yaml": scheme})).findings, "schema.money")
    assert where(finding)[:2] == ("schemes/s1.yaml", 11)


# ------------------------------------------------------------------ stated totals

CORRECT_TABLE = """\
| Service | 2025-26 | Change | Share |
|---|---:|---:|---:|
| Home care | £1,200,000 | (50,000) | 40.0% |
| Reablement | £600,000 | 25,000 | 20.0% |
| Sub-total | £1,800,000 | (25,000) | 60.0% |
| Carers | £900,000 | -5,000 | 30.0% |
| Equipment | £300,000 | 10,000 | 10.0% |
| Subtotal | £1,200,000 | 5,000 | 40.0% |
| Total | £3,000,000 | (20,000) | 100.0% |
| Thirds | 33.3% | 1.5 | 1.25 |
| Thirds | 33.3% | 2.5 | 0.5 |
| Thirds | 33.3% | n/a | - |
| Total | 100% | 4.0 | 1.75 |

Table: Spending {#tbl:spending}

| Area | Admissions | Rate per 100,000 | Cost |
|---|---:|---:|---:|
| North | 1,200 | 540.5 | £1.2m |
| South | 800 | 610.0 | £0.45m |
| Total | 2,000 | 568.2 | £1.65m |
"""


def test_a_correct_table_passes(make_plan: MakePlan) -> None:
    result = check(make_plan({"sections/intro.md": section(CORRECT_TABLE)}))
    assert "table.total" not in codes(result), [f.format() for f in result.findings]
    table = result.document.tables()[0]
    assert [r.kind for r in table.rows[1:]].count("total") == 2


def test_a_wrong_sub_total_and_total(make_plan: MakePlan) -> None:
    body = (
        "| Service | 2025-26 |\n"  # line 4
        "|---|---:|\n"
        "| Home care | £1,200,000 |\n"
        "| Reablement | £600,000 |\n"
        "| Sub-total | £1,900,000 |\n"  # line 8: the rows above make £1,800,000
        "| Carers | £900,000 |\n"
        "| Total | £2,800,000 |\n"  # line 10: 2,700,000; the sub-total is not added in
    )
    result = check(make_plan({"sections/intro.md": section(body)}))
    sub, total = findings_of(result, "table.total")
    assert where(sub) == ("sections/intro.md", 8, 15)
    assert "says £1,900,000" in sub.message and "add up to £1,800,000" in sub.message
    assert where(total) == ("sections/intro.md", 10, 11)
    assert "says £2,800,000" in total.message and "add up to £2,700,000" in total.message
    assert total.severity is Severity.ERROR


def test_a_total_in_brackets_and_percentages_that_do_not_make_100(make_plan: MakePlan) -> None:
    body = (
        "| Line | Change | Share |\n"
        "|---|---:|---:|\n"
        "| A | (5,000) | 40% |\n"
        "| B | 2,000 | 50% |\n"
        "| Total | (2,000) | 100% |\n"  # line 8: (3,000) and 90%
    )
    result = check(make_plan({"sections/intro.md": section(body)}))
    change, share = findings_of(result, "table.total")
    assert (change.line, share.line) == (8, 8)
    assert "says (2,000)" in change.message and "(3,000)" in change.message
    assert "says 100%" in share.message and "90%" in share.message


def test_totals_in_markdown_held_in_yaml_are_checked(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace(
        "summary: Reablement at home after a stay in hospital.",
        "summary: |\n  Costs:\n\n  | Item | £ |\n  |---|---:|\n  | A | 1 |\n  | Total | 3 |\n",
    )
    plan = PLAN_YAML + "  - schemes\n"  # the template that shows a scheme's summary
    folder = make_plan({"schemes/s1.yaml": scheme, "plan.yaml": plan})
    finding = only(check(folder).findings, "table.total")
    assert finding.file == "schemes/s1.yaml"
    assert "says 3" in finding.message and "add up to 1" in finding.message


# ------------------------------------------------------------------ placeholders


PLACEHOLDERS = """\
The review date is TBC.
To be updated
[Outcome of the meeting to be inserted here]
See Table xx and Figure XXX, appendix XX and section X.X.
Spend rose by ?? per cent.
? Check this with finance
Need para on carers.
Please insert the chart here.
The strategy is to be agreed by the Board in October under a section 75 agreement.
{## TBC: a comment for authors is not in the document ##}

| Item | Value |
|---|---|
| Date | to be confirmed |

Table: Income TBD
"""


def test_placeholders_in_a_section_at_their_line_and_column(make_plan: MakePlan) -> None:
    result = check(make_plan({"sections/intro.md": section(PLACEHOLDERS)}))
    found = [(f.line, f.column) for f in findings_of(result, "text.placeholder")]
    assert found == [
        (4, 20),  # TBC
        (5, 1),  # To be updated
        (6, 1),  # [Outcome ...]
        (7, 5),  # Table xx
        (7, 18),  # Figure XXX
        (7, 30),  # appendix XX
        (7, 46),  # section X.X
        (8, 15),  # ??
        (9, 1),  # ? at the start of a line
        (10, 1),  # Need para
        (11, 8),  # insert ... here
        (17, 10),  # a table cell
        (19, 15),  # the caption
    ]
    for finding in findings_of(result, "text.placeholder"):
        assert finding.file == "sections/intro.md"
        assert finding.severity is Severity.WARNING


def test_placeholders_are_errors_in_a_final_plan(make_plan: MakePlan) -> None:
    folder = make_plan({"plan.yaml": FINAL, "sections/intro.md": section("Date: TBC.\n")})
    finding = only(check(folder).findings, "text.placeholder")
    assert finding.severity is Severity.ERROR
    assert where(finding) == ("sections/intro.md", 4, 7)


def test_placeholder_in_a_title(make_plan: MakePlan) -> None:
    result = check(make_plan({"sections/intro.md": section("Text.\n", title="Finances TBC")}))
    assert where(only(result.findings, "text.placeholder")) == ("sections/intro.md", 2, 17)


def test_placeholders_in_yaml_text(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace(
        "summary: Reablement at home after a stay in hospital.",
        "summary: >-\n  Reablement at home, costing\n  £xx,xxx in total.",
    )
    risks = RISKS.replace(
        "    mitigations:",
        "    cause: >-\n      Funding is still\n      to be confirmed.\n    mitigations:",
    )
    result = check(make_plan({"schemes/s1.yaml": scheme, "risks.yaml": risks}))
    found = [where(f) for f in findings_of(result, "text.placeholder")]
    assert found == [("risks.yaml", 9, 7), ("schemes/s1.yaml", 15, 3)]


def test_no_placeholder_in_ordinary_text(make_plan: MakePlan) -> None:
    body = (
        "The pooled fund is held under section 75 of the National Health Service Act 2006.\n"
        "The plan is to be updated each quarter, and questions go to bcf@example.org?\n"
        "See [the framework](https://example.org/a??b) and @sec:intro.\n"
    )
    result = check(make_plan({"sections/intro.md": section(body)}))
    assert "text.placeholder" not in codes(result), [f.format() for f in result.findings]


def test_empty_required_text(make_plan: MakePlan) -> None:
    conditions = CONDITIONS_YAML.replace(
        "response: The schemes serve both policy objectives.", 'response: ""'
    )
    scheme = SCHEME_YAML.replace("summary: Reablement at home after a stay in hospital.\n", "")
    result = check(make_plan({"conditions.yaml": conditions, "schemes/s1.yaml": scheme}))
    empty = findings_of(result, "text.empty")
    assert [where(f)[:2] for f in empty] == [("conditions.yaml", 7), ("schemes/s1.yaml", 1)]
    assert "NC2" in empty[0].message and "summary" in empty[1].message


def test_an_empty_section(make_plan: MakePlan) -> None:
    result = check(make_plan({"sections/intro.md": section("{## write here ##}\n")}))
    assert where(only(result.findings, "text.empty")) == ("sections/intro.md", 1, 1)


# ------------------------------------------------------------------ references


def test_unresolved_reference_names_the_nearest(make_plan: MakePlan) -> None:
    result = check(make_plan({"sections/intro.md": section("See @sec:intr.\n")}))
    finding = only(result.findings, "ref.unresolved")
    assert where(finding)[:2] == ("sections/intro.md", 4)
    assert "did you mean 'intro'?" in finding.hint


def test_scheme_ids_must_exist(make_plan: MakePlan) -> None:
    scheme = (
        SCHEME_YAML.replace("lead: council", "lead: counsil")
        .replace("[discharge-delay]", "[discharge-delays]")
        .replace("source: nhs-minimum", "source: nhs-minimun")
        + "conditions: [NC9]\n"
    )
    result = check(make_plan({"schemes/s1.yaml": scheme}))
    assert where(only(result.findings, "ref.partner"))[:2] == ("schemes/s1.yaml", 3)
    assert where(only(result.findings, "ref.metric"))[:2] == ("schemes/s1.yaml", 4)
    assert where(only(result.findings, "ref.source"))[:2] == ("schemes/s1.yaml", 10)
    assert where(only(result.findings, "ref.condition"))[:2] == ("schemes/s1.yaml", 14)


def test_hard_coded_number_that_exists_is_a_warning(make_plan: MakePlan) -> None:
    result = check(make_plan({"sections/intro.md": section("Text.\n\nAs section 1 says.\n")}))
    finding = only(result.findings, "ref.hard-coded")
    assert finding.severity is Severity.WARNING
    assert where(finding) == ("sections/intro.md", 6, 4)
    assert "@sec:intro" in finding.message


def test_hard_coded_numbers_that_do_not_exist_are_errors(make_plan: MakePlan) -> None:
    body = "See Table 3,\nFigure 2 and Appendix D.\n"
    result = check(make_plan({"sections/intro.md": section(body)}))
    missing = findings_of(result, "ref.hard-coded-missing")
    assert [(where(f), f.severity) for f in missing] == [
        (("sections/intro.md", 4, 5), Severity.ERROR),
        (("sections/intro.md", 5, 1), Severity.ERROR),
        (("sections/intro.md", 5, 14), Severity.ERROR),
    ]
    assert "'Table 3'" in missing[0].message and "@tbl:" in missing[0].hint


def test_hard_coded_reference_in_yaml_text(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace(
        "summary: Reablement at home after a stay in hospital.",
        "summary: Reablement, described in section 4.5.",
    )
    finding = only(check(make_plan({"schemes/s1.yaml": scheme})).findings, "ref.hard-coded-missing")
    assert where(finding) == ("schemes/s1.yaml", 13, 35)


def test_legal_section_numbers_are_not_references(make_plan: MakePlan) -> None:
    body = (
        "The fund is pooled under a section 75 agreement.\n"
        "It is held under section 75 of the National Health Service Act 2006,\n"
        "and pooled under section 75.\n"
        "Table 3 in the BCF Planning Requirements sets the rules.\n"
        "## 2.1 A heading that numbers itself\n"
    )
    result = check(make_plan({"sections/intro.md": section(body)}))
    assert not codes(result) & {"ref.hard-coded", "ref.hard-coded-missing"}, [
        f.format() for f in result.findings
    ]


# ------------------------------------------------------------------ completeness


def test_national_condition_not_answered(make_plan: MakePlan) -> None:
    conditions = CONDITIONS_YAML.split("  - id: NC4")[0]
    finding = only(check(make_plan({"conditions.yaml": conditions})).findings, "condition.missing")
    assert where(finding) == ("conditions.yaml", 1, 1)
    assert "NC4" in finding.message and finding.severity is Severity.WARNING
    final = check(make_plan({"conditions.yaml": conditions, "plan.yaml": FINAL}))
    assert only(final.findings, "condition.missing").severity is Severity.ERROR


def test_national_metric_missing_baseline_or_target(make_plan: MakePlan) -> None:
    metrics = METRICS.replace("    baseline: {period: 2024-25, value: 20_000}\n", "").replace(
        "targets: {2025-26: 530}", "targets: {2025-26 Q1: 130}"
    )
    metrics = metrics.replace("targets: {2025-26: 1.2}", "targets: {2024-25: 1.2}")
    result = check(make_plan({"metrics.yaml": metrics}))
    assert where(only(result.findings, "metric.baseline"))[:2] == ("metrics.yaml", 5)
    # A quarterly target within the year counts; a target for another year does not.
    finding = only(result.findings, "metric.target")
    assert where(finding)[:2] == ("metrics.yaml", 4)
    assert "discharge-delay" in finding.message and "2025-26" in finding.message


def test_national_metric_left_out(make_plan: MakePlan) -> None:
    metrics = METRICS.split("  - id: residential-admissions-65")[0]
    finding = only(check(make_plan({"metrics.yaml": metrics})).findings, "metric.missing")
    assert where(finding) == ("metrics.yaml", 1, 1)


def test_scheme_without_lines_or_metrics(make_plan: MakePlan) -> None:
    scheme = "id: S2\nname: Carers\npurpose: I get a break.\nsummary: Breaks for carers.\n"
    result = check(make_plan({"schemes/s2.yaml": scheme}))
    assert where(only(result.findings, "scheme.no-expenditure")) == ("schemes/s2.yaml", 1, 5)
    assert where(only(result.findings, "scheme.no-metric")) == ("schemes/s2.yaml", 1, 5)


def test_risk_without_owner_or_mitigation(make_plan: MakePlan) -> None:
    risks = RISKS + (
        "  - id: R2\n"  # line 8
        "    risk: Staff leave\n"
        "    likelihood: 2\n"
        "    impact: 2\n"
    )
    result = check(make_plan({"risks.yaml": risks}))
    assert where(only(result.findings, "risk.owner")) == ("risks.yaml", 8, 9)
    assert where(only(result.findings, "risk.mitigation")) == ("risks.yaml", 8, 9)


def test_required_narrative_section_missing(make_plan: MakePlan) -> None:
    plan = PLAN_YAML.replace("  - sections/governance.md\n", "")
    result = check(make_plan({"plan.yaml": plan, "sections/governance.md": None}))
    finding = only(result.findings, "section.missing")
    assert where(finding) == ("plan.yaml", 13, 1)
    assert "'governance'" in finding.message
    assert "oversee the plan" in finding.hint  # the pack's hint


def test_a_built_in_template_counts_as_a_required_section(make_plan: MakePlan) -> None:
    plan = PLAN_YAML.replace("  - sections/governance.md\n", "  - {template: funding}\n")
    plan = plan.replace("{template: funding}", "{template: funding, title: Governance}")
    result = check(make_plan({"plan.yaml": plan, "sections/governance.md": None}))
    assert "section.missing" in codes(result)  # 'funding' is not 'governance'
    templates = make_plan({"plan.yaml": plan, "sections/governance.md": None})
    (templates / "templates").mkdir()
    (templates / "templates" / "governance.md.j2").write_text("---\ntitle: G\n---\nText.\n")
    plan = plan.replace("{template: funding, title: Governance}", "governance")
    (templates / "plan.yaml").write_text(plan)
    assert "section.missing" not in codes(check(templates))


def test_final_plan_needs_dates_decisions_and_history(make_plan: MakePlan) -> None:
    signoff = SIGNOFF_YAML.replace("date: 2025-03-28", "date:")
    plan = FINAL + "outstanding:\n  - Board approval\n"  # line 22
    draft = check(
        make_plan({"signoff.yaml": signoff, "plan.yaml": PLAN_YAML + "outstanding: [x]\n"})
    )
    assert not codes(draft) & {"signoff.undated", "plan.outstanding", "history.current"}
    result = check(make_plan({"signoff.yaml": signoff, "plan.yaml": plan}))
    assert where(only(result.findings, "signoff.undated"))[:2] == ("signoff.yaml", 5)
    assert where(only(result.findings, "plan.outstanding"))[:2] == ("plan.yaml", 22)
    history = only(result.findings, "history.current")
    assert where(history)[:2] == ("plan.yaml", 8)
    assert all(
        f.severity is Severity.ERROR
        for f in result.findings
        if f.code in ("signoff.undated", "plan.outstanding", "history.current")
    )


# ------------------------------------------------------------------ consistency

HISTORY = (
    "history:\n"  # line 21
    '  - {version: "0.0", date: 2025-03-01, author: A, summary: First}\n'
    '  - {version: "0.1", date: 2025-02-01, author: A, summary: Second}\n'  # before 0.0
    '  - {version: "0.2", date: 2025-04-01, author: A, summary: Third}\n'  # after the plan
)


def test_history_consistency(make_plan: MakePlan) -> None:
    result = check(make_plan({"plan.yaml": PLAN_YAML + HISTORY}))
    assert where(only(result.findings, "history.order"))[:2] == ("plan.yaml", 23)
    assert where(only(result.findings, "history.date"))[:2] == ("plan.yaml", 24)
    version = only(result.findings, "history.version")
    assert where(version)[:2] == ("plan.yaml", 24)
    assert "0.2" in version.message and "0.1" in version.message


def test_signed_before_the_plan_date(make_plan: MakePlan) -> None:
    signoff = SIGNOFF_YAML.replace("2025-03-28", "2025-03-01")
    finding = only(check(make_plan({"signoff.yaml": signoff})).findings, "signoff.date")
    assert where(finding) == ("signoff.yaml", 5, 11)


def test_target_the_wrong_way_from_the_baseline(make_plan: MakePlan) -> None:
    metrics = METRICS.replace("targets: {2025-26: 1.2}", "targets: {2025-26: 1.8, 2025-04: 9}")
    finding = only(check(make_plan({"metrics.yaml": metrics})).findings, "metric.direction")
    assert finding.severity is Severity.WARNING
    assert where(finding)[:2] == ("metrics.yaml", 4)
    assert "lower is better" in finding.message


def test_risk_rating_and_scale(make_plan: MakePlan) -> None:
    risks = RISKS.replace("    owner: council", "    rating: red\n    owner: council") + (
        "  - id: R2\n"  # line 9
        "    risk: Staff leave\n"
        "    likelihood: 7\n"  # line 11
        "    impact: 2\n"
        "    owner: council\n"
        "    mitigations: [Recruit.]\n"
    )
    result = check(make_plan({"risks.yaml": risks}))
    rating = only(result.findings, "risk.rating")
    assert rating.severity is Severity.ERROR
    assert where(rating) == ("risks.yaml", 6, 13)
    assert "rated red" in rating.message and "3 x impact 4 = 12, which is amber" in rating.message
    scale = only(result.findings, "risk.scale")
    assert where(scale) == ("risks.yaml", 11, 17)


def test_a_stated_rating_that_agrees_is_fine(make_plan: MakePlan) -> None:
    risks = RISKS.replace("    owner: council", "    rating: amber\n    owner: council")
    risks = risks.replace("impact: 4", "impact: 3")  # 3 x 3 = 9: amber
    assert "risk.rating" not in codes(check(make_plan({"risks.yaml": risks})))


# ------------------------------------------------------------------ accessibility


# A real 1x1 PNG: pictures are checked by their content (a PNG signature alone is not one).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


def test_figure_without_alt_text(make_plan: MakePlan) -> None:
    folder = make_plan({"sections/intro.md": section("![Chart](assets/c.png){#fig:c}\n")})
    (folder / "assets").mkdir()
    (folder / "assets" / "c.png").write_bytes(TINY_PNG)
    finding = only(check(folder).findings, "a11y.alt-text")
    assert where(finding) == ("sections/intro.md", 4, 1)
    assert finding.severity is Severity.WARNING
    (folder / "plan.yaml").write_text(FINAL)
    assert only(check(folder).findings, "a11y.alt-text").severity is Severity.ERROR


def test_heading_levels_that_skip(make_plan: MakePlan) -> None:
    body = "## Part\n\nText.\n\n#### Detail\n\nText.\n"
    finding = only(
        check(make_plan({"sections/intro.md": section(body)})).findings, "a11y.heading-skip"
    )
    assert where(finding) == ("sections/intro.md", 8, 1)
    assert "level 4 after level 2" in finding.message


def test_vague_link_text(make_plan: MakePlan) -> None:
    body = "Text.\n\nFor the framework [click here](https://example.org).\n"
    finding = only(
        check(make_plan({"sections/intro.md": section(body)})).findings, "a11y.link-text"
    )
    assert where(finding)[:2] == ("sections/intro.md", 6)


def test_table_without_a_header_row(make_plan: MakePlan) -> None:
    body = "|  |  |\n|---|---|\n| A | B |\n"
    finding = only(
        check(make_plan({"sections/intro.md": section(body)})).findings, "a11y.table-header"
    )
    assert where(finding) == ("sections/intro.md", 4, 1)


def test_rag_by_colour_alone_in_a_custom_template(make_plan: MakePlan) -> None:
    plan = PLAN_YAML + "  - rag-summary\n"
    folder = make_plan({"plan.yaml": plan})
    (folder / "templates").mkdir()
    (folder / "templates" / "rag-summary.md.j2").write_text(
        "---\ntitle: RAG summary\n---\n| Risk | Rating |\n|---|---|\n| R1 | 🔴 |\n| R2 | Red |\n"
    )
    finding = only(check(folder).findings, "a11y.rag-colour")
    assert where(finding)[:2] == ("templates/rag-summary.md.j2", 6)


def test_rag_cell_without_words(make_plan: MakePlan) -> None:
    from bcf_docgen.checks.accessibility import rag_not_by_colour_alone
    from bcf_docgen.document.model import Cell, Column, Row, Table, Text
    from bcf_docgen.findings import Findings, Location

    result = check(make_plan())
    table = Table(
        [Column("Risk"), Column("Rating")],
        [
            Row([Cell([Text("Risk")]), Cell([Text("Rating")])]),
            Row([Cell([Text("R1")]), Cell([], rag="red")], location=Location("t.md", 9)),
            Row([Cell([Text("R2")]), Cell([Text("Amber")], rag="amber")]),
        ],
        location=Location("t.md", 7),
    )
    result.document.blocks.append(table)
    findings = Findings()
    rag_not_by_colour_alone(result.plan, result.document, findings)
    assert [(where(f), f.code) for f in findings] == [(("t.md", 9, 1), "a11y.rag-colour")]


def test_the_built_in_tables_pass_accessibility(make_plan: MakePlan) -> None:
    plan = PLAN_YAML + "  - funding\n  - metrics\n  - risks\n  - conditions\n"
    result = check(make_plan({"plan.yaml": plan}))
    assert not {c for c in codes(result) if c.startswith("a11y.")}


# ------------------------------------------------------------------ the command line


def test_check_strict_makes_warnings_errors(make_plan: MakePlan) -> None:
    import json

    from click.testing import CliRunner

    from bcf_docgen.cli import main

    folder = str(make_plan({"sections/intro.md": section("Date: TBC.\n")}))
    assert CliRunner().invoke(main, ["check", folder]).exit_code == 0
    run = CliRunner().invoke(main, ["check", folder, "--strict"])
    assert run.exit_code == 1
    assert "sections/intro.md:4:7: error: 'TBC' placeholder [text.placeholder]" in run.stdout
    assert run.stdout.splitlines()[-1] == "1 error"
    run = CliRunner().invoke(main, ["check", folder, "--strict", "--format", "json"])
    data = json.loads(run.stdout)
    assert (data["errors"], data["warnings"]) == (1, 0)
    assert data["findings"][0]["severity"] == "error"


def test_text_output_in_a_terminal_lists_errors_first_with_their_lines(
    make_plan: MakePlan,
) -> None:
    import io

    from rich.console import Console

    from bcf_docgen.cli import print_findings

    risks = RISKS.replace("likelihood: 3", "likelihood: 9")
    body = "Date: TBC.\n\nSee @sec:nowhere and ??.\n"
    folder = make_plan({"risks.yaml": risks, "sections/intro.md": section(body)})
    result = check(folder)
    out = io.StringIO()
    print_findings(result.findings, Console(file=out, force_terminal=True, width=300), folder)
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in out.getvalue().splitlines()]
    firsts = [line.split(": ")[:2] for line in lines if line and not line[0].isspace()]
    assert [severity for _, severity in firsts[:-1]] == ["error", "error", "warning", "warning"]
    assert firsts[-1] == ["2 errors, 2 warnings"]
    start = lines.index(next(line for line in lines if line.startswith("risks.yaml:4:17: error")))
    assert lines[start + 1 : start + 3] == [
        "  4 |     likelihood: 9",
        "    |                 ^",
    ]
