"""Every planning round with a plan has a pack, and a small plan of each round checks and builds.

The test plans are written from each pack (its years, required sections, mandatory
sources, conditions and metrics), with the round's own NHS partner kind (`ccg` up to
2021-22, `icb` from 2022-23), so a pack that cannot carry a plan fails here. ROUNDS says
what the domain facts (../shared/reference/bcf-domain.md) require of each pack, so a pack
that drifts from them fails too.

Builds are shared: one module-scoped fixture checks and renders every round's plan once
(Word without the LibreOffice pass, and PDF), and the tests read the files back.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import only, write_plan
from docx import Document as DocxDocument
from pypdf import PdfReader

from bcf_docgen.build import render_format
from bcf_docgen.cli import main
from bcf_docgen.derived import rule_planned
from bcf_docgen.findings import Findings, Location
from bcf_docgen.frameworks import Framework, available, load_framework
from bcf_docgen.pipeline import check_plan
from bcf_docgen.scaffold import scaffold

TEMPLATES = Path(__file__).parents[1] / "templates"
BUILTIN = {"vision", "schemes", "conditions", "funding", "metrics", "risks", "signoff"}


@dataclass(frozen=True)
class Round:
    years: tuple[str, ...]
    nhs: str  # the partner kind of the round's NHS commissioner
    conditions: int
    sources: frozenset[str]  # mandatory funding types
    metrics: frozenset[str]


ROUNDS: dict[str, Round] = {
    "bcf-2015-16": Round(
        ("2015-16",),
        "ccg",
        6,
        frozenset({"nhs-minimum", "dfg", "social-care-capital"}),
        frozenset(
            {
                "non-elective-admissions",
                "residential-admissions-65",
                "reablement-91-days",
                "delayed-transfers",
                "service-user-experience",
            }
        ),
    ),
    "bcf-2016-17": Round(
        ("2016-17",),
        "ccg",
        8,
        frozenset({"nhs-minimum", "dfg"}),
        frozenset(
            {
                "non-elective-admissions",
                "residential-admissions-65",
                "reablement-91-days",
                "delayed-transfers",
            }
        ),
    ),
    "bcf-2017-19": Round(
        ("2017-18", "2018-19"),
        "ccg",
        4,
        frozenset({"nhs-minimum", "ibcf", "dfg"}),
        frozenset(
            {
                "non-elective-admissions",
                "residential-admissions-65",
                "reablement-91-days",
                "delayed-transfers",
            }
        ),
    ),
    "bcf-2019-20": Round(
        ("2019-20",),
        "ccg",
        4,
        frozenset({"nhs-minimum", "ibcf", "winter-pressures", "dfg"}),
        frozenset(
            {
                "non-elective-admissions",
                "residential-admissions-65",
                "reablement-91-days",
                "delayed-transfers",
            }
        ),
    ),
    "bcf-2021-22": Round(
        ("2021-22",),
        "ccg",
        4,
        frozenset({"nhs-minimum", "ibcf", "dfg"}),
        frozenset(
            {
                "avoidable-admissions",
                "length-of-stay-14",
                "length-of-stay-21",
                "discharge-usual-residence",
                "residential-admissions-65",
                "reablement-91-days",
            }
        ),
    ),
    "bcf-2022-23": Round(
        ("2022-23",),
        "icb",
        4,
        frozenset({"nhs-minimum", "ibcf", "dfg"}),
        frozenset(
            {
                "avoidable-admissions",
                "discharge-usual-residence",
                "residential-admissions-65",
                "reablement-91-days",
            }
        ),
    ),
    "bcf-2023-25": Round(
        ("2023-24", "2024-25"),
        "icb",
        4,
        frozenset({"nhs-minimum", "ibcf", "dfg", "discharge-la", "discharge-icb"}),
        frozenset(
            {
                "avoidable-admissions",
                "falls-admissions-65",
                "discharge-usual-residence",
                "residential-admissions-65",
                "reablement-91-days",
                "discharge-delay",
            }
        ),
    ),
    "bcf-2025-26": Round(
        ("2025-26",),
        "icb",
        4,
        frozenset({"nhs-minimum", "la-better-care-grant", "dfg"}),
        frozenset({"emergency-admissions-65", "discharge-delay", "residential-admissions-65"}),
    ),
}

PACKS = sorted(ROUNDS)
SOCIAL_CARE = 600_000  # of the NHS minimum, commissioned by the council
OUT_OF_HOSPITAL = 400_000  # of the NHS minimum, commissioned by the NHS partner


def pack(framework_id: str) -> Framework:
    findings = Findings()
    framework = load_framework(framework_id, TEMPLATES, Location("test"), findings)
    assert framework is not None, [f.format() for f in findings]
    assert list(findings) == []
    return framework


def _yaml_list(items: list[str], indent: str = "  ") -> str:
    return "".join(f"{indent}- {item}\n" for item in items)


def round_plan(framework: Framework, nhs_kind: str) -> dict[str, str]:
    """A small complete plan of `framework`'s round: every required section, every mandatory
    source (the NHS minimum split between a council line and an NHS-commissioned line),
    every condition answered and every metric with a baseline and targets."""
    years = framework.years
    nhs_name = f"NHS Testshire {framework.partner_kind(nhs_kind).name}"  # type: ignore[union-attr]
    required = [s for s in framework.narrative_sections if s.required]
    outline = ["sections/intro.md"] + [
        s.id if s.id in BUILTIN else f"sections/{s.id}.md" for s in required
    ]
    # The sources table and the conditions, in every round (some list them as optional).
    outline += [name for name in ("conditions", "funding") if name not in outline]
    files: dict[str, str] = {
        "plan.yaml": (
            f"format: 1\nframework: {framework.id}\n"
            f"title: Better Care Fund Plan {framework.name}\n"
            "area:\n  name: Testshire\n  board: Testshire Health and Wellbeing Board\n"
            'status: draft\nversion: "0.1"\ndate: 2025-03-14\n'
            "partners:\n"
            "  - {id: council, name: Testshire Council, kind: local-authority}\n"
            f"  - {{id: nhs, name: {nhs_name}, kind: {nhs_kind}}}\n"
            "outline:\n" + _yaml_list(outline)
        ),
        "sections/intro.md": (
            "---\ntitle: Introduction\n---\n"
            f'The pooled fund is {{{{ funding.pool["{years[0]}"] | money }}}} in {years[0]}.\n'
        ),
        "vision.yaml": "statement: People in Testshire live well at home for longer.\n",
    }
    for section in required:
        if section.id not in BUILTIN:
            files[f"sections/{section.id}.md"] = (
                f"---\ntitle: {json.dumps(section.title)}\nheading: false\n---\n"
                f"Testshire's text for {section.id}.\n"
            )
    mandatory = [s for s in framework.funding_sources if s.mandatory]
    sources, lines = [], []
    social_care = "Social care"
    scheme_type = framework.scheme_types[0]
    for i, source in enumerate(mandatory):
        contributor = (
            "nhs" if framework.contributor_role(source) == "nhs-commissioner" else "council"
        )
        amount = (
            SOCIAL_CARE + OUT_OF_HOSPITAL if source.type == "nhs-minimum" else 100_000 * (i + 1)
        )
        amounts = "{" + ", ".join(f"{y}: {amount}" for y in years) + "}"
        sources.append(
            f"  - id: {source.type}\n    name: {source.name}\n"
            f"    contributor: {contributor}\n    amounts: {amounts}\n"
        )
        split = (
            [(social_care, "council", SOCIAL_CARE), ("Community health", "nhs", OUT_OF_HOSPITAL)]
            if source.type == "nhs-minimum"
            else [(social_care, contributor, amount)]
        )
        for area, commissioner, part in split:
            lines.append(
                f"  - line: {source.name} ({area})\n    type: {scheme_type}\n"
                f"    area: {area}\n    commissioner: {commissioner}\n"
                f"    source: {source.type}\n"
                "    amounts: {" + ", ".join(f"{y}: {part}" for y in years) + "}\n"
            )
    fences = []
    for rule in framework.rules:
        if rule.kind == "minimum":
            amount = SOCIAL_CARE if rule.id == "nhs-min-asc" else OUT_OF_HOSPITAL
            fences += [f"  - {{rule: {rule.id}, year: {y}, amount: {amount}}}\n" for y in years]
    files["funding.yaml"] = "sources:\n" + "".join(sources) + "ring_fences:\n" + "".join(fences)
    files["schemes/s1.yaml"] = (
        "id: S1\nname: Home first\nlead: council\n"
        f"metrics: [{framework.metrics[0].id}]\n"
        "expenditure:\n" + "".join(lines) + "purpose: I get the help I need at home.\n"
        "summary: Care and support at home.\n"
    )
    metrics = []
    for metric in framework.metrics:
        targets = ", ".join(f"{y}: 40" for y in years)
        metrics.append(
            f"  - id: {metric.id}\n    baseline: {{period: {_year_before(years[0])}, value: 50}}\n"
            f"    targets: {{{targets}}}\n"
        )
    files["metrics.yaml"] = "metrics:\n" + "".join(metrics)
    files["conditions.yaml"] = "conditions:\n" + "".join(
        f"  - id: {c.id}\n    status: met\n    response: Testshire meets {c.id}.\n"
        for c in framework.conditions
    )
    return files


def _year_before(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


@dataclass
class Built:
    framework: Framework
    findings: Findings
    plan: object
    docx_text: str
    pdf_text: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Every round's plan checked and built once: Word (no LibreOffice pass) and PDF."""
    result = {}
    for framework_id in PACKS:
        framework = pack(framework_id)
        folder = write_plan(
            tmp_path_factory.mktemp(framework_id),
            round_plan(framework, ROUNDS[framework_id].nhs),  # type: ignore[arg-type]
        )
        checked = check_plan(folder)
        assert checked.document is not None, [f.format() for f in checked.findings]
        docx, _ = render_format("docx", checked.document, folder, paginate=False)
        pdf, _ = render_format("pdf", checked.document, folder)
        docx_text = "\n".join(
            [p.text for p in DocxDocument(io.BytesIO(docx)).paragraphs]
            + [
                cell.text
                for table in DocxDocument(io.BytesIO(docx)).tables
                for row in table.rows
                for cell in row.cells
            ]
        )
        pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        result[framework_id] = Built(framework, checked.findings, checked.plan, docx_text, pdf_text)
    return result


