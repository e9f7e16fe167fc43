"""The command line: help, version, `check` exit statuses and output forms, and `new`.

Most tests run the installed `bcf-docgen` script in a subprocess (piped, as in CI); a few
use click's CliRunner where only the in-process behaviour matters.
"""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import RISKS_YAML, SCHEME_YAML, MakePlan, run_cli

from bcf_docgen import cli_common
from bcf_docgen.cli import main
from bcf_docgen.frameworks import available
from bcf_docgen.pipeline import check_plan

ANSI = re.compile(r"\x1b\[")
FINDING_KEYS = {"severity", "code", "message", "file", "line", "column", "hint"}

# Line 4; with the base plan's mitigation, so that the misspelt key is the only finding
# (the risk is still read, with `likelyhood` taken as `likelihood`).
MITIGATIONS = "    mitigations: [Weekly review of people waiting for care.]\n"
BROKEN_RISKS = (RISKS_YAML + MITIGATIONS).replace("likelihood: 3", "likelyhood: 3")
HTML_INTRO = "---\ntitle: Introduction\n---\nSome <b>bold</b> text.\n"  # line 4, twice


def no_traceback(run) -> None:
    assert "Traceback" not in run.stdout + run.stderr


# ------------------------------------------------------------------ help and version


def test_help_lists_the_commands() -> None:
    run = run_cli("--help")
    assert run.returncode == 0
    for command in ("check", "build", "new"):
        assert re.search(rf"^\s+{command}\s", run.stdout, re.MULTILINE), run.stdout
    assert run.stderr == ""


def test_help_of_check_names_the_json_format() -> None:
    result = CliRunner().invoke(main, ["check", "--help"])
    assert result.exit_code == 0
    assert "--format [text|json|sarif]" in result.output


def test_version() -> None:
    run = run_cli("--version")
    assert run.returncode == 0
    assert run.stdout.strip() == f"bcf-docgen, version {version('bcf-docgen')}"


def test_unknown_command_is_a_usage_error() -> None:
    run = run_cli("chek", ".")
    assert run.returncode == 2
    assert "No such command 'chek'" in run.stderr
    no_traceback(run)


# ------------------------------------------------------------------ check: exit statuses


def test_check_a_valid_plan_exits_0(make_plan: MakePlan) -> None:
    run = run_cli("check", make_plan())
    assert run.returncode == 0, run.stdout
    assert run.stdout.strip() == "no problems found"


def test_check_warnings_only_exits_0(make_plan: MakePlan) -> None:
    run = run_cli("check", make_plan({"sections/intro.md": HTML_INTRO}))
    assert run.returncode == 0
    assert "sections/intro.md:4:6: warning: raw HTML '<b>'" in run.stdout
    assert "sections/intro.md:4:13: warning: raw HTML '</b>'" in run.stdout
    assert run.stdout.rstrip().endswith("2 warnings")


def test_check_content_errors_exit_1(make_plan: MakePlan) -> None:
    run = run_cli("check", make_plan({"risks.yaml": BROKEN_RISKS}))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines == [
        "risks.yaml:4:5: error: unknown key 'likelyhood' [schema.extra_forbidden]",
        "  4 |     likelyhood: 3",
        "    |     ^^^^^^^^^^",
        "    = hint: did you mean 'likelihood'?",
        "",
        "1 error",
    ]
    no_traceback(run)


def test_check_counts_errors_and_warnings(make_plan: MakePlan) -> None:
    folder = make_plan({"risks.yaml": BROKEN_RISKS, "sections/intro.md": HTML_INTRO})
    run = run_cli("check", folder)
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "1 error, 2 warnings"
    # Errors first (then warnings), each in file and line order.
    located = [line.split(": ")[0] for line in run.stdout.splitlines() if ": " in line]
    assert located[0] == "risks.yaml:4:5"


def test_check_usage_errors_exit_2(tmp_path: Path) -> None:
    run = run_cli("check", tmp_path / "missing")
    assert run.returncode == 2
    assert "no such folder" in run.stderr
    run = run_cli("check")
    assert run.returncode == 2
    assert "Missing argument 'PLAN'" in run.stderr
    run = run_cli("check", tmp_path, "--format", "xml")
    assert run.returncode == 2
    assert "'xml' is not one of 'text', 'json'" in run.stderr


def test_check_an_empty_folder_says_how_to_start(tmp_path: Path) -> None:
    run = run_cli("check", tmp_path)
    assert run.returncode == 2
    assert "has no plan.yaml" in run.stderr
    assert f"bcf-docgen new {tmp_path} --area NAME" in run.stderr
    assert run.stdout == ""


