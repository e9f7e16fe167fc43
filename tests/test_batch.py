"""`bcf-docgen build DIR1 DIR2 ... --jobs N`: many plans, each built as on its own."""

from __future__ import annotations

from pathlib import Path

from conftest import PLAN_YAML, MakePlan, run_cli

from bcf_docgen.batch import build_many, clashing_outputs, distinct


def plan_for(make_plan: MakePlan, area: str, status: str = "draft", **files) -> Path:
    plan_yaml = PLAN_YAML.replace("Testshire", area).replace("status: draft", f"status: {status}")
    return make_plan({"plan.yaml": plan_yaml, **files}, name=area.lower())


def test_several_plans_are_built_in_parallel(make_plan: MakePlan, tmp_path: Path):
    plans = [plan_for(make_plan, area) for area in ("Northshire", "Southshire", "Westshire")]
    out = tmp_path / "out"
    result = run_cli("build", *plans, "--out", out, "--to", "html", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    for area in ("northshire", "southshire", "westshire"):
        assert (out / f"{area}-bcf-2025-26.html").read_text().startswith("<!DOCTYPE html>")
        assert (out / f"{area}-bcf-2025-26-check.txt").exists()
    assert "3 plans in" in result.stderr and "all built" in result.stderr


def test_one_bad_plan_does_not_stop_the_others(make_plan: MakePlan, tmp_path: Path):
    good = plan_for(make_plan, "Northshire")
    refused = plan_for(
        make_plan, "Southshire", status="final", **{"sections/intro.md": "See @tbl:nowhere.\n"}
    )
    missing = tmp_path / "no-such-plan"
    out = tmp_path / "out"
    result = run_cli("build", good, refused, missing, "--out", out, "--to", "html", "-j", "2")
    assert result.returncode == 2  # the worst: a folder that is not a plan
    assert (out / "northshire-bcf-2025-26.html").exists()
    assert not (out / "southshire-bcf-2025-26.html").exists()
    assert "build refused (final plan)" in result.stderr
    assert "with problems:" in result.stderr


def test_plans_that_would_write_the_same_files_are_refused(make_plan: MakePlan, tmp_path: Path):
    first, second = make_plan(name="a"), make_plan(name="b")  # both Testshire
    assert clashing_outputs([first, second]) == [(first, second, "testshire-bcf-2025-26")]
    out = tmp_path / "out"
    result = run_cli("build", first, second, "--out", out, "--to", "html")
    assert result.returncode == 2
    assert "would both write" in result.stderr
    assert not out.exists()


def test_the_same_plan_named_twice_is_built_once(make_plan: MakePlan, tmp_path: Path):
    plan = make_plan()
    assert distinct([plan, plan / ".", Path(str(plan) + "/")]) == [plan]
    result = run_cli("build", plan, plan / ".", "--out", tmp_path / "out", "--to", "html")
    assert result.returncode == 0, result.stderr
    assert "plans in" not in result.stderr  # the one-plan build


def test_build_many_yields_every_plan_with_one_job(make_plan: MakePlan, tmp_path: Path):
    plans = [plan_for(make_plan, area) for area in ("Northshire", "Southshire")]
    results = list(build_many(plans, tmp_path / "out", ["html"], jobs=1))
    assert [r.plan for r in results] == plans
    assert all(r.status == 0 and r.paths for r in results)


def test_no_paginate_writes_the_word_file_without_libreoffice(make_plan: MakePlan, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", make_plan(), "--out", out, "--to", "docx", "--no-paginate")
    assert result.returncode == 0, result.stderr
    assert (out / "testshire-bcf-2025-26.docx").read_bytes().startswith(b"PK")
    assert "LibreOffice" not in result.stderr
