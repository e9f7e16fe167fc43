"""Figures not yet known (`tbc`): never £0, totals over them "at least ...", checks that
wait for them in a draft and a final build refused while any is left.

The plan is conftest's base plan with a second scheme whose amount is `tbc`, drawing on
a funding source whose allocation is `tbc`, and a metric whose target is `tbc`.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pdfplumber
import pytest
from conftest import BASE_PLAN, METRICS_YAML, PLAN_YAML, run_cli, write_plan

from bcf_docgen import formatting
from bcf_docgen.charts import metric_chart
from bcf_docgen.content.reader import read_plan
from bcf_docgen.derived import funding_figures, metric_rag, metrics_info
from bcf_docgen.document.assemble import assemble
from bcf_docgen.document.model import Table, plain_text
from bcf_docgen.document.tables import TableMaker
from bcf_docgen.findings import Severity
from bcf_docgen.performance import performance
from bcf_docgen.pipeline import check_plan
from bcf_docgen.theme import look_from_theme
from bcf_docgen.unknown import Partial, Unknown

S2 = """\
id: S2
name: Home care
lead: council
metrics: [discharge-delay]
expenditure:
  - line: Home care hours
    type: Home-based intermediate care services
    area: Social care
    commissioner: council
    source: lbcg
    amounts: {2025-26: TBC}
purpose: I get the care I need at home.
summary: Home care for people leaving hospital.
"""

FUNDING = BASE_PLAN["funding.yaml"].replace(
    "ring_fences:",
    """\
  - id: lbcg
    type: la-better-care-grant
    name: Local Authority Better Care Grant
    contributor: council
    amounts: {2025-26: tbc}