# ------------------------------------------------------------------ the packs


def test_a_pack_for_every_round_with_a_plan() -> None:
    assert available(TEMPLATES) == PACKS


@pytest.mark.parametrize("framework_id", PACKS)
def test_pack_loads_cleanly_and_matches_the_round(framework_id: str) -> None:
    framework = pack(framework_id)
    expected = ROUNDS[framework_id]
    assert tuple(framework.years) == expected.years
    assert len(framework.conditions) == expected.conditions
    assert [c.id for c in framework.conditions] == [
        f"NC{i}" for i in range(1, expected.conditions + 1)
    ]
    assert {s.type for s in framework.funding_sources if s.mandatory} == expected.sources
    assert {m.id for m in framework.metrics} == expected.metrics
    # The NHS commissioner is the round's own kind, and every source's payer has a role.
    assert framework.role(expected.nhs) == "nhs-commissioner"
    assert all(framework.contributor_role(s) for s in framework.funding_sources)
    assert framework.role("local-authority") == "local-authority"
    assert framework.role("district-council") == "district-council"
    # Rules only name areas of spend the pack has.
    for rule in framework.rules:
        if rule.measure:
            assert set(rule.measure.areas + rule.measure.exclude_areas) <= set(
                framework.areas_of_spend
            )


@pytest.mark.parametrize("framework_id", PACKS)
def test_uncertain_facts_are_marked(framework_id: str) -> None:
    assert "# uncertain:" in (TEMPLATES / "frameworks" / f"{framework_id}.yaml").read_text()


