"""Property tests: whatever YAML-able value lands in a plan file, reading and checking never
raise. Every problem comes back as a Finding that names a plan file and a line >= 1."""

from __future__ import annotations

import datetime as dt
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import yaml
from conftest import BASE_PLAN, write_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bcf_docgen.pipeline import check_plan

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text an author could type: no surrogates (they cannot be saved as UTF-8 at all).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
WORDS = st.sampled_from(
    [
        "council",
        "icb",
        "nhs-minimum",
        "S1",
        "R1",
        "NC1",
        "2025-26",
        "2017-18",
        "discharge-delay",
        "Social care",
        "sections/intro.md",
        "../x.md",
        "/etc/passwd",
        "funding",
        "{{ nope }}",
        "£1,250,000",
        "",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | WORDS
    | st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
)
KEYS = TEXT | WORDS | st.sampled_from(["id", "name", "amounts", "type", "title", "date"])
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def assert_checks_cleanly(overrides: dict[str, str | bytes | None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_plan(Path(tmp) / "plan", overrides)
        result = check_plan(folder)  # must not raise
        for finding in result.findings:
            assert finding.file and not Path(finding.file).is_absolute(), finding
            assert isinstance(finding.line, int) and finding.line >= 1, finding
            assert isinstance(finding.column, int) and finding.column >= 1, finding
            assert finding.message, finding
            assert finding.code, finding


def with_value(file: str, path: tuple[str | int, ...], value: Any) -> str:
    """The base plan's `file` with the value at `path` replaced (keys created as needed)."""
    data = yaml.safe_load(BASE_PLAN[file])
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return dump(data)


# Where a random value replaces part of an otherwise valid file.
FIELDS: dict[str, list[tuple[str | int, ...]]] = {
    "plan.yaml": [
        ("format",),
        ("framework",),
        ("title",),
        ("area",),
        ("area", "name"),
        ("status",),
        ("version",),
        ("date",),
        ("partners",),
        ("partners", 0),
        ("partners", 0, "id"),
        ("partners", 1, "kind"),
        ("roles",),
        ("history",),
        ("outstanding",),
        ("outline",),
        ("outline", 0),
        ("theme",),
        ("extra",),
    ],
    "schemes/s1.yaml": [
        ("id",),
        ("name",),
        ("lead",),
        ("status",),
        ("metrics",),
        ("activities",),
        ("objectives",),
        ("vision_objectives",),
        ("conditions",),
        ("expenditure",),
        ("expenditure", 0),
        ("expenditure", 0, "type"),
        ("expenditure", 0, "area"),
        ("expenditure", 0, "commissioner"),
        ("expenditure", 0, "source"),
        ("expenditure", 0, "amounts"),
        ("expenditure", 0, "amounts", "2025-26"),
    ],
    "funding.yaml": [
        ("sources",),
        ("sources", 0),
        ("sources", 0, "id"),
        ("sources", 0, "type"),
        ("sources", 0, "contributor"),
        ("sources", 0, "amounts"),
        ("sources", 0, "amounts", "2025-26"),
        ("sources", 0, "passported"),
        ("control_totals",),
        ("ring_fences",),
    ],
    "metrics.yaml": [
        ("metrics",),
        ("metrics", 0),
        ("metrics", 0, "id"),
        ("metrics", 0, "baseline"),
        ("metrics", 0, "targets"),
        ("metrics", 0, "actuals"),
        ("metrics", 0, "direction"),
    ],
    "risks.yaml": [
        ("risks",),
        ("risks", 0),
        ("risks", 0, "id"),
        ("risks", 0, "likelihood"),
        ("risks", 0, "impact"),
        ("risks", 0, "residual"),
        ("risks", 0, "owner"),
        ("scale",),
        ("thresholds",),
    ],
    "conditions.yaml": [
        ("conditions",),
        ("conditions", 0),
        ("conditions", 0, "id"),
        ("conditions", 0, "status"),
    ],
    "signoff.yaml": [
        ("signatories",),
        ("signatories", 0),
        ("signatories", 0, "date"),
        ("signatories", 0, "for"),
    ],
}
FIELD_CASES = [(file, path) for file, paths in FIELDS.items() for path in paths]
WHOLE_FILES = [*FIELDS, "vision.yaml", "facts.yaml", "theme.yaml", "board-report.yaml"]


@SETTINGS
@given(file=st.sampled_from(WHOLE_FILES), value=VALUES)
def test_any_document_in_any_data_file(file: str, value: Any) -> None:
    overrides: dict[str, str | bytes | None] = {file: dump(value)}
    if file == "theme.yaml":
        overrides["plan.yaml"] = BASE_PLAN["plan.yaml"] + "theme: theme.yaml\n"
    assert_checks_cleanly(overrides)


@SETTINGS
@given(case=st.sampled_from(FIELD_CASES), value=VALUES)
def test_any_value_in_any_field(case: tuple[str, tuple[str | int, ...]], value: Any) -> None:
    file, path = case
    assert_checks_cleanly({file: with_value(file, path, value)})


@SETTINGS
@given(case=st.sampled_from(FIELD_CASES), values=st.lists(VALUES, min_size=2, max_size=4))
def test_several_broken_files_at_once(
    case: tuple[str, tuple[str | int, ...]], values: list[Any]
) -> None:
    file, path = case
    overrides: dict[str, str | bytes | None] = {file: with_value(file, path, values[0])}
    for other, value in zip(
        [f for f in ("funding.yaml", "metrics.yaml", "risks.yaml") if f != file],
        values[1:],
        strict=False,
    ):
        overrides[other] = dump(value)
    assert_checks_cleanly(overrides)


@SETTINGS
@given(front=VALUES, body=TEXT | st.sampled_from(["{{", "{% if %}", "{{ facts }}", "<b>x</b>"]))
def test_any_front_matter_and_body_in_a_section(front: Any, body: str) -> None:
    text = "---\n" + dump(front) + "---\n" + body + "\n"
    assert_checks_cleanly({"sections/intro.md": text})


@SETTINGS
@given(facts=st.dictionaries(KEYS, VALUES, max_size=4), expression=TEXT)
def test_any_expression_over_any_facts(facts: dict[str, Any], expression: str) -> None:
    section = textwrap.dedent(
        """\
        ---
        title: Facts
        ---
        {{ facts | length }} and {{ EXPR }}
        """
    ).replace("EXPR", expression.replace("}}", ""))
    assert_checks_cleanly({"facts.yaml": dump(facts), "sections/intro.md": section})


@SETTINGS
@given(data=st.binary(max_size=200), file=st.sampled_from(["risks.yaml", "sections/intro.md"]))
def test_any_bytes(data: bytes, file: str) -> None:
    assert_checks_cleanly({file: data})
