"""Diagnostics that recover and explain (issue 15, item 3).

One mistake must neither hide another nor cause findings of its own: a plan with several
mistakes reports each of them in one run, and fixing any one leaves the others reported
exactly as before. Messages speak the plan's terms (an indentation hint for an indented
line, "did you mean" for outline paths and `{{ }}` names), and the terminal shows errors
first with the line and a caret under the column.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import INTRO_MD, PLAN_YAML, REQUIRED_SECTIONS, SCHEME_YAML, MakePlan, only, where

from bcf_docgen.cli import main
from bcf_docgen.findings import Finding
from bcf_docgen.pipeline import check_plan

# Five mistakes of five kinds in two files, each on a line of its own, and each fixed by
# changing only its own line (so fixing one moves no other finding).
MISTAKES: dict[str, tuple[str, str, str]] = {
    # name: (file, correct text, mistaken text)
    "wrong type": ("plan.yaml", 'version: "0.1"', "version: [0, 1]"),
    "outline path": ("plan.yaml", "- sections/governance.md", "- sections/governence.md"),
    "misspelt key": ("schemes/s1.yaml", "    amounts:", "    amonts:"),
    "unknown partner": ("schemes/s1.yaml", "lead: council", "lead: nobody"),
    "wrong choice": (
        "schemes/s1.yaml",
        "summary: Reablement",
        "status: newish\nsummary: Reablement",
    ),
}
EXPECTED = {
    "wrong type": ("plan.yaml", 8, "schema.string_type"),
    "outline path": ("plan.yaml", 17, "file.missing"),
    "misspelt key": ("schemes/s1.yaml", 11, "schema.extra_forbidden"),
    "unknown partner": ("schemes/s1.yaml", 3, "ref.partner"),
    "wrong choice": ("schemes/s1.yaml", 13, "schema.literal_error"),
}


def plan_with(make_plan: MakePlan, mistakes: list[str]) -> Path:
    files = {"plan.yaml": PLAN_YAML, "schemes/s1.yaml": SCHEME_YAML}
    for name in mistakes:
        file, right, wrong = MISTAKES[name]
        assert files[file].count(right) == 1, name
        files[file] = files[file].replace(right, wrong)
    if "wrong choice" not in mistakes:  # keep the other lines where they are
        files["schemes/s1.yaml"] = files["schemes/s1.yaml"].replace(
            "summary: Reablement", "status: new\nsummary: Reablement"
        )
    return make_plan(files)


def findings_of(folder: Path) -> set[Finding]:
    return set(check_plan(folder).findings)


def test_five_mistakes_in_two_files_are_all_reported_in_one_run(make_plan: MakePlan) -> None:
    found = findings_of(plan_with(make_plan, list(MISTAKES)))
    assert {(f.file, f.line, f.code) for f in found} == set(EXPECTED.values())
    assert all(f.severity == "error" for f in found)


@pytest.mark.parametrize("fixed", list(MISTAKES))
def test_fixing_one_mistake_leaves_the_others_reported_unchanged(
    make_plan: MakePlan, fixed: str
) -> None:
    everything = findings_of(plan_with(make_plan, list(MISTAKES)))
    rest = findings_of(plan_with(make_plan, [m for m in MISTAKES if m != fixed]))
    gone = everything - rest
    assert {(f.file, f.line, f.code) for f in gone} == {EXPECTED[fixed]}
    assert rest == everything - gone  # nothing appears, nothing else disappears


def test_the_fixed_plan_has_no_findings(make_plan: MakePlan) -> None:
    assert findings_of(plan_with(make_plan, [])) == set()


# ------------------------------------------------------------------ reading past a mistake


def test_a_misspelt_key_is_read_as_the_key_it_resembles(make_plan: MakePlan) -> None:
    folder = make_plan({"schemes/s1.yaml": SCHEME_YAML.replace("    amounts:", "    amonts:")})
    result = check_plan(folder)
    finding = only(result.findings, "schema.extra_forbidden")
    assert (finding.message, finding.hint) == ("unknown key 'amonts'", "did you mean 'amounts'?")
    assert len(result.findings) == 1  # no "no scheme 'S1'" in intro.md, no sum that is off
    assert result.plan is not None
    assert result.plan.schemes[0].expenditure[0].amounts == {"2025-26": 1_000_000}


def test_a_missing_required_key_is_reported_once(make_plan: MakePlan) -> None:
    folder = make_plan({"schemes/s1.yaml": SCHEME_YAML.replace("name: Home first\n", "")})
    result = check_plan(folder)
    assert [(f.code, f.message) for f in result.findings] == [
        ("schema.missing", "missing required key 'name'")
    ]
    assert result.plan is not None and [s.id for s in result.plan.schemes] == ["S1"]


@pytest.mark.parametrize(
    "line", ["framework: bcf-2025-26\n", "title: Better Care Fund Plan 2025-26\n"]
)
def test_a_missing_required_key_of_plan_yaml_is_reported_once(
    make_plan: MakePlan, line: str
) -> None:
    result = check_plan(make_plan({"plan.yaml": PLAN_YAML.replace(line, "")}))
    key = line.split(":")[0]
    assert [(f.code, f.message) for f in result.findings] == [
        ("schema.missing", f"missing required key '{key}'")
    ]


def test_an_item_missing_a_required_key_is_left_out_alone(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace("expenditure:\n", "expenditure:\n" + SECOND_LINE)
    scheme = scheme.replace("    type: Home-based intermediate care services\n", "", 1)
    scheme = scheme.replace("{2025-26: lots}", "{2025-26: 0}")
    result = check_plan(make_plan({"schemes/s1.yaml": scheme}))
    assert [(f.code, f.message) for f in result.findings] == [
        ("schema.missing", "missing required key 'type'")
    ]
    assert where(result.findings.items[0]) == ("schemes/s1.yaml", 6, 5)
    assert result.plan is not None
    assert [line.line for line in result.plan.schemes[0].expenditure] == ["Reablement at home"]


def test_a_scheme_whose_only_line_was_left_out_gets_no_second_finding(
    make_plan: MakePlan,
) -> None:
    """The line's own mistake is the finding; "no expenditure lines" would follow from it
    and go away when it is fixed."""
    scheme = SCHEME_YAML.replace("    type: Home-based intermediate care services\n", "", 1)
    result = check_plan(make_plan({"schemes/s1.yaml": scheme}))
    codes = [f.code for f in result.findings]
    assert "schema.missing" in codes
    assert "scheme.no-expenditure" not in codes
    lines = SCHEME_YAML[SCHEME_YAML.index("expenditure:") : SCHEME_YAML.index("purpose:")]
    empty = SCHEME_YAML.replace(lines, "expenditure: []\n")
    complete = check_plan(make_plan({"schemes/s1.yaml": empty}))
    assert "scheme.no-expenditure" in [f.code for f in complete.findings]


def test_every_mistake_in_one_file_is_reported_with_later_lines_still_located(
    make_plan: MakePlan,
) -> None:
    scheme = (
        SCHEME_YAML.replace("    area: Social care\n", "    area: Social care\n    kind: x\n")
        .replace("summary: Reablement", "sumary: Reablement")
        .replace("expenditure:\n", "expenditure:\n" + SECOND_LINE)
    )
    result = check_plan(make_plan({"schemes/s1.yaml": scheme}))
    assert sorted((f.line, f.code, f.message) for f in result.findings) == [
        (11, "schema.money", f"'2025-26': {LOTS}"),
        (15, "schema.extra_forbidden", "unknown key 'kind'"),
        (20, "schema.extra_forbidden", "unknown key 'sumary'"),
    ]


# An expenditure line put first, with an amount that is not one (lines 6 to 11).
LOTS = "'lots' is text, not an amount of money (write tbc for one not yet known)"
SECOND_LINE = """\
  - line: Carers' breaks
    type: Home-based intermediate care services
    area: Social care
    commissioner: council
    source: nhs-minimum
    amounts: {2025-26: lots}
