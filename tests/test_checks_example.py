"""The shipped example passes every check; a copy with one defect of every kind fails each.

The copy is edited as an author would edit it (text replaced in the files), and every
expected finding is looked for by its code and `file:line`, the line found by searching
the edited file for the defect's own text.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import run_cli

from bcf_docgen.cli import main
from bcf_docgen.findings import Severity
from bcf_docgen.pipeline import check_plan

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"


def test_example_plan_has_no_errors_or_warnings() -> None:
    result = check_plan(EXAMPLE)
    assert result.plan is not None
    assert [f.format() for f in result.findings] == []


class Copy:
    """A copy of the example to break, one `edit` at a time."""

    def __init__(self, root: Path):
        self.root = root

    def text(self, file: str) -> str:
        return (self.root / file).read_text(encoding="utf-8")

    def edit(self, file: str, old: str, new: str) -> None:
        text = self.text(file)
        assert text.count(old) == 1, f"{old!r} is not once in {file}"
        (self.root / file).write_text(text.replace(old, new, 1), encoding="utf-8")

    def write(self, file: str, text: str) -> None:
        (self.root / file).parent.mkdir(parents=True, exist_ok=True)
        (self.root / file).write_text(text, encoding="utf-8")

    def at(self, file: str, text: str) -> Callable[[], int]:
        """The line of `text` in `file`, looked up when called."""
        return lambda: self.line(file, text)

    def line(self, file: str, text: str) -> int:
        """The line of `text` in `file` (which must hold it once)."""
        whole = self.text(file)
        assert whole.count(text) == 1, f"{text!r} is not once in {file}"
        return whole[: whole.index(text)].count("\n") + 1


def break_everything(copy: Copy) -> dict[tuple[str, str], int]:
    """One defect of every kind; returns (code, file) -> the line it must be reported at."""
    expect: dict[tuple[str, str], Any] = {}
    c = copy

    # -- money
    c.edit(
        "schemes/s11-integration-enablers.yaml",
        "amounts: {2025-26: 160_000}",
        "amounts: {2025-26: 150_000}",
    )
    expect["money.unallocated", "funding.yaml"] = c.at("funding.yaml", "{2025-26: 1_040_000}")
    c.edit("funding.yaml", "amount: 4_072_518}", "amount: 4_072_000}")
    expect["money.control-total", "funding.yaml"] = c.at("funding.yaml", "amount: 4_072_000}")
    c.edit("funding.yaml", "amount: 8_652_000}", "amount: 9_500_000}")
    expect["money.ring-fence", "funding.yaml"] = c.at("funding.yaml", "amount: 9_500_000}")
    c.edit("funding.yaml", "{2025-26: 1_956_614}}", "{2025-26: 1_950_000}}")
    expect["money.dfg-passported", "funding.yaml"] = c.at("funding.yaml", "{to: north-district")
    c.edit(
        "schemes/s11-integration-enablers.yaml",
        "amounts: {2025-26: 285_000}",
        "amounts: {2025-26: 285_000, 2026-27: 285_000}",
    )
    expect["money.year", "schemes/s11-integration-enablers.yaml"] = c.at(
        "schemes/s11-integration-enablers.yaml", "2026-27: 285_000"
    )

    # -- stated totals in a Markdown table
    c.edit("sections/background.md", "| Total | 612,400 |", "| Total | 612,500 |")
    expect["table.total", "sections/background.md"] = c.at(
        "sections/background.md", "| Total | 612,500 |"
    )

    # -- placeholders: in a section, a title, a table of YAML text, and empty text
    c.edit(
        "sections/governance.md",
        "## Managing risk\n",
        "## Managing risk\n\nThe date of the next review is TBC.\n",
    )
    expect["text.placeholder", "sections/governance.md"] = c.at(
        "sections/governance.md", "review is TBC"
    )
    c.edit("sections/glossary.md", "title: Glossary", "title: Glossary (Table xx)")
    expect["text.placeholder", "sections/glossary.md"] = 3
    c.edit(
        "risks.yaml",
        "Care Quality Commission.",
        "Care Quality Commission. [Outcome of the meeting to be inserted here]",
    )
    expect["text.placeholder", "risks.yaml"] = c.at("risks.yaml", "[Outcome of the meeting")
    c.write(
        "schemes/s12-community-transport.yaml",
        "id: S12\n"
        "name: Community transport\n"
        "lead: council\n"
        "purpose: I can get to my appointments.\n"
        'summary: ""\n',
    )
    expect["text.empty", "schemes/s12-community-transport.yaml"] = 5
    expect["scheme.no-expenditure", "schemes/s12-community-transport.yaml"] = 1
    expect["scheme.no-metric", "schemes/s12-community-transport.yaml"] = 1

    # -- references
    c.edit(
        "sections/governance.md",
        "The date of the next review is TBC.\n",
        "The date of the next review is TBC.\n\nSee @sec:governence.\n",
    )
    expect["ref.unresolved", "sections/governance.md"] = c.at(
        "sections/governance.md", "@sec:governence"
    )
    c.edit("schemes/s02-falls-and-technology.yaml", "lead: council", "lead: counsil")
    expect["ref.partner", "schemes/s02-falls-and-technology.yaml"] = 4
    s3 = "schemes/s03-integrated-neighbourhood-teams.yaml"
    c.edit(s3, "metrics: [emergency-admissions-65,", "metrics: [emergency-admisions-65,")
    expect["ref.metric", s3] = c.at(s3, "emergency-admisions-65")
    s4 = "schemes/s04-urgent-community-response.yaml"
    c.edit(s4, "conditions: [NC2, NC3]", "conditions: [NC2, NC9]")
    expect["ref.condition", s4] = c.at(s4, "NC9")
    s8 = "schemes/s08-unpaid-carers.yaml"
    c.edit(s8, "    source: additional-la\n", "    source: additional-lla\n")
    expect["ref.source", s8] = c.at(s8, "additional-lla")
    c.edit(
        "sections/progress.md",
        "## What we learned\n",
        "## What we learned\n\nAs section 1 explains, and Table 42 shows, lessons matter.\n",
    )
    expect["ref.hard-coded", "sections/progress.md"] = c.at("sections/progress.md", "section 1")
    expect["ref.hard-coded-missing", "sections/progress.md"] = c.at(
        "sections/progress.md", "Table 42"
    )

    # -- completeness against the framework
    conditions = c.text("conditions.yaml")
    nc3 = re.search(r"  - id: NC3\n.*?(?=  - id: NC4)", conditions, re.DOTALL)
    assert nc3 is not None
    c.write("conditions.yaml", conditions.replace(nc3.group(0), ""))
    expect["condition.missing", "conditions.yaml"] = c.at("conditions.yaml", "conditions:")
    metrics = c.text("metrics.yaml")
    block = re.search(
        r"(  - id: residential-admissions-65\n)    baseline: .*?\n    targets:\n(?:      .*\n)+",
        metrics,
    )
    assert block is not None
    c.write("metrics.yaml", metrics.replace(block.group(0), block.group(1) + "    targets: {}\n"))
    expect["metric.baseline", "metrics.yaml"] = c.at("metrics.yaml", "residential-admissions-65")
    expect["metric.target", "metrics.yaml"] = expect["metric.baseline", "metrics.yaml"]
    risks = c.text("risks.yaml")
    r5 = risks.index("  - id: R5")
    c.write("risks.yaml", risks[:r5] + risks[r5:].replace("    owner: icb\n", "", 1))
    expect["risk.owner", "risks.yaml"] = c.at("risks.yaml", "  - id: R5")
    c.edit(
        "risks.yaml",
        "      - Data protection impact assessment completed and signed off by both partners "
        "in August 2025.\n"
        "      - Fortnightly supplier meetings with a named technical lead from each partner.\n",
        "",
    )
    c.edit(
        "risks.yaml",
        "    owner: icb\n    mitigations:\n    residual:",
        "    owner: icb\n    residual:",
    )
    expect["risk.mitigation", "risks.yaml"] = c.at("risks.yaml", "  - id: R8")
    c.edit("plan.yaml", "  - sections/engagement.md\n", "")
    expect["section.missing", "plan.yaml"] = c.at("plan.yaml", "outline:")

    # -- consistency
    c.edit("plan.yaml", 'version: "1.1", date: 2025-07-22', 'version: "1.1", date: 2025-03-01')
    expect["history.order", "plan.yaml"] = c.at("plan.yaml", 'version: "1.1"')
    c.edit("plan.yaml", 'version: "1.2", date: 2025-10-14', 'version: "1.3", date: 2025-11-01')
    expect["history.version", "plan.yaml"] = c.at("plan.yaml", 'version: "1.3"')
    expect["history.date", "plan.yaml"] = c.at("plan.yaml", 'version: "1.3"')
    c.edit("signoff.yaml", "date: 2025-10-16", "date: 2025-10-01")
    expect["signoff.date", "signoff.yaml"] = c.at("signoff.yaml", "2025-10-01")
    c.edit("metrics.yaml", "2025-26: 23_600", "2025-26: 24_500")
    expect["metric.direction", "metrics.yaml"] = c.at("metrics.yaml", "2025-26: 24_500")
    risks = c.text("risks.yaml")
    r4 = risks.index("  - id: R4")
    c.write("risks.yaml", risks[:r4] + risks[r4:].replace("likelihood: 4", "likelihood: 6", 1))
    expect["risk.scale", "risks.yaml"] = c.at("risks.yaml", "likelihood: 6")
    c.edit(
        "risks.yaml",
        "    likelihood: 4\n    impact: 4\n    owner: council\n    mitigations:\n"
        "      - Two-year fee settlement",
        "    likelihood: 4\n    impact: 4\n    rating: amber\n    owner: council\n"
        "    mitigations:\n      - Two-year fee settlement",
    )
    expect["risk.rating", "risks.yaml"] = c.at("risks.yaml", "rating: amber")

    # -- accessibility
    background = c.text("sections/background.md")
    c.write(
        "sections/background.md",
        re.sub(
            r'\{#fig:population-projection alt="[^"]*"\}',
            "{#fig:population-projection}",
            background,
        ),
    )
    expect["a11y.alt-text", "sections/background.md"] = c.at(
        "sections/background.md", "{#fig:population-projection}"
    )
    c.edit(
        "sections/equality.md",
        "## Monitoring\n",
        "## Monitoring\n\n#### Detail\n\nRead the guidance [click here](https://example.org).\n\n"
        "|  |  |\n|---|---|\n| a | b |\n\n",
    )
    expect["a11y.heading-skip", "sections/equality.md"] = c.at(
        "sections/equality.md", "#### Detail"
    )
    expect["a11y.link-text", "sections/equality.md"] = c.at("sections/equality.md", "[click here]")
    expect["a11y.table-header", "sections/equality.md"] = c.at("sections/equality.md", "|  |  |")
    c.write(
        "templates/rag-summary.md.j2",
        "---\ntitle: Risks at a glance\n---\n| Risk | Rating |\n|---|---|\n| R1 | 🔴 |\n",
    )
    c.edit("plan.yaml", "  - risks\n", "  - risks\n  - rag-summary\n")
    expect["a11y.rag-colour", "templates/rag-summary.md.j2"] = 6
    # Lines are looked up once every edit is made, as later edits move earlier lines.
    return {key: value() if callable(value) else value for key, value in expect.items()}


FINAL_ONLY = {"signoff.undated", "plan.outstanding", "history.current"}
ALWAYS_WARNINGS = {
    "ref.hard-coded",
    "metric.direction",
    "a11y.heading-skip",
    "a11y.link-text",
    "a11y.table-header",
}


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Copy, dict[tuple[str, str], int]]:
    root = tmp_path / "kingsmere"
    shutil.copytree(EXAMPLE, root)
    copy = Copy(root)
    return copy, break_everything(copy)


def test_every_defect_is_found_at_its_file_and_line(broken) -> None:
    copy, expect = broken
    result = check_plan(copy.root)
    found = {(f.code, f.file, f.line) for f in result.findings}
    missing = [(code, file, line) for (code, file), line in expect.items()]
    missing = [m for m in missing if m not in found]
    assert missing == [], "\n".join(f.format() + f" [{f.code}]" for f in result.findings.sorted())
    # The final-plan rules stay quiet in a draft.
    assert not {f.code for f in result.findings} & FINAL_ONLY

    # In a final plan everything is an error but the advice that stays advice.
    copy.edit("plan.yaml", "status: draft", "status: final")
    final = check_plan(copy.root)
    severity = {(f.code, f.file, f.line): f.severity for f in final.findings}
    for (code, file), line in expect.items():
        wanted = Severity.WARNING if code in ALWAYS_WARNINGS else Severity.ERROR
        assert severity.get((code, file, line)) is wanted, (code, file, line)
    assert {f.code for f in final.findings.errors} >= FINAL_ONLY


def test_a_final_plan_with_errors_is_refused_and_outputs_are_left_alone(broken) -> None:
    copy, _expect = broken
    copy.edit("plan.yaml", "status: draft", "status: final")
    out = copy.root.parent / "out"
    out.mkdir()
    earlier = {}
    for name in ("kingsmere-bcf-2025-26.html", "kingsmere-bcf-2025-26-check.txt"):
        path = out / name
        path.write_bytes(b"an earlier, good build\n")
        os.utime(path, (1_600_000_000, 1_600_000_000))
        earlier[name] = (path.read_bytes(), path.stat().st_mtime_ns)
    run = run_cli("build", copy.root, "--out", out, "--to", "html")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "refused" in run.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(earlier)
    for name, (data, mtime) in earlier.items():
        assert (out / name).read_bytes() == data
        assert (out / name).stat().st_mtime_ns == mtime


def test_check_json_lists_every_defect(broken) -> None:
    import json

    copy, expect = broken
    run = CliRunner().invoke(main, ["check", str(copy.root), "--format", "json"])
    assert run.exit_code == 1
    data = json.loads(run.stdout)
    listed = {(f["code"], f["file"], f["line"]) for f in data["findings"]}
    assert {(code, file, line) for (code, file), line in expect.items()} <= listed
    assert data["errors"] == sum(f["severity"] == "error" for f in data["findings"])
    assert data["warnings"] == sum(f["severity"] == "warning" for f in data["findings"])


def test_negative_pounds_in_the_example_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "kingsmere"
    shutil.copytree(EXAMPLE, root)
    copy = Copy(root)
    s11 = "schemes/s11-integration-enablers.yaml"
    copy.edit(s11, "amounts: {2025-26: 160_000}", "amounts: {2025-26: -160_000}")
    result = check_plan(root)
    money = [f for f in result.findings if f.code == "schema.money"]
    assert [(f.file, f.line, f.severity) for f in money] == [
        (s11, copy.line(s11, "-160_000"), Severity.ERROR)
    ]