ring_fences:""",
)
METRICS = METRICS_YAML.replace(
    "targets: {2025-26: 1.2}", "targets: {2025-26: tbc}\n    actuals: {2025-26: 1.3}"
)
OUTLINE = "  - schemes\n  - funding\n  - metrics\n"
UNKNOWN = {
    "plan.yaml": PLAN_YAML + OUTLINE,
    "schemes/s2.yaml": S2,
    "funding.yaml": FUNDING,
    "metrics.yaml": METRICS,
}
FINAL = PLAN_YAML.replace("status: draft", "status: final") + OUTLINE

# What is unknown, and where each `tbc` stands (file, line, column).
EXPECTED = {
    ("funding.yaml", 10, 24): "funding source 'lbcg' 2025-26",
    ("schemes/s2.yaml", 11, 24): "S2 line 'Home care hours' 2025-26",
    ("metrics.yaml", 4, 24): "metric 'discharge-delay' target 2025-26",
}


def unknown_findings(findings) -> dict[tuple[str, int, int], str]:
    return {(f.file, f.line, f.column): f.message for f in findings if f.code == "figure.unknown"}


# ------------------------------------------------------------------ the value itself


def test_sums_over_unknown_parts_are_partial_and_written_at_least():
    part = Unknown("S2 line 'Home care hours' 2025-26")
    total = sum([570_000, part, 0])
    assert isinstance(total, Partial) and total.known == 570_000 and total.unknown == (part,)
    assert formatting.money(total) == "at least £570,000"
    assert formatting.money(part) == "to be confirmed"
    assert formatting.money(part, unknown="not yet known") == "not yet known"
    # A total of unknowns alone, or one that is not a lower bound, is to be confirmed.
    assert formatting.money(sum([part, 0])) == "to be confirmed"
    assert formatting.money(total - part) == "to be confirmed"
    assert formatting.money(total * 2) == "at least £1,140,000"
    assert formatting.number(total / 2, 1) == "at least 285,000.0"
    assert formatting.pct(part) == "to be confirmed"
    with pytest.raises(TypeError, match="S2 line 'Home care hours' 2025-26"):
        total > 5  # noqa: B015 - a figure nobody knows is compared with nothing


def test_tbc_is_read_in_any_case_and_knows_what_and_where(make_plan):
    plan = read_plan(make_plan(UNKNOWN)).plan
    assert plan is not None
    line = plan.scheme("S2").expenditure[0]
    value = line.amounts["2025-26"]
    assert isinstance(value, Unknown)
    assert value.what == "S2 line 'Home care hours' 2025-26"
    assert (value.where.file, value.where.line) == ("schemes/s2.yaml", 11)


# ------------------------------------------------------------------ checks


def test_a_draft_warns_once_per_unknown_figure_and_nothing_else(make_plan):
    result = check_plan(make_plan(UNKNOWN))
    found = unknown_findings(result.findings)
    assert set(found) == set(EXPECTED)
    for place, what in EXPECTED.items():
        assert what in found[place] and "to be confirmed" in found[place]
    assert all(f.severity == Severity.WARNING for f in result.findings), [
        f.format() for f in result.findings
    ]
    # No sum is said not to add up: allocation, control totals, ring-fences, passporting.
    assert not [f for f in result.findings if f.code.startswith("money.")]


def test_control_totals_and_ring_fences_with_unknown_parts_are_not_false_errors(make_plan):
    funding = FUNDING.replace(
        "ring_fences:",
        "control_totals:\n"
        "  - {what: pool, year: 2025-26, amount: 2_500_000}\n"
        "  - {what: lbcg, year: 2025-26, amount: tbc}\n"
        "ring_fences:",
    )
    result = check_plan(make_plan({**UNKNOWN, "funding.yaml": funding}))
    assert not [f for f in result.findings if f.code.startswith("money.")]
    assert len(unknown_findings(result.findings)) == len(EXPECTED) + 1


def test_a_final_plan_with_unknown_figures_is_an_error_and_is_not_built(make_plan, tmp_path):
    folder = make_plan({**UNKNOWN, "plan.yaml": FINAL})
    result = check_plan(folder)
    errors = [f for f in result.findings if f.code == "figure.unknown"]
    assert {(f.file, f.line, f.column) for f in errors} == set(EXPECTED)
    assert all(f.severity == Severity.ERROR for f in errors)
    out = tmp_path / "out"
    run = run_cli("build", folder, "--out", out)
    assert run.returncode != 0
    text = run.stdout + run.stderr
    for (file, line, column), what in EXPECTED.items():
        assert f"{file}:{line}:{column}: error: {what} is to be confirmed" in text
    assert not list(out.glob("*.docx")) and not list(out.glob("*.pdf"))


def test_targets_that_are_unknown_are_not_compared_with_the_baseline(make_plan):
    metrics = METRICS_YAML.replace("value: 1.5}", "value: tbc}")
    result = check_plan(make_plan({"metrics.yaml": metrics}))
    assert {f.code for f in result.findings} == {"figure.unknown"}


# ------------------------------------------------------------------ figures and RAG


def test_an_unknown_target_or_actual_gives_no_rag_never_red(make_plan):
    metrics = METRICS_YAML.replace(
        "targets: {2025-26: 1.2}",
        "targets: {2025-04: 1.2, 2025-05: tbc, 2025-26: 1.2}\n"
        "    actuals: {2025-04: 9.0, 2025-05: 9.0}",
    )
    plan = read_plan(make_plan({"metrics.yaml": metrics})).plan
    assert plan is not None
    (row,) = performance(plan).metrics
    assert row.rag is None and row.unknown
    assert row.ytd(row.ytd_plan) == "to be confirmed"
    assert row.signed(row.difference) == "to be confirmed"
    assert row.percent(row.pct_difference) == "to be confirmed"
    info = next(i for i in metrics_info(plan) if i.id == "discharge-delay")
    # The latest actual (May) has an unknown target: no rating either.
    assert metric_rag(info) is None


def test_funding_figures_say_which_schemes_and_sources_wait(make_plan):
    plan = read_plan(make_plan(UNKNOWN)).plan
    assert plan is not None
    figures = funding_figures(plan)
    assert figures.schemes_to_confirm("2025-26") == ["S2"]
    assert figures.sources_to_confirm("2025-26") == ["lbcg"]
    assert formatting.money(figures.spend["2025-26"]) == "at least £1,000,000"


# ------------------------------------------------------------------ {{ }} text


def _section(body: str) -> str:
    return f"---\ntitle: Introduction\n---\n{body}"


def test_arithmetic_on_an_unknown_in_text_stays_unknown(make_plan):
    body = (
        'Twice the spend is {{ (funding.spend["2025-26"] * 2) | money }}.\n\n'
        'Spend less income is {{ (funding.spend["2025-26"] - funding.pool["2025-26"]) | money }}.\n'
    )
    folder = make_plan({**UNKNOWN, "sections/intro.md": _section(body)})
    plan = read_plan(folder).plan
    assert plan is not None
    document, findings = assemble(plan)
    assert not [f for f in findings if f.code.startswith("template.")]
    text = "\n".join(plain_text(b.inlines) for b in document.walk() if hasattr(b, "inlines"))
    assert "Twice the spend is at least £2,000,000." in text
    assert "Spend less income is to be confirmed." in text


@pytest.mark.parametrize(
    "expression",
    [
        '{% if funding.spend["2025-26"] > 5 %}big{% endif %}',
        '{{ funding.spend["2025-26"] | int }}',
        '{{ scheme("S2").total["2025-26"] | round }}',
    ],
)
def test_a_decision_on_an_unknown_in_text_is_a_finding_naming_it(make_plan, expression):
    folder = make_plan({**UNKNOWN, "sections/intro.md": _section(expression + "\n")})
    result = check_plan(folder)
    problems = [f for f in result.findings if f.code.startswith("template.")]
    assert len(problems) == 1, [f.format() for f in result.findings]
    assert "S2 line 'Home care hours' 2025-26" in problems[0].message
    assert (problems[0].file, problems[0].line) == ("sections/intro.md", 4)


def test_the_theme_words_for_an_unknown_figure(make_plan):
    plan_yaml = UNKNOWN["plan.yaml"] + "theme: theme.yaml\n"
    folder = make_plan(
        {**UNKNOWN, "plan.yaml": plan_yaml, "theme.yaml": "unknown: not yet known\n"}
    )
    plan = read_plan(folder).plan
    assert plan is not None
    document, _ = assemble(plan)
    table = next(t for t in document.walk() if isinstance(t, Table) and t.id == "schemes")
    rows = [[plain_text(c.inlines) for c in r.cells] for r in table.rows]
    assert rows[2][-1] == "not yet known"
    assert rows[-1][-1] == "at least £1,000,000"


# ------------------------------------------------------------------ both outputs


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = write_plan(tmp_path_factory.mktemp("unknown-plan"), UNKNOWN)
    out = tmp_path_factory.mktemp("unknown-out")
    run = run_cli("build", folder, "--out", out)
    assert run.returncode == 0, run.stdout + run.stderr
    (word,) = out.glob("*.docx")
    (pdf,) = out.glob("*.pdf")
    return word, pdf


def _no_false_zero(lines: list[str]) -> None:
    # The only £0 of the plan is a real one: the out-of-hospital ring-fence of 0.
    assert [line for line in lines if "£0" in line and "out-of-hospital" not in line] == []


def test_word_shows_unknown_figures_as_to_be_confirmed(built):
    word, _ = built
    document = docx.Document(str(word))
    rows = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    _no_false_zero([" | ".join(r) for r in rows] + [p.text for p in document.paragraphs])
    assert ["S2", "Home care", "", "Testshire Council", "", "to be confirmed"] in rows
    expenditure = next(r for r in rows if r[0] == "Home care hours")
    assert expenditure[-1] == "to be confirmed"
    assert ["Total", "", "", "", "", "at least £1,000,000"] in rows
    assert ["Total pooled fund", "", "at least £1,000,000"] in rows
    target = next(r for r in rows if r[0] == "Average delay in discharge from hospital")
    assert "to be confirmed" in target and "To be confirmed" in target  # target, RAG
    sentences = " ".join(p.text for p in document.paragraphs)
    assert (
        "total planned spend of at least £1,000,000 in 2025-26 (one of two schemes to be "
        "confirmed)" in sentences
    )
    assert "The pooled fund is at least £1,000,000." in sentences


def test_pdf_shows_unknown_figures_as_to_be_confirmed(built):
    _, pdf = built
    with pdfplumber.open(pdf) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
    lines = text.splitlines()
    _no_false_zero(lines)
    assert "S2 Home care Testshire Council to be confirmed" in lines
    assert "Total at least £1,000,000" in lines
    assert "The pooled fund is at least £1,000,000." in lines
    flowing = " ".join(lines)
    # The scheme's expenditure table (its cells may wrap): its amount and total.
    after = flowing.split("Expenditure of scheme S2: Home care", 1)[1]
    table = after.split("the pooled fund is", 1)[0]  # up to the next section's text
    assert table.count("confirmed") == 2 and "£" not in table
    assert "at least £1,000,000 in 2025-26 (one of two schemes to be confirmed)" in flowing


# ------------------------------------------------------------------ tables and charts


def _rows(table: Table) -> list[list[str]]:
    return [[plain_text(c.inlines) for c in r.cells] for r in table.rows]


def test_the_board_packs_scheme_spend_and_the_ring_fences_wait_for_unknowns(make_plan):
    funding = FUNDING.replace(
        "{rule: nhs-min-asc, year: 2025-26, amount: 900_000}",
        "{rule: nhs-min-asc, year: 2025-26, amount: tbc}",
    )
    plan = read_plan(make_plan({**UNKNOWN, "funding.yaml": funding})).plan
    assert plan is not None
    maker = TableMaker(plan)
    spend = _rows(maker.build("scheme-spend", ["S2"]))
    assert spend[1][-1] == "to be confirmed" and spend[-1] == ["Total", "", "", "to be confirmed"]
    fences = _rows(maker.build("ring-fences", []))
    asc = next(r for r in fences if r[0].startswith("NHS minimum contribution"))
    assert asc[2:] == ["to be confirmed", "£1,000,000", "to be confirmed"]  # required, planned, met


def test_a_chart_leaves_unknown_figures_out_and_says_so(make_plan):
    metrics = METRICS_YAML.replace(
        "targets: {2025-26: 1.2}",
        "targets: {2025-04: 1.2, 2025-05: 1.2}\n    actuals: {2025-04: 1.4, 2025-05: tbc}",
    )
    plan = read_plan(make_plan({"metrics.yaml": metrics})).plan
    assert plan is not None
    info = next(i for i in metrics_info(plan) if i.id == "discharge-delay")
    chart, caption, alt = metric_chart(info, look_from_theme(plan.theme))
    actual = next(s for s in chart.series if s.label == "Actual")
    assert actual.values[:2] == (1.4, None)
    assert "Figures to be confirmed are not drawn." in caption
    assert "Figures to be confirmed are not drawn." in alt
    chart.svg()  # it draws
