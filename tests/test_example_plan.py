"""The shipped example plan (Kingsmere, fictional) checks with no errors."""

from __future__ import annotations

from pathlib import Path

from bcf_docgen.pipeline import check_plan

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"


def test_example_plan_has_no_errors() -> None:
    result = check_plan(EXAMPLE)
    assert result.plan is not None
    assert [f.format() for f in result.findings.errors] == []


def test_example_plan_uses_every_data_file() -> None:
    result = check_plan(EXAMPLE)
    assert result.plan is not None
    plan = result.plan
    assert plan.unreadable == set()
    assert plan.present >= {
        "vision.yaml",
        "funding.yaml",
        "metrics.yaml",
        "risks.yaml",
        "conditions.yaml",
        "signoff.yaml",
    }
    assert len(plan.schemes) == len(list((EXAMPLE / "schemes").glob("*.yaml")))
    assert plan.sections, "the outline names Markdown sections"