def test_internal_error_exits_3_and_says_it_is_a_bug(
    make_plan: MakePlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(folder):
        raise KeyError("[/] a bug")  # markup-like text in the message must not break printing

    monkeypatch.setattr(cli_common, "check_plan", broken)
    result = CliRunner().invoke(main, ["check", str(make_plan())])
    assert result.exit_code == 3
    assert "internal error: KeyError: '[/] a bug'" in result.output
    assert "This is a bug in bcf-docgen, not in your plan" in result.output


# ------------------------------------------------------------------ check: output forms


def test_check_json_shape(make_plan: MakePlan) -> None:
    folder = make_plan({"risks.yaml": BROKEN_RISKS, "sections/intro.md": HTML_INTRO})
    run = run_cli("check", folder, "--format", "json")
    assert run.returncode == 1
    data = json.loads(run.stdout)  # nothing but JSON on stdout
    assert set(data) == {"findings", "errors", "warnings"}
    assert (data["errors"], data["warnings"]) == (1, 2)
    for item in data["findings"]:
        assert set(item) == FINDING_KEYS
        assert item["severity"] in ("error", "warning")
        assert isinstance(item["line"], int) and isinstance(item["column"], int)
        assert all(isinstance(item[k], str) for k in FINDING_KEYS - {"line", "column"})
    assert data["findings"][0] == {
        "severity": "error",
        "code": "schema.extra_forbidden",
        "message": "unknown key 'likelyhood'",
        "file": "risks.yaml",  # relative to the plan folder, not the current one
        "line": 4,
        "column": 5,
        "hint": "did you mean 'likelihood'?",
    }
    assert [(f["file"], f["line"], f["severity"]) for f in data["findings"][1:]] == [
        ("sections/intro.md", 4, "warning"),
        ("sections/intro.md", 4, "warning"),
    ]


def test_check_json_of_a_valid_plan(make_plan: MakePlan) -> None:
    run = run_cli("check", make_plan(), "--format", "json")
    assert run.returncode == 0
    assert json.loads(run.stdout) == {"findings": [], "errors": 0, "warnings": 0}


def test_check_json_counts_match_the_findings_listed(make_plan: MakePlan) -> None:
    # The same undefined name twice in the outline: one finding per place, counted once each.
    folder = make_plan(
        {
            "plan.yaml": (make_plan() / "plan.yaml").read_text() + "  - sections/intro.md\n",
            "sections/intro.md": "---\ntitle: Intro\n---\n{{ nope }}\n",
        }
    )
    data = json.loads(run_cli("check", folder, "--format", "json").stdout)
    assert data["errors"] == sum(f["severity"] == "error" for f in data["findings"])
    assert data["warnings"] == sum(f["severity"] == "warning" for f in data["findings"])


def test_check_json_paths_are_relative_from_anywhere(make_plan: MakePlan, tmp_path: Path) -> None:
    folder = make_plan({"schemes/s1.yaml": SCHEME_YAML.replace("lead: council", "lead: nobody")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = run_cli("check", Path("..") / folder.name, "--format", "json", cwd=elsewhere)
    data = json.loads(run.stdout)
    assert [f["file"] for f in data["findings"]] == ["schemes/s1.yaml"]


def test_check_output_is_plain_when_piped(make_plan: MakePlan) -> None:
    folder = make_plan({"risks.yaml": BROKEN_RISKS, "sections/intro.md": HTML_INTRO})
    run = run_cli("check", folder)
    assert run.returncode == 1
    assert run.stdout.strip()
    assert not ANSI.search(run.stdout + run.stderr)
    run = run_cli("check", folder / "nowhere")
    assert run.returncode == 2
    assert not ANSI.search(run.stdout + run.stderr)


def test_content_that_looks_like_markup_prints_as_written(make_plan: MakePlan) -> None:
    folder = make_plan({"signoff.yaml": 'signatories: []\n"[/]": 1\n"[bold]x": 2\n'})
    run = run_cli("check", folder)
    assert run.returncode == 1
    assert "signoff.yaml:2:1: error: unknown key '[/]'" in run.stdout
    assert "signoff.yaml:3:1: error: unknown key '[bold]x'" in run.stdout
    no_traceback(run)


def test_text_output_matches_the_library(make_plan: MakePlan) -> None:
    folder = make_plan({"risks.yaml": BROKEN_RISKS, "sections/intro.md": HTML_INTRO})
    findings = check_plan(folder).findings.sorted()
    run = run_cli("check", folder)
    # Each finding's first line; the lines under it (the excerpt, the hint) are indented.
    printed = [line for line in run.stdout.splitlines() if line and not line.startswith(" ")]
    errors_first = sorted(findings, key=lambda f: f.severity != "error")
    assert printed[:-1] == [
        f"{f.location}: {f.severity}: {f.message} [{f.code}]" for f in errors_first
    ]


# ------------------------------------------------------------------ new


SHIPPED = [
    "bcf-2015-16",
    "bcf-2016-17",
    "bcf-2017-19",
    "bcf-2019-20",
    "bcf-2021-22",
    "bcf-2022-23",
    "bcf-2023-25",
    "bcf-2025-26",
]


def test_every_shipped_framework_is_tried_below() -> None:
    assert available(Path(__file__).parents[1] / "templates") == SHIPPED


@pytest.mark.parametrize("framework", ["bcf-2025-26", "bcf-2017-19"])
def test_new_plan_passes_check(tmp_path: Path, framework: str) -> None:
    folder = tmp_path / "northshire"
    run = run_cli("new", folder, "--area", "Northshire", "--framework", framework)
    assert run.returncode == 0, run.stderr
    assert f"created {folder}" in run.stderr
    assert (folder / "plan.yaml").is_file()
    check = run_cli("check", folder)
    assert check.returncode == 0, check.stdout
    # No errors; the warnings are the author's to-do list (conditions to answer, ...).
    assert ": error:" not in check.stdout
    assert "[condition.missing]" in check.stdout
    result = check_plan(folder)
    assert result.plan is not None
    assert result.plan.meta.framework == framework
    assert result.plan.meta.area.name == "Northshire"


def test_new_defaults_to_the_current_round(tmp_path: Path) -> None:
    folder = tmp_path / "plan"
    assert run_cli("new", folder, "--area", "Northshire").returncode == 0
    plan = check_plan(folder).plan
    assert plan is not None and plan.meta.framework == "bcf-2025-26"
    # The round's required narrative sections, titled as the pack titles them (some
    # titles hold ': ', which must be quoted in the front matter).
    titles = {s.id: s.title for s in plan.sections.values()}
    assert titles["prevention"] == "Objective 1: shifting from sickness to prevention"
    assert "executive-summary" in titles


@pytest.mark.parametrize(
    "area",
    ["Bath and North East Somerset", "Brighton & Hove", "St. Helens: Borough", "O'Hara [new]"],
)
def test_new_with_awkward_area_names(tmp_path: Path, area: str) -> None:
    result = CliRunner().invoke(main, ["new", str(tmp_path / "p"), "--area", area])
    assert result.exit_code == 0, result.output
    checked = check_plan(tmp_path / "p")
    assert [f.format() for f in checked.findings.errors] == []
    assert checked.plan is not None and checked.plan.meta.area.name == area


def test_new_writes_no_yaml_anchors(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["new", str(tmp_path / "p"), "--area", "X"]).exit_code == 0
    text = (tmp_path / "p" / "plan.yaml").read_text()
    assert "&id" not in text and "*id" not in text


def test_new_into_an_existing_empty_folder(tmp_path: Path) -> None:
    run = run_cli("new", tmp_path, "--area", "Northshire")
    assert run.returncode == 0, run.stderr
    assert run_cli("check", tmp_path).returncode == 0


def test_new_into_a_non_empty_folder_exits_2_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    run = run_cli("new", tmp_path, "--area", "Northshire")
    assert run.returncode == 2
    assert "already exists and is not empty" in run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    no_traceback(run)


def test_new_onto_a_file_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "plan.txt"
    target.write_text("x")
    for path in (target, target / "sub"):
        run = run_cli("new", path, "--area", "Northshire")
        assert run.returncode == 2, run.stderr
        assert "internal error" not in run.stderr
        no_traceback(run)


def test_new_unknown_framework_exits_2(tmp_path: Path) -> None:
    run = run_cli("new", tmp_path / "p", "--area", "Northshire", "--framework", "nope")
    assert run.returncode == 2
    assert f"unknown framework 'nope' (known: {', '.join(SHIPPED)})" in run.stderr
    assert not (tmp_path / "p").exists()
    no_traceback(run)


def test_new_needs_an_area(tmp_path: Path) -> None:
    run = run_cli("new", tmp_path / "p")
    assert run.returncode == 2
    assert "Missing option '--area'" in run.stderr
    assert not (tmp_path / "p").exists()
