"""One test per kind of content error: the exact file, line, column and code of the finding,
its hint where the hint is the point, and a CLI run that reports it without a traceback.

Each test starts from the valid plan in conftest.py and breaks one thing. File texts are
dedented, so line 1 is the line after the opening quotes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    FUNDING_YAML,
    PLAN_YAML,
    RISKS_YAML,
    SCHEME_YAML,
    MakePlan,
    only,
    run_cli,
    where,
)

from bcf_docgen.cli import main
from bcf_docgen.content.reader import PlanFolderError
from bcf_docgen.findings import Severity
from bcf_docgen.pipeline import Checked, check_plan


def check(folder: Path) -> Checked:
    """Check with the library, and with the CLI: the CLI must list every finding the library
    made, at its `file:line:column`, exit 1 or 0, and never show a traceback."""
    result = check_plan(folder)
    cli = CliRunner().invoke(main, ["check", str(folder)])
    assert "Traceback" not in cli.output
    assert "internal error" not in cli.output
    assert cli.exit_code == (1 if result.findings.errors else 0), cli.output
    for finding in result.findings:
        assert f"{finding.location}: {finding.severity.value}: {finding.message}" in cli.output
    return result


def outline(*entries: str) -> str:
    """plan.yaml with `entries` appended to the outline (they start on line 21)."""
    return PLAN_YAML + "".join(f"  - {entry}\n" for entry in entries)


def test_the_base_plan_is_valid(make_plan: MakePlan) -> None:
    result = check(make_plan())
    assert result.plan is not None
    assert [f.format() for f in result.findings] == []


# ------------------------------------------------------------------ keys and values


def test_unknown_key_suggests_the_known_one(make_plan: MakePlan) -> None:
    result = check(
        make_plan(
            {
                "risks.yaml": """\
                risks:
                  - id: R1
                    risk: Demand for home care outstrips capacity over winter
                    likelyhood: 3
                    impact: 4
                """
            }
        )
    )
    finding = only(result.findings, "schema.extra_forbidden")
    assert where(finding) == ("risks.yaml", 4, 5)
    assert finding.message == "unknown key 'likelyhood'"
    assert finding.hint == "did you mean 'likelihood'?"
    # The misspelt key is the one problem: not also "missing required key 'likelihood'".
    assert len(result.findings.errors) == 1


def test_unknown_key_far_from_any_lists_the_known_keys(make_plan: MakePlan) -> None:
    result = check(make_plan({"signoff.yaml": "signatories: []\nwitnesses: []\n"}))
    finding = only(result.findings, "schema.extra_forbidden")
    assert where(finding) == ("signoff.yaml", 2, 1)
    assert finding.hint == "known: signatories"


def test_missing_required_key(make_plan: MakePlan) -> None:
    result = check(
        make_plan(
            {
                "risks.yaml": """\
                risks:
                  - id: R1
                    likelihood: 3
                    impact: 4
                """
            }
        )
    )
    finding = only(result.findings, "schema.missing")
    assert where(finding) == ("risks.yaml", 2, 5)  # the risk's mapping
    assert finding.message == "missing required key 'risk'"
    assert "risk:" in finding.hint


def test_money_written_as_text(make_plan: MakePlan) -> None:
    result = check(
        make_plan(
            {
                "funding.yaml": """\
                sources:
                  - id: nhs-minimum
                    name: NHS minimum contribution
                    contributor: icb
                    amounts:
                      2025-26: £1,250,000
                """
            }
        )
    )
    finding = only(result.findings, "schema.money")
    assert where(finding) == ("funding.yaml", 6, 16)
    assert "'£1,250,000' is text" in finding.message
    assert "whole number" in finding.hint
    assert "1250000" in finding.hint
    # funding.yaml could not be read: the scheme drawing on its source is not also told
    # that 'nhs-minimum' does not exist.
    assert len(result.findings.errors) == 1


def test_money_with_pence(make_plan: MakePlan) -> None:
    result = check(make_plan({"funding.yaml": FUNDING_YAML.replace("1000000", "1000000.50")}))
    finding = only(result.findings, "schema.money")
    assert where(finding) == ("funding.yaml", 5, 24)
    assert finding.message == "'2025-26': 1000000.5 is not a whole number of pounds"
    assert "whole number" in finding.hint


def test_negative_money(make_plan: MakePlan) -> None:
    result = check(
        make_plan({"schemes/s1.yaml": SCHEME_YAML.replace("{2025-26: 1000000}", "{2025-26: -5}")})
    )
    finding = only(result.findings, "schema.money")
    assert where(finding) == ("schemes/s1.yaml", 11, 24)
    assert "-5 is negative" in finding.message


def test_a_whole_float_is_whole_pounds(make_plan: MakePlan) -> None:
    # 1000000.0 is a whole number of pounds: accepted, not reported.
    result = check(make_plan({"funding.yaml": FUNDING_YAML.replace("1000000", "1000000.0")}))
    assert result.findings.errors == []


def test_wrong_value_in_a_closed_list(make_plan: MakePlan) -> None:
    # (A partner's kind is not a closed list: each round's pack has its own, test_rounds.py.)
    result = check(
        make_plan({"plan.yaml": PLAN_YAML.replace("status: draft", "status: drafty")}),
    )
    finding = only(result.findings, "schema.literal_error")
    assert where(finding) == ("plan.yaml", 7, 9)
    assert finding.message == "'status': 'drafty' is not allowed"
    assert "'draft'" in finding.hint


def test_a_date_that_does_not_exist(make_plan: MakePlan) -> None:
    result = check(make_plan({"plan.yaml": PLAN_YAML.replace("2025-03-14", "2025-02-30")}))
    finding = only(result.findings, "yaml.value")
    assert where(finding) == ("plan.yaml", 9, 7)
    assert "'2025-02-30' is not a real date" in finding.message
    assert "YYYY-MM-DD" in finding.hint


def test_a_number_too_long_to_read(make_plan: MakePlan) -> None:
    amount = "9" * 5000
    result = check(make_plan({"funding.yaml": FUNDING_YAML.replace("1000000", amount)}))
    finding = only(result.findings, "yaml.value")
    assert where(finding) == ("funding.yaml", 5, 24)
    assert "too long" in finding.message


# ------------------------------------------------------------------ ids that must exist


def test_unknown_partner(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace("lead: council", "lead: councl").replace(
        "commissioner: council", "commissioner: trust"
    )
    result = check(make_plan({"schemes/s1.yaml": scheme}))
    lead, commissioner = sorted(
        (f for f in result.findings if f.code == "ref.partner"), key=lambda f: f.line
    )
    assert where(lead) == ("schemes/s1.yaml", 3, 7)
    assert lead.message == "unknown partner 'councl'"
    assert lead.hint == "did you mean 'council'?"
    assert where(commissioner) == ("schemes/s1.yaml", 9, 19)
    assert commissioner.hint == "known: council, icb"
    assert len(result.findings.errors) == 2


def test_unknown_metric_in_a_scheme(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace(
        "metrics: [discharge-delay]", "metrics: [discharge-delay, emergency-admisions-65]"
    )
    result = check(make_plan({"schemes/s1.yaml": scheme}))
    finding = only(result.findings, "ref.metric")
    assert where(finding) == ("schemes/s1.yaml", 4, 28)
    assert finding.message == "unknown metric 'emergency-admisions-65'"
    assert finding.hint == "did you mean 'emergency-admissions-65'?"


def test_unknown_funding_source(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace("source: nhs-minimum", "source: nhs-minimun")
    result = check(make_plan({"schemes/s1.yaml": scheme}))
    finding = only(result.findings, "ref.source")
    assert where(finding) == ("schemes/s1.yaml", 10, 13)
    assert finding.message == "unknown funding source 'nhs-minimun'"
    assert finding.hint == "did you mean 'nhs-minimum'?"


def test_unknown_scheme_type_and_area_of_spend(make_plan: MakePlan) -> None:
    scheme = SCHEME_YAML.replace(
        "type: Home-based intermediate care services", "type: Home based intermediate care"
    ).replace("area: Social care", "area: Social Care Services")
    result = check(make_plan({"schemes/s1.yaml": scheme}))
    scheme_type = only(result.findings, "ref.scheme-type")
    assert where(scheme_type) == ("schemes/s1.yaml", 7, 11)
    assert "'Home based intermediate care'" in scheme_type.message
    assert scheme_type.hint == "did you mean 'Home-based intermediate care services'?"
    area = only(result.findings, "ref.area-of-spend")
    assert where(area) == ("schemes/s1.yaml", 8, 11)
    assert area.message == "unknown area of spend 'Social Care Services'"
    assert area.hint == "did you mean 'Social care'?"


def test_funding_source_type_not_in_the_framework(make_plan: MakePlan) -> None:
    funding = FUNDING_YAML + (
        "  - id: ibcf\n"  # line 6: the id is the type, and iBCF ended in 2024-25
        "    name: Improved Better Care Fund\n"
        "    contributor: council\n"
        "  - id: carers\n"
        "    type: addditional-la\n"  # line 10
        "    name: Council top-up for carers\n"
    )
    result = check(make_plan({"funding.yaml": funding}))
    by_id, by_type = sorted(
        (f for f in result.findings if f.code == "ref.source-type"), key=lambda f: f.line
    )
    assert where(by_id) == ("funding.yaml", 6, 9)
    assert by_id.message == "'ibcf' is not a kind of funding in bcf-2025-26"
    assert "la-better-care-grant" in by_id.hint  # lists the round's kinds
    assert where(by_type) == ("funding.yaml", 10, 11)
    assert by_type.hint.startswith("did you mean 'additional-la'?")


def test_unknown_national_condition(make_plan: MakePlan) -> None:
    conditions = "conditions:\n  - {id: condition-1, status: met}\n"
    result = check(make_plan({"conditions.yaml": conditions}))
    finding = only(result.findings, "ref.condition")
    assert where(finding) == ("conditions.yaml", 2, 10)
    assert finding.hint == "known: NC1, NC2, NC3, NC4"


# ------------------------------------------------------------------ duplicates


def test_duplicate_key(make_plan: MakePlan) -> None:
    result = check(
        make_plan(
            {
                "signoff.yaml": """\
                signatories:
                  - for: Testshire Health and Wellbeing Board
                    name: Cllr A. Person
                    position: Chair
                    name: Cllr B. Person
                """
            }
        )
    )
    finding = only(result.findings, "yaml.duplicate-key")
    assert where(finding) == ("signoff.yaml", 5, 5)  # the second one
    assert finding.message == "duplicate key 'name' (first given on line 3)"


def test_duplicate_scheme_id_across_two_files(make_plan: MakePlan) -> None:
    result = check(make_plan({"schemes/s2.yaml": "name: Falls prevention\nid: S1\n"}))
    finding = only(result.findings, "scheme.duplicate-id")
    assert where(finding) == ("schemes/s2.yaml", 2, 5)
    assert finding.message == "scheme id 'S1' is also used by schemes/s1.yaml"


def test_duplicate_risk_and_metric_ids(make_plan: MakePlan) -> None:
    risks = RISKS_YAML + (
        "  - id: R1\n"  # line 7
        "    risk: Workforce shortages\n"
        "    likelihood: 2\n"
        "    impact: 2\n"
    )
    metrics = "metrics:\n  - id: discharge-delay\n  - id: discharge-delay\n"
    result = check(make_plan({"risks.yaml": risks, "metrics.yaml": metrics}))
    duplicates = sorted(
        (f for f in result.findings if f.code == "id.duplicate"), key=lambda f: f.file
    )
    assert [(where(f), f.message) for f in duplicates] == [
        (
            ("metrics.yaml", 3, 9),
            "metric id 'discharge-delay' is used twice (first on line 2)",
        ),
        (("risks.yaml", 7, 9), "risk id 'R1' is used twice (first on line 2)"),
    ]


# ------------------------------------------------------------------ the plan folder


def test_missing_plan_yaml(make_plan: MakePlan) -> None:
    folder = make_plan({"plan.yaml": None})
    with pytest.raises(PlanFolderError, match="has no plan.yaml"):
        check_plan(folder)
    run = run_cli("check", folder)
    assert run.returncode == 2
    assert "has no plan.yaml" in run.stderr
    assert "bcf-docgen new" in run.stderr  # says how to start one
    assert "Traceback" not in run.stdout + run.stderr


def test_folder_that_does_not_exist(tmp_path: Path) -> None:
    run = run_cli("check", tmp_path / "nowhere")
    assert run.returncode == 2
    assert "no such folder" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_a_file_instead_of_a_folder(make_plan: MakePlan) -> None:
    run = run_cli("check", make_plan() / "plan.yaml")
    assert run.returncode == 2
    assert "is a file; give the plan's folder" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_plan_yaml_that_is_not_a_mapping(make_plan: MakePlan) -> None:
    result = check(make_plan({"plan.yaml": "- just\n- a list\n"}))
    assert result.plan is None
    finding = only(result.findings, "schema.dict_type")
    assert where(finding) == ("plan.yaml", 1, 1)


def test_wrong_format_version(make_plan: MakePlan) -> None:
    result = check(make_plan({"plan.yaml": PLAN_YAML.replace("format: 1", "format: 2")}))
    finding = only(result.findings, "schema.value_error")
    assert where(finding) == ("plan.yaml", 1, 9)
    assert "format 2 is not known" in finding.message
    assert "reads format 1" in finding.message


def test_unknown_framework(make_plan: MakePlan) -> None:
    plan = PLAN_YAML.replace("framework: bcf-2025-26", "framework: bcf-2026-27")
    result = check(make_plan({"plan.yaml": plan}))
    finding = only(result.findings, "framework.unknown")
    assert where(finding) == ("plan.yaml", 2, 12)
    assert finding.message == "unknown framework 'bcf-2026-27'"
    assert finding.hint.startswith("known frameworks: bcf-2015-16, bcf-2016-17, bcf-2017-19,")
    assert finding.hint.endswith(", bcf-2023-25, bcf-2025-26")


def test_framework_id_cannot_name_a_file_elsewhere(make_plan: MakePlan) -> None:
    plan = PLAN_YAML.replace("framework: bcf-2025-26", "framework: ../../plan")
    result = check(make_plan({"plan.yaml": plan}))
    assert where(only(result.findings, "framework.unknown")) == ("plan.yaml", 2, 12)


# ------------------------------------------------------------------ YAML syntax and bytes


def test_bad_yaml_syntax(make_plan: MakePlan) -> None:
    result = check(
        make_plan(
            {
                "risks.yaml": """\
                risks:
                  - id: R1
                    risk: Winter: demand outstrips capacity
                    likelihood: 3
                    impact: 4
                """
            }
        )
    )
    finding = only(result.findings, "yaml.syntax")
    assert where(finding) == ("risks.yaml", 3, 17)
    assert finding.message == "YAML syntax error: mapping values are not allowed here"
    assert "quotes" in finding.hint


def test_unclosed_quote_is_reported_where_it_opens(make_plan: MakePlan) -> None:
    result = check(make_plan({"risks.yaml": RISKS_YAML.replace("risk: Demand", 'risk: "Demand')}))
    finding = only(result.findings, "yaml.syntax")
    # Not line 7, where YAML runs out of file looking for the closing quote.
    assert where(finding) == ("risks.yaml", 3, 11)
    assert "quoted text that opens here is not closed" in finding.message


def test_unclosed_brace_is_reported_where_it_opens(make_plan: MakePlan) -> None:
    funding = FUNDING_YAML.replace("{2025-26: 1000000}", "{2025-26: 1000000") + (
        "  - id: dfg\n    name: Disabled Facilities Grant\n"
    )
    result = check(make_plan({"funding.yaml": funding}))
    finding = only(result.findings, "yaml.syntax")
    assert where(finding) == ("funding.yaml", 5, 14)
    assert "'{' or '[' that opens here is not closed" in finding.message


def test_tabs(make_plan: MakePlan) -> None:
    result = check(make_plan({"risks.yaml": RISKS_YAML.replace("    impact: 4", "\timpact: 4")}))
    finding = only(result.findings, "yaml.syntax")
    assert where(finding) == ("risks.yaml", 5, 1)
    assert finding.hint == "indent with spaces, not tabs"


def test_two_documents_in_one_file(make_plan: MakePlan) -> None:
    result = check(make_plan({"risks.yaml": RISKS_YAML + "---\nrisks: []\n"}))
    finding = only(result.findings, "yaml.syntax")
    assert where(finding) == ("risks.yaml", 7, 1)
    assert "more than one YAML document" in finding.message


def test_bad_utf8(make_plan: MakePlan) -> None:
    text = "conditions:\n  - id: NC1\n    status: met\n    response: £5 café\n"
    data = text.encode("utf-8").replace("é".encode(), b"\xe9")  # é in Latin-1
    result = check(make_plan({"conditions.yaml": data}))
    finding = only(result.findings, "file.encoding")
    # Column 21 counts characters: '£' is two bytes but one column.
    assert where(finding) == ("conditions.yaml", 4, 21)
    assert "0xe9" in finding.message
    assert "UTF-8" in finding.hint


def test_bad_utf8_in_markdown(make_plan: MakePlan) -> None:
    data = b"---\ntitle: Intro\n---\nFirst line.\nSecond \xff line.\n"
    result = check(make_plan({"sections/intro.md": data}))
    assert where(only(result.findings, "file.encoding")) == ("sections/intro.md", 5, 8)


def test_control_character(make_plan: MakePlan) -> None:
    result = check(make_plan({"risks.yaml": RISKS_YAML.replace("over winter", "over\x00winter")}))
    finding = only(result.findings, "yaml.syntax")
    assert where(finding) == ("risks.yaml", 3, 55)
    assert "U+0000" in finding.message


def test_nesting_too_deep_is_a_finding(make_plan: MakePlan) -> None:
    result = check(make_plan({"risks.yaml": "risks: " + "[" * 5000 + "]" * 5000 + "\n"}))
    finding = only(result.findings, "yaml.too-large")
    assert (finding.file, finding.line) == ("risks.yaml", 1)


def test_alias_bomb_is_refused(make_plan: MakePlan) -> None:
    # Ten levels of ten aliases each: 10**10 values from a few hundred bytes.
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    result = check(make_plan({"facts.yaml": "\n".join(lines) + "\n"}))
    finding = only(result.findings, "yaml.too-large")
    assert finding.file == "facts.yaml"
    assert "'*' aliases" in finding.hint


# ------------------------------------------------------------------ unsafe content


@pytest.mark.parametrize(
    "value",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        "!!python/object/apply:os.system\n      args: ['touch {marker}']",
        "!!python/name:os.system",
        "!custom touch {marker}",
    ],
)
def test_unsafe_yaml_tags_are_reported_not_run(
    make_plan: MakePlan, tmp_path: Path, value: str
) -> None:
    marker = tmp_path / "marker"
    risks = RISKS_YAML.replace(
        "risk: Demand for home care outstrips capacity over winter",
        "risk: " + value.format(marker=marker),
    )
    result = check(make_plan({"risks.yaml": risks}))
    assert not marker.exists()
    finding = only(result.findings, "yaml.unsafe-tag")
    assert where(finding) == ("risks.yaml", 3, 11)
    assert "is not allowed in plan content" in finding.message


def test_outline_entry_names_a_missing_file(make_plan: MakePlan) -> None:
    result = check(make_plan({"plan.yaml": outline("sections/missing.md")}))
    finding = only(result.findings, "file.missing")
    assert where(finding) == ("plan.yaml", 21, 5)
    assert "sections/missing.md" in finding.message


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("../secret.md", "climbs out of the plan folder with '..'"),
        ("sections/../../secret.md", "climbs out of the plan folder with '..'"),
        ("{template: funding, intro: ../secret.md}", "climbs out of the plan folder with '..'"),
        ("{appendix: ../secret.md}", "climbs out of the plan folder with '..'"),
        ("SECRET", "must be relative to the plan folder"),
        ("'C:\\\\secret.md'", "must be relative to the plan folder"),
    ],
)
def test_outline_paths_outside_the_plan_are_refused(
    make_plan: MakePlan, tmp_path: Path, entry: str, message: str
) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\n{{ undefined_in_secret }}\n")
    folder = make_plan({"plan.yaml": outline(entry.replace("SECRET", str(secret)))}, name="p")
    assert (folder / "../secret.md").resolve() == secret
    result = check(folder)
    finding = only(result.findings, "path.outside")
    assert where(finding) == ("plan.yaml", 21, 5)
    assert message in finding.message
    assert not any("secret" in f.file for f in result.findings)  # never read


def test_symlinks_out_of_the_plan_are_refused(make_plan: MakePlan, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Secret\n---\nsecret\n")
    (outside / "risks.yaml").write_text(RISKS_YAML)
    folder = make_plan({"plan.yaml": outline("sections/link.md"), "risks.yaml": None})
    os.symlink(outside / "secret.md", folder / "sections" / "link.md")
    os.symlink(outside / "risks.yaml", folder / "risks.yaml")
    os.symlink(outside / "risks.yaml", folder / "schemes" / "s2.yaml")
    result = check(folder)
    refused = sorted(where(f) for f in result.findings if f.code == "path.outside")
    assert refused == [
        ("plan.yaml", 21, 5),
        ("risks.yaml", 1, 1),
        ("schemes/s2.yaml", 1, 1),
    ]
    assert all("through a link" in f.message for f in result.findings if f.code == "path.outside")
    assert result.plan is not None and result.plan.risks.risks == []  # not read through


def test_a_symlink_inside_the_plan_is_fine(make_plan: MakePlan) -> None:
    folder = make_plan({"plan.yaml": outline("sections/alias.md")})
    os.symlink("intro.md", folder / "sections" / "alias.md")
    # Read, not refused; it is the intro section twice, so its id is taken twice.
    result = check(folder)
    assert not [f for f in result.findings if f.code == "path.outside"]


def test_nul_character_in_a_path(make_plan: MakePlan) -> None:
    result = check(make_plan({"plan.yaml": outline('"sections/\\0.md"')}))
    finding = only(result.findings, "path.invalid")
    assert where(finding) == ("plan.yaml", 21, 5)


# ------------------------------------------------------------------ Markdown sections


def test_undefined_name_in_markdown_counts_front_matter_lines(make_plan: MakePlan) -> None:
    section = """\
    ---
    id: intro
    title: Introduction
    ---
    The first paragraph.

    The pool is {{ fundng.pool["2025-26"] | money }}.
    """
    result = check(make_plan({"sections/intro.md": section}))
    finding = only(result.findings, "template.error")
    assert where(finding) == ("sections/intro.md", 7, 1)
    assert finding.message == "'fundng' is not a name plan text can use"
    assert finding.hint == "did you mean 'funding'?"


def test_undefined_name_in_markdown_with_a_heading_title(make_plan: MakePlan) -> None:
    section = "# Introduction\n\nSome text.\n{{ plan.nonesuch }}\n"
    result = check(make_plan({"sections/intro.md": section}))
    assert where(only(result.findings, "template.error")) == ("sections/intro.md", 4, 1)


def test_undefined_name_after_a_multiline_expression(make_plan: MakePlan) -> None:
    section = "---\ntitle: Intro\n---\n{{ funding.pool[\n  '2025-26'] | money }}\n\n{{ nope }}\n"
    result = check(make_plan({"sections/intro.md": section}))
    assert where(only(result.findings, "template.error")) == ("sections/intro.md", 7, 1)


def test_template_syntax_error_in_markdown(make_plan: MakePlan) -> None:
    section = "---\ntitle: Intro\n---\nText.\n\n{{ funding.pool[ }}\n"
    result = check(make_plan({"sections/intro.md": section}))
    finding = only(result.findings, "template.error")
    assert where(finding) == ("sections/intro.md", 6, 1)
    assert finding.message.startswith("template syntax error")


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__",
        "''.__class__.__mro__[1].__subclasses__()",
        "cycler.__init__.__globals__.os.popen('touch MARKER').read()",
        "plan.__class__.__init__.__globals__",
        "scheme.__globals__",
        "self.__init__.__globals__",
    ],
)
def test_sandbox_escape_is_reported_not_run(
    make_plan: MakePlan, tmp_path: Path, expression: str
) -> None:
    marker = tmp_path / "MARKER"
    expression = expression.replace("MARKER", str(marker))
    section = f"---\ntitle: Intro\n---\nText.\n{{{{ {expression} }}}}\n"
    result = check(make_plan({"sections/intro.md": section}))
    finding = only(result.findings, "template.error")
    assert where(finding) == ("sections/intro.md", 5, 1)
    assert "not allowed in plan content" in finding.message or "undefined" in finding.message
    assert not marker.exists()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("('x' * 10**9) | length", "longer than 100,000"),
        ("([0] * 10**9) | length", "longer than 100,000"),
        ("2 ** 100000", "exponents above 1,000"),
    ],
)
def test_expressions_that_would_exhaust_memory_are_refused(
    make_plan: MakePlan, expression: str, message: str
) -> None:
    section = f"---\ntitle: Intro\n---\n{{{{ {expression} }}}}\n"
    result = check(make_plan({"sections/intro.md": section}))
    finding = only(result.findings, "template.limit")
    assert where(finding) == ("sections/intro.md", 4, 1)
    assert message in finding.message


def test_ordinary_arithmetic_still_works(make_plan: MakePlan) -> None:
    section = "---\ntitle: Intro\n---\n{{ 3 * 4 }} {{ 'ab' * 3 }} {{ 2 ** 10 }} {{ 1.5 * 2 }}\n"
    result = check(make_plan({"sections/intro.md": section}))
    assert result.findings.errors == []


def test_expression_that_recurses_without_end(make_plan: MakePlan) -> None:
    section = "---\ntitle: Intro\n---\n{% macro f() %}{{ f() }}{% endmacro %}\n{{ f() }}\n"
    result = check(make_plan({"sections/intro.md": section}))
    finding = only(result.findings, "template.error")
    assert finding.file == "sections/intro.md"
    assert "calls itself" in finding.message


def test_names_used_by_templates_are_not_reported_in_sections(make_plan: MakePlan) -> None:
    section = "---\ntitle: Intro\n---\n{{ 'Draft' if draft }} {{ partner_name('icb') }}\n"
    result = check(make_plan({"sections/intro.md": section}))
    assert result.findings.errors == []


def test_raw_html_is_a_warning_at_its_line(make_plan: MakePlan) -> None:
    section = """\
    ---
    title: Introduction
    ---
    Plain text.

    Some <b>bold</b> text.

    <script>alert("hi")</script>
    """
    result = check(make_plan({"sections/intro.md": section}))
    html = sorted(
        (f for f in result.findings if f.code == "markdown.raw-html"), key=lambda f: f.location
    )
    assert [(f.severity, where(f)) for f in html] == [
        (Severity.WARNING, ("sections/intro.md", 6, 6)),
        (Severity.WARNING, ("sections/intro.md", 6, 13)),
        (Severity.WARNING, ("sections/intro.md", 8, 1)),
    ]
    assert html[2].message == (
        "raw HTML '<script>alert(\"hi\")</script>' is shown as text, not used as markup"
    )
    assert result.findings.errors == []  # a warning: the plan still passes


def test_markdown_without_a_title(make_plan: MakePlan) -> None:
    result = check(make_plan({"sections/intro.md": "Just some text, no heading.\n"}))
    finding = only(result.findings, "markdown.no-title")
    assert where(finding) == ("sections/intro.md", 1, 1)
    assert "title:" in finding.hint


def test_unclosed_front_matter(make_plan: MakePlan) -> None:
    result = check(make_plan({"sections/intro.md": "---\ntitle: Intro\nText.\n"}))
    assert where(only(result.findings, "markdown.front-matter")) == ("sections/intro.md", 1, 1)


def test_unknown_key_in_front_matter(make_plan: MakePlan) -> None:
    section = "---\ntitle: Intro\ntilte: Intro\n---\nText.\n"
    result = check(make_plan({"sections/intro.md": section}))
    finding = only(result.findings, "schema.extra_forbidden")
    assert where(finding) == ("sections/intro.md", 3, 1)
    assert finding.hint == "did you mean 'title'?"


def test_bad_yaml_in_front_matter_counts_the_opening_line(make_plan: MakePlan) -> None:
    section = "---\nid: intro\ntitle: Objective 1: prevention\n---\nText.\n"
    result = check(make_plan({"sections/intro.md": section}))
    assert where(only(result.findings, "yaml.syntax")) == ("sections/intro.md", 3, 19)


# ------------------------------------------------------------------ all at once


def test_every_problem_in_every_file_is_reported_in_one_run(make_plan: MakePlan) -> None:
    folder = make_plan(
        {
            "plan.yaml": outline("sections/missing.md"),
            "risks.yaml": RISKS_YAML.replace("likelihood:", "likelyhood:"),
            "funding.yaml": FUNDING_YAML.replace("1000000", '"£1m"'),
            "schemes/s1.yaml": SCHEME_YAML.replace("lead: council", "lead: nobody"),
            "schemes/s2.yaml": "id: S2\nname: [unclosed\n",
            "metrics.yaml": "metrics:\n\t- id: x\n",
            "sections/intro.md": "---\ntitle: Intro\n---\n{{ nope }}\n<i>x</i>\n",
            "conditions.yaml": b"conditions: \xff\n",
        }
    )
    result = check(folder)
    found = {(f.file, f.line, f.code) for f in result.findings}
    assert found == {
        ("plan.yaml", 21, "file.missing"),
        ("risks.yaml", 4, "schema.extra_forbidden"),
        # R1 is still read (`likelyhood` as `likelihood`), so what it lacks shows now too.
        ("risks.yaml", 2, "risk.mitigation"),
        ("funding.yaml", 5, "schema.money"),
        ("schemes/s1.yaml", 3, "ref.partner"),
        ("schemes/s2.yaml", 2, "yaml.syntax"),
        ("metrics.yaml", 2, "yaml.syntax"),
        ("sections/intro.md", 4, "template.error"),
        ("sections/intro.md", 5, "markdown.raw-html"),
        ("conditions.yaml", 1, "file.encoding"),
    }
    assert len(result.findings.errors) == 8
    assert len(result.findings.warnings) == 3  # <i> and </i>, and R1's mitigation
