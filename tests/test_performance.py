"""The performance table: plan against actual by period, recomputed here from the YAML.

`expected_rows` works the table out again straight from metrics.yaml and the framework
pack (not through bcf_docgen.performance), and the tests compare it with the table in
the document model and with the text read back from the plan's PDF and Word file.
test_pack.py compares it with the board pack's PDF and the covering report's Word file.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pdfplumber
import pytest
import yaml

from bcf_docgen.derived import metrics_info
from bcf_docgen.document.model import plain_text
from bcf_docgen.document.tables import TableError, TableMaker
from bcf_docgen.performance import is_average, performance, rag
from bcf_docgen.pipeline import check_plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "content" / "example"
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
HEADER = [
    "Metric",
    "Measure",
    "Year to date",
    "Difference",
    "% difference",
    "% change on last year",
    "RAG",
]


# ----------------------------------------------------------- the table, worked out again


def _fmt(value: float, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{places}f}"
    return f"-{text}" if rounded < 0 else text


def _signed(value: float, places: int, suffix: str = "") -> str:
    text = _fmt(value, places)
    if text.lstrip("-").replace("0", "").replace(".", "").replace(",", "") == "":
        return text.lstrip("-") + suffix
    return (text if text.startswith("-") else f"+{text}") + suffix


def expected_rows(plan_folder: Path = EXAMPLE) -> tuple[list[str], list[list[str]]]:
    """(column headers, rows) of the monthly performance table, from the YAML files."""
    metrics = yaml.safe_load((plan_folder / "metrics.yaml").read_text())["metrics"]
    framework_id = yaml.safe_load((plan_folder / "plan.yaml").read_text())["framework"]
    pack = yaml.safe_load((ROOT / "templates" / "frameworks" / f"{framework_id}.yaml").read_text())
    national = {m["id"]: m for m in pack["metrics"]}
    month = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
    latest = max(k for m in metrics for k in m.get("actuals", {}) if month.match(k))
    first_year = int(latest[:4]) - (int(latest[5:]) < 4)
    months: list[str] = []
    year, number = first_year, 4
    while True:
        months.append(f"{year}-{number:02d}")
        if months[-1] == latest:
            break
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    headers = [
        "Metric",
        "Measure",
        *[f"{MONTHS[int(k[5:]) - 1]} {k[:4]}" for k in months],
        *HEADER[2:],
    ]
    rows: list[list[str]] = []
    for metric in metrics:
        defined = {**national.get(metric["id"], {}), **metric}
        targets = {k: v for k, v in metric.get("targets", {}).items() if month.match(k)}
        actuals = {k: v for k, v in metric.get("actuals", {}).items() if month.match(k)}
        both = [k for k in months if k in targets and k in actuals]
        if not both:
            continue
        unit = defined["unit"]
        places = defined.get("decimals", 0)
        average = unit == "%" or unit == "days"  # the example's averaged units
        ytd_places = places + 1 if average else places

        def ytd(values: list[float], average: bool = average) -> float:
            return sum(values) / len(values) if average else sum(values)

        plan = ytd([targets[k] for k in both])
        actual = ytd([actuals[k] for k in both])
        last = metric.get("last_year", {})
        before = [last.get(f"{int(k[:4]) - 1}{k[4:]}") for k in both]
        difference = actual - plan
        worse = difference if defined["direction"] == "lower" else -difference
        rating = "Green" if worse <= 0 else ("Amber" if worse <= abs(plan) * 0.05 else "Red")
        per_cent = "%" if unit == "%" else ""
        label = defined["name"] + ("" if unit == "%" else f" ({unit})")
        label += "; year to date is the average" if average else ""
        rows.append(
            [
                label,
                "Plan",
                *[_fmt(targets[k], places) + per_cent if k in targets else "" for k in months],
                _fmt(plan, ytd_places) + per_cent,
                "",
                "",
                "",
                "",
            ]
        )
        change = (
            _signed((actual - ytd(before)) / ytd(before) * 100, 1, "%")
            if all(v is not None for v in before)
            else ""
        )
        rows.append(
            [
                "",
                "Actual",
                *[_fmt(actuals[k], places) + per_cent if k in actuals else "" for k in months],
                _fmt(actual, ytd_places) + per_cent,
                _signed(difference, ytd_places),
                _signed(difference / plan * 100, 1, "%"),
                change,
                rating,
            ]
        )
    return headers, rows


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def find_rows(tables: list[list[list[str | None]]], headers: list[str]) -> list[list[str]]:
    """The performance table's body rows among tables read back (split across pages)."""
    wanted = [squash(h) for h in headers]
    rows: list[list[str]] = []
    for table in tables:
        if table and [squash(c) for c in table[0]] == wanted:
            rows += [[c or "" for c in row] for row in table[1:]]
    return rows


def read_pdf_tables(path: Path, caption: str) -> list[list[list[str | None]]]:
    found = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            if squash(caption) in squash(page.extract_text()):
                found += page.extract_tables()
    return found


def read_docx_tables(path: Path) -> list[list[list[str]]]:
    import docx

    document = docx.Document(str(path))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def squashed(rows: list[list[str]]) -> list[list[str]]:
    return [[squash(c) for c in row] for row in rows]


# ------------------------------------------------------------------------ the example


@pytest.fixture(scope="module")
def example():
    checked = check_plan(EXAMPLE)
    assert checked.document is not None and checked.plan is not None
    return checked