def test_ccgs_until_2022_icbs_since() -> None:
    kinds = {f: {k.id for k in pack(f).partner_kinds} for f in PACKS}
    for framework_id in ("bcf-2015-16", "bcf-2016-17", "bcf-2017-19", "bcf-2019-20", "bcf-2021-22"):
        assert "ccg" in kinds[framework_id] and "icb" not in kinds[framework_id]
    assert {"ccg", "icb"} <= kinds["bcf-2022-23"]  # ICBs replaced CCGs during the round
    for framework_id in ("bcf-2023-25", "bcf-2025-26"):
        assert "icb" in kinds[framework_id] and "ccg" not in kinds[framework_id]


def test_a_pack_without_partner_kinds_gets_todays(tmp_path: Path) -> None:
    text = (TEMPLATES / "frameworks" / "bcf-2025-26.yaml").read_text()
    start, end = text.index("partner_kinds:"), text.index("# Kinds of funding")
    old_style = text[:start].replace("id: bcf-2025-26", "id: bcf-old") + text[end:].replace(
        "contributor: nhs-commissioner", "contributor: icb"
    ).replace("commissioner_roles: [nhs-commissioner]", "commissioner_kinds: [icb]")
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "bcf-old.yaml").write_text(old_style)
    findings = Findings()
    framework = load_framework("bcf-old", tmp_path, Location("test"), findings)
    assert framework is not None and list(findings) == []
    assert [k.id for k in framework.partner_kinds] == [
        "local-authority",
        "district-council",
        "icb",
        "nhs-trust",
        "voluntary-sector",
        "other",
    ]
    assert framework.contributor_role(framework.funding_sources[0]) == "nhs-commissioner"