"""


def test_a_misspelt_key_in_plan_yaml_no_longer_hides_the_outline(make_plan: MakePlan) -> None:
    plan = PLAN_YAML.replace("status: draft", "statuss: draft") + "  - sections/nowhere.md\n"
    result = check_plan(make_plan({"plan.yaml": plan}))
    assert {(f.line, f.code) for f in result.findings} == {
        (7, "schema.extra_forbidden"),
        (21, "file.missing"),
    }


def test_a_misspelt_front_matter_key_keeps_the_section(make_plan: MakePlan) -> None:
    text = REQUIRED_SECTIONS["sections/governance.md"].replace("title:", "titel:")
    result = check_plan(make_plan({"sections/governance.md": text}))
    finding = only(result.findings, "schema.extra_forbidden")
    assert where(finding) == ("sections/governance.md", 2, 1)
    assert finding.hint == "did you mean 'title'?"
    assert len(result.findings) == 1  # not also "the plan has no Governance section"


# ------------------------------------------------------------------ messages that explain


def test_one_space_too_many_gets_an_indentation_hint(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace("    area: Social care", "     area: Social care")
    finding = only(check_plan(make_plan({"schemes/s1.yaml": scheme})).findings, "yaml.syntax")
    assert where(finding) == ("schemes/s1.yaml", 8, 6)
    assert (
        finding.message
        == "YAML syntax error: line 8 is indented 1 space more than 'type:' on line 7"
    )
    assert finding.hint.startswith("indent it like 'type:' (4 spaces)")


def test_a_line_that_lines_up_with_nothing_gets_an_indentation_hint(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace("    area: Social care", "   area: Social care")
    finding = only(check_plan(make_plan({"schemes/s1.yaml": scheme})).findings, "yaml.syntax")
    assert where(finding) == ("schemes/s1.yaml", 8, 4)
    assert "lines up with nothing above it" in finding.message
    assert "'type:' on line 7 (4 spaces)" in finding.hint
    assert "quotes" not in finding.hint


def test_text_with_a_colon_still_gets_the_quotes_hint(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace("name: Home first", "name: Home first: at home")
    finding = only(check_plan(make_plan({"schemes/s1.yaml": scheme})).findings, "yaml.syntax")
    assert finding.message == "YAML syntax error: mapping values are not allowed here"
    assert "quotes" in finding.hint


def test_a_misspelt_outline_path_is_one_finding_with_the_file_meant(make_plan: MakePlan) -> None:
    plan = PLAN_YAML.replace("sections/governance.md", "sections/governence.md")
    result = check_plan(make_plan({"plan.yaml": plan}))
    finding = only(result.findings, "file.missing")
    assert len(result.findings) == 1  # not also "no Governance section" and "not in the outline"
    assert where(finding) == ("plan.yaml", 17, 5)
    assert finding.hint.startswith("did you mean sections/governance.md?")


def test_an_outline_path_like_no_file_has_no_suggestion(make_plan: MakePlan) -> None:
    result = check_plan(make_plan({"plan.yaml": PLAN_YAML + "  - sections/zzz.md\n"}))
    assert only(result.findings, "file.missing").hint == (
        "create the file or correct the path in the outline"
    )


@pytest.mark.parametrize(
    ("expression", "message", "hint"),
    [
        ("facts.populaton", "facts has no 'populaton'", "did you mean 'population'?"),
        ('facts["populaton"]', "facts has no 'populaton'", "did you mean 'population'?"),
        ('scheme("S1").nme', "scheme(\"S1\") has no 'nme'", "did you mean 'name'?"),
        ("area.nmae", "area has no 'nmae'", "did you mean 'name'?"),
        ('funding.pool["2099"]', "funding.pool has no '2099'", "known: 2025-26"),
        ("populaton", "'populaton' is not a name plan text can use", ""),
    ],
)
def test_template_errors_are_in_the_plans_terms(
    make_plan: MakePlan, expression: str, message: str, hint: str
) -> None:
    intro = INTRO_MD + f"\nThere are {{{{ {expression} }}}} people.\n"
    folder = make_plan({"sections/intro.md": intro, "facts.yaml": "population: 1000\n"})
    finding = only(check_plan(folder).findings, "template.error")
    assert where(finding) == ("sections/intro.md", 8, 1)
    assert finding.message == message
    if hint:
        assert finding.hint == hint
    assert "dict object" not in finding.message + finding.hint


# ------------------------------------------------------------------ the terminal


def run(*args: str | Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output.splitlines()


def test_errors_come_first_with_the_line_and_a_caret(make_plan: MakePlan) -> None:
    intro = INTRO_MD + "\nSome <b>bold</b> text and {{ facts.populaton }}.\n"
    folder = make_plan({"sections/intro.md": intro, "facts.yaml": "population: 1000\n"})
    html_hint = only(check_plan(folder).findings.warnings[:1], "markdown.raw-html").hint
    status, lines = run("check", folder)
    assert status == 1
    assert lines == [
        "sections/intro.md:8:1: error: facts has no 'populaton' [template.error]",
        "  8 | Some <b>bold</b> text and {{ facts.populaton }}.",
        "    | " + " " * 35 + "^" * 9,
        "    = hint: did you mean 'population'?",
        "",
        "sections/intro.md:8:6: warning: raw HTML '<b>' is shown as text, not used as markup "
        "[markdown.raw-html]",
        "  8 | Some <b>bold</b> text and {{ facts.populaton }}.",
        "    |      ^^^",
        f"    = hint: {html_hint}",
        "",
        "sections/intro.md:8:13: warning: raw HTML '</b>' is shown as text, not used as markup "
        "[markdown.raw-html]",
        "  8 | Some <b>bold</b> text and {{ facts.populaton }}.",
        "    |             ^^^^",
        f"    = hint: {html_hint}",
        "",
        "1 error, 2 warnings",
    ]


def test_quiet_shows_errors_only_and_counts_the_rest(make_plan: MakePlan) -> None:
    intro = INTRO_MD + "\nSome <b>bold</b> text and {{ facts.populaton }}.\n"
    folder = make_plan({"sections/intro.md": intro, "facts.yaml": "population: 1000\n"})
    for flag in ("-q", "--quiet"):
        status, lines = run("check", folder, flag)
        assert status == 1
        assert [line for line in lines if "warning" in line] == [
            "1 error, 2 warnings not shown (without -q they are)"
        ]
        assert lines[0].startswith("sections/intro.md:8:1: error:")
    status, lines = run("check", make_plan({"sections/intro.md": INTRO_MD + "<b>x</b>\n"}), "-q")
    assert (status, lines) == (0, ["2 warnings not shown (without -q they are)"])


def test_quiet_is_an_option_of_build_and_pack() -> None:
    for command in ("build", "pack"):
        status, lines = run(command, "--help")
        assert status == 0
        assert any(line.strip().startswith("-q, --quiet") for line in lines), command


def test_json_keeps_every_finding_and_field(make_plan: MakePlan) -> None:
    intro = INTRO_MD + "\nSome <b>bold</b> text and {{ facts.populaton }}.\n"
    folder = make_plan({"sections/intro.md": intro, "facts.yaml": "population: 1000\n"})
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "json", "-q"])
    data = json.loads(result.stdout)
    assert (data["errors"], data["warnings"]) == (1, 2)
    first = data["findings"][0]
    assert first == {
        "severity": "error",
        "code": "template.error",
        "message": "facts has no 'populaton'",
        "file": "sections/intro.md",
        "line": 8,
        "column": 1,
        "hint": "did you mean 'population'?",
    }


def test_the_line_shown_is_made_safe(make_plan: MakePlan) -> None:
    folder = make_plan({"signoff.yaml": "signatories: []\nnote: a\x1b[2Jb\n"})
    status, lines = run("check", folder)
    text = "\n".join(lines)
    assert status == 1
    assert "\x1b" not in text
    assert "  2 | note: a\\x1b[2Jb" in lines


def test_no_line_is_shown_from_outside_the_plan(make_plan: MakePlan, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: Secret\n---\nTOP SECRET {{ nope }}\n")
    folder = make_plan()
    (folder / "sections" / "secret.md").symlink_to(outside)
    plan = PLAN_YAML + "  - sections/secret.md\n"
    (folder / "plan.yaml").write_text(plan)
    status, lines = run("check", folder)
    assert status == 1
    assert not any("TOP SECRET" in line for line in lines)