def test_expected_table_is_the_one_the_issue_describes():
    headers, rows = expected_rows()
    assert headers[2:8] == [f"{m} 2025" for m in ("Apr", "May", "Jun", "Jul", "Aug", "Sep")]
    # Emergency admissions: a rate per head of population, totalled over the months.
    assert rows[0][8] == "11,410" and rows[1][8] == "11,469"
    assert rows[1][9:] == ["+59", "+0.5%", "-2.8%", "Amber"]
    # Discharge delay: an average of days, averaged (with one more decimal place).
    assert rows[2][8] == "1.55" and rows[3][8] == "1.62"


def test_table_in_the_model_matches_the_yaml(example):
    headers, rows = expected_rows()
    table = next(t for t in example.document.tables() if t.id == "performance")
    assert [c.header for c in table.columns] == headers
    found = [[plain_text(c.inlines) for c in row.cells] for row in table.rows[1:]]
    assert found == rows
    assert plain_text(table.caption).endswith("April to September 2025")
    assert table.rows[2].cells[-1].rag == "amber"


def test_table_in_the_plan_pdf_and_word_file_matches_the_yaml(example, example_build, tmp_path):
    from bcf_docgen.render.docx import render_docx

    headers, rows = expected_rows()
    pdf = example_build / "kingsmere-bcf-2025-26.pdf"
    word = tmp_path / "plan.docx"
    word.write_bytes(render_docx(example.document))
    from_pdf = find_rows(read_pdf_tables(pdf, "Performance against plan month by month"), headers)
    from_word = find_rows(read_docx_tables(word), headers)
    assert squashed(from_pdf) == squashed(rows)
    assert squashed(from_word) == squashed(rows)


def test_metric_without_a_monthly_plan_is_named_not_tabled(example):
    found = performance(example.plan)
    assert [m.id for m in found.left_out] == ["reablement-still-home-91"]
    section = next(h for h in example.document.headings() if h.id == "performance")
    blocks = list(example.document.walk())
    text = plain_text(blocks[blocks.index(section) + 1].inlines)
    assert "Older people still at home 91 days after discharge into reablement is not in" in text
    assert "Year to date, all three metrics are within 5% of plan." in text


# ------------------------------------------------------------------------ the rules


@pytest.mark.parametrize(
    ("unit", "name", "average"),
    [
        ("%", "Still at home", True),
        ("days", "Average delay", True),
        ("per 100,000 population aged 65+", "Emergency admissions", False),
        ("delayed days per 100,000 population aged 18+", "Delayed transfers of care", False),
        ("admissions", "Non-elective admissions", False),
        ("people", "Average number of people", True),  # an average by its name
        ("score out of 10", "Carer satisfaction", True),
    ],
)
def test_which_metrics_are_averaged(example, unit, name, average):
    info = metrics_info(example.plan)[0]
    assert is_average(type(info)(**{**info.__dict__, "unit": unit, "name": name})) is average


@pytest.mark.parametrize(
    ("direction", "actual", "plan", "expected"),
    [
        ("lower", 100, 100, "green"),
        ("lower", 105, 100, "amber"),  # exactly 5% worse is still amber
        ("lower", 105.1, 100, "red"),
        ("lower", 90, 100, "green"),
        ("higher", 95, 100, "amber"),
        ("higher", 94.9, 100, "red"),
        ("higher", 101, 100, "green"),
    ],
)
def test_rag_follows_the_direction_with_five_per_cent_amber(direction, actual, plan, expected):
    assert rag(direction, actual, plan) == expected


QUARTERLY = """\
metrics:
  - id: carers-supported
    name: Carers supported
    unit: "%"
    decimals: 1
    direction: higher
    targets: {2025-26 Q1: 60, 2025-26 Q2: 62, 2025-26 Q3: 64, 2025-26 Q4: 66, 2025-26: 66}
    actuals: {2025-26 Q1: 58.0, 2025-26 Q2: 63.0}
    last_year: {2024-25 Q1: 55.0, 2024-25 Q2: 57.0}
  - id: assessments
    name: Carers' assessments
    unit: assessments
    direction: higher
    targets: {2025-26 Q1: 100, 2025-26 Q2: 100}
    actuals: {2025-26 Q1: 80, 2025-26 Q2: 90}
"""


def test_quarterly_table_averages_percentages_and_totals_counts(make_plan):
    folder = make_plan(
        {
            "metrics.yaml": QUARTERLY,
            "sections/intro.md": "---\ntitle: Intro\n---\n::: table performance quarterly\n:::\n",
        }
    )
    checked = check_plan(folder)
    assert checked.document is not None
    table = next(t for t in checked.document.tables() if t.id == "performance-quarterly")
    assert [c.header for c in table.columns][2:4] == ["2025-26 Q1", "2025-26 Q2"]
    cells = [[plain_text(c.inlines) for c in row.cells] for row in table.rows[1:]]
    # A percentage: the year to date is the average of the quarters, 60.5% against 61.0%.
    assert cells[0][1:5] == ["Plan", "60.0%", "62.0%", "61.00%"]
    assert cells[1][1:] == [
        "Actual",
        "58.0%",
        "63.0%",
        "60.50%",
        "-0.50",
        "-0.8%",
        "+8.0%",
        "Amber",
    ]
    # A count: the year to date is the total, 170 against 200 (15% worse: red).
    assert cells[3][1:] == ["Actual", "80", "90", "170", "-30", "-15.0%", "", "Red"]
    assert plain_text(table.caption) == (
        "Performance against plan quarter by quarter, 2025-26 Q1 to Q2"
    )


def test_unknown_argument_is_reported(make_plan):
    folder = make_plan()
    checked = check_plan(folder)
    with pytest.raises(TableError) as caught:
        TableMaker(checked.plan).build("performance", ["fortnightly"])
    assert "monthly" in caught.value.message and "fortnightly" in caught.value.message