def test_a_pack_naming_a_kind_it_does_not_have_is_reported(tmp_path: Path) -> None:
    text = (TEMPLATES / "frameworks" / "bcf-2017-19.yaml").read_text()
    broken = text.replace("id: bcf-2017-19", "id: bcf-broken").replace(
        "commissioner_roles: [nhs-commissioner]", "commissioner_kinds: [icb]"
    )
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "bcf-broken.yaml").write_text(broken)
    findings = Findings()
    assert load_framework("bcf-broken", tmp_path, Location("test"), findings) is None
    finding = only(findings, "framework.partner-kind")
    assert finding.file == "templates/frameworks/bcf-broken.yaml"
    line = broken.splitlines()[finding.line - 1]
    assert "commissioner_kinds: [icb]" in line
    assert "ccg" in finding.hint or "commissioner_roles" in finding.hint


# ------------------------------------------------------------------ plans of every round


@pytest.mark.parametrize("framework_id", PACKS)
def test_a_plan_of_each_round_checks_clean(built: dict[str, Built], framework_id: str) -> None:
    findings = built[framework_id].findings
    assert [f.format() for f in findings.errors] == []
    assert not [f for f in findings if f.code.startswith(("partner.", "money.", "ref."))]


# 2015-16 had no out-of-hospital ring-fence (its NHS money was tied to performance).
WITH_OOH = [p for p in PACKS if p != "bcf-2015-16"]


def test_only_2015_16_lacks_the_out_of_hospital_ring_fence() -> None:
    assert [p for p in PACKS if pack(p).rule("ooh-ringfence") is None] == ["bcf-2015-16"]


@pytest.mark.parametrize("framework_id", WITH_OOH)
def test_nhs_commissioned_spend_counts_in_every_round(
    built: dict[str, Built], framework_id: str
) -> None:
    # The out-of-hospital line is commissioned by the round's NHS partner (a CCG up to
    # 2021-22): it counts as NHS-commissioned by role, whatever the kind is called.
    entry = built[framework_id]
    rule = entry.framework.rule("ooh-ringfence")
    assert rule is not None
    for year in entry.framework.years:
        assert rule_planned(entry.plan, rule, year) == OUT_OF_HOSPITAL  # type: ignore[arg-type]


@pytest.mark.parametrize("framework_id", PACKS)
def test_a_plan_of_each_round_builds(built: dict[str, Built], framework_id: str) -> None:
    entry = built[framework_id]
    nhs_name = entry.framework.partner_kind(ROUNDS[framework_id].nhs).name  # type: ignore[union-attr]
    for text in (entry.docx_text, entry.pdf_text):
        flat = " ".join(text.split())
        assert f"NHS Testshire {nhs_name}" in flat
        assert "£1,000,000" in flat  # the NHS minimum, as a source of the pool
        # Every national condition of the round is printed with its title.
        for condition in entry.framework.conditions:
            assert " ".join(condition.title.split()[:3]) in flat


def test_2017_19_plan_with_ccg_partners_has_no_kind_finding(built: dict[str, Built]) -> None:
    entry = built["bcf-2017-19"]
    assert entry.plan.meta.partners[1].kind == "ccg"  # type: ignore[attr-defined]
    assert not [f for f in entry.findings if f.code.startswith("partner")]
    assert "NHS Testshire Clinical Commissioning Group" in " ".join(entry.pdf_text.split())


def test_ccg_in_a_2025_26_plan_is_a_partner_kind_finding(tmp_path: Path) -> None:
    framework = pack("bcf-2025-26")
    folder = write_plan(tmp_path / "p", round_plan(framework, "icb"))  # type: ignore[arg-type]
    text = (folder / "plan.yaml").read_text().replace("kind: icb}", "kind: ccg}")
    (folder / "plan.yaml").write_text(text)
    finding = only(check_plan(folder).findings, "partner.kind")
    assert finding.severity.value == "error"
    assert finding.file == "plan.yaml"
    assert "kind: ccg" in text.splitlines()[finding.line - 1]
    assert text.splitlines()[finding.line - 1][finding.column - 1 :].startswith("ccg")
    assert "'icb' (Integrated Care Board)" in finding.hint
    assert "partner kinds in bcf-2025-26: local-authority" in finding.hint


def test_a_misspelt_kind_gets_did_you_mean(tmp_path: Path) -> None:
    framework = pack("bcf-2017-19")
    folder = write_plan(tmp_path / "p", round_plan(framework, "ccg"))  # type: ignore[arg-type]
    text = (folder / "plan.yaml").read_text().replace("kind: local-authority", "kind: local-auth")
    (folder / "plan.yaml").write_text(text)
    finding = only(check_plan(folder).findings, "partner.kind")
    assert "did you mean 'local-authority'?" in finding.hint
    assert "ccg (Clinical Commissioning Group)" in finding.hint


def test_district_council_role_switches_on_passporting(tmp_path: Path) -> None:
    framework = pack("bcf-2017-19")
    files = round_plan(framework, "ccg")
    files["plan.yaml"] = files["plan.yaml"].replace(
        "outline:",
        "  - {id: north, name: North District Council, kind: district-council}\noutline:",
    )
    folder = write_plan(tmp_path / "p", files)  # type: ignore[arg-type]
    codes = [f.code for f in check_plan(folder).findings.errors]
    assert codes.count("money.dfg-passported") == 2  # one per year: nothing is passed on


# ------------------------------------------------------------------ new, frameworks


@pytest.mark.parametrize("framework_id", PACKS)
def test_new_scaffolds_the_rounds_partners(tmp_path: Path, framework_id: str) -> None:
    import datetime as dt

    import yaml

    framework = pack(framework_id)
    scaffold(tmp_path / "p", "Northshire", framework, dt.date(2025, 1, 6))
    meta = yaml.safe_load((tmp_path / "p" / "plan.yaml").read_text())
    kinds = [p["kind"] for p in meta["partners"]]
    assert kinds == ["local-authority", ROUNDS[framework_id].nhs]
    checked = check_plan(tmp_path / "p")
    assert [f.format() for f in checked.findings.errors] == []


def test_frameworks_command_lists_every_pack() -> None:
    result = CliRunner().invoke(main, ["frameworks"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for framework_id in PACKS:
        assert framework_id in result.output
    row = next(line for line in result.output.splitlines() if "bcf-2017-19" in line)
    assert "2017-18, 2018-19" in row and "ccg" in row and "icb" not in row


def test_frameworks_command_as_json() -> None:
    result = CliRunner().invoke(main, ["frameworks", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert sorted(rows) == PACKS
    assert rows["bcf-2023-25"]["years"] == ["2023-24", "2024-25"]
    assert rows["bcf-2016-17"]["conditions"] == 8
    kinds = {k["id"]: k["role"] for k in rows["bcf-2017-19"]["partner_kinds"]}
    assert kinds["ccg"] == "nhs-commissioner"
    assert kinds["district-council"] == "district-council"


def test_frameworks_command_reports_a_broken_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bcf_docgen.content.reader as reader

    (tmp_path / "frameworks").mkdir()
    good = (TEMPLATES / "frameworks" / "bcf-2017-19.yaml").read_text()
    (tmp_path / "frameworks" / "bcf-2017-19.yaml").write_text(good)
    twice = good.replace("id: bcf-2017-19", "id: bcf-twice").replace(
        "  - {id: other, name: Other, role: other}",
        "  - {id: other, name: Other, role: other}\n  - {id: ccg, name: CCG again, role: other}",
    )
    (tmp_path / "frameworks" / "bcf-twice.yaml").write_text(twice)
    monkeypatch.setattr(reader, "default_templates", lambda: tmp_path)
    result = CliRunner().invoke(main, ["frameworks", "--format", "json"])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == ["bcf-2017-19", "bcf-twice"]
    assert rows[1]["broken"] is True
    problem = rows[1]["problems"][0]
    assert problem["code"] == "framework.partner-kind"
    assert "'ccg' is listed twice" in problem["message"]
    assert "CCG again" in twice.splitlines()[problem["line"] - 1]
