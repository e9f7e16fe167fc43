"""Shared fixtures: a small valid plan folder that each test may break one file of.

`make_plan(overrides)` writes BASE_PLAN into a fresh folder under tmp_path, with
`overrides` (relative path -> text, bytes, or None to leave the file out) applied on top,
and returns the folder. Every file is dedented, so line 1 of a file is the first line
of its text below: count lines from there when reading the tests. The base plan is
complete for its framework, so `check` finds nothing in it: a test's change makes the
only findings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bcf_docgen.findings import Finding, Findings

if TYPE_CHECKING:
    from bcf_docgen.document.model import Document

PLAN_YAML = textwrap.dedent(
    """\
    format: 1
    framework: bcf-2025-26
    title: Better Care Fund Plan 2025-26
    area:
      name: Testshire
      board: Testshire Health and Wellbeing Board
    status: draft
    version: "0.1"
    date: 2025-03-14
    partners:
      - {id: council, name: Testshire Council, kind: local-authority}
      - {id: icb, name: NHS Testshire Integrated Care Board, kind: icb}
    outline:
      - sections/intro.md
      - sections/executive-summary.md
      - sections/engagement.md
      - sections/governance.md
      - sections/approach-to-integration.md
      - sections/prevention.md
      - sections/hospital-to-home.md
    """
)

# The narrative sections the framework requires, present and short; without a heading
# of their own, so that the document's headings are those of the tests.
REQUIRED_SECTIONS: dict[str, str] = {
    f"sections/{name}.md": f"---\ntitle: {title}\nheading: false\n---\n{text}\n"
    for name, title, text in [
        ("executive-summary", "Executive summary", "The plan in brief."),
        ("engagement", "Engagement", "Partners wrote the plan together."),
        ("governance", "Governance", "The Health and Wellbeing Board oversees the plan."),
        ("approach-to-integration", "Integration", "Health and care work as one."),
        ("prevention", "Prevention", "Help people stay well at home."),
        ("hospital-to-home", "Hospital to home", "Help people home from hospital."),
    ]
}

INTRO_MD = textwrap.dedent(
    """\
    ---
    title: Introduction
    ---
    The pooled fund is {{ funding.pool["2025-26"] | money }}.

    Scheme {{ scheme("S1").name }} spends {{ scheme("S1").total["2025-26"] | money }}.
    """
)

SCHEME_YAML = textwrap.dedent(
    """\
    id: S1
    name: Home first
    lead: council
    metrics: [discharge-delay]
    expenditure:
      - line: Reablement at home
        type: Home-based intermediate care services
        area: Social care
        commissioner: council
        source: nhs-minimum
        amounts: {2025-26: 1000000}
    purpose: I go home from hospital with the help I need.
    summary: Reablement at home after a stay in hospital.
    """
)

FUNDING_YAML = textwrap.dedent(
    """\
    sources:
      - id: nhs-minimum
        name: NHS minimum contribution
        contributor: icb
        amounts: {2025-26: 1000000}
    """
)

METRICS_YAML = textwrap.dedent(
    """\
    metrics:
      - id: discharge-delay
        baseline: {period: 2024-25, value: 1.5}
        targets: {2025-26: 1.2}
      - id: emergency-admissions-65
        baseline: {period: 2024-25, value: 20_000}
        targets: {2025-26: 19_500}
      - id: residential-admissions-65
        baseline: {period: 2024-25, value: 550}
        targets: {2025-26: 530}
    """
)

RISKS_YAML = textwrap.dedent(
    """\
    risks:
      - id: R1
        risk: Demand for home care outstrips capacity over winter
        likelihood: 3
        impact: 4
        owner: council
    """
)

CONDITIONS_YAML = textwrap.dedent(
    """\
    conditions:
      - id: NC1
        status: met
        response: The council and the ICB agreed the plan together.
      - id: NC2
        status: met
        response: The schemes serve both policy objectives.
      - id: NC3
        status: met
        response: The NHS minimum contribution to social care is maintained.
      - id: NC4
        status: met
        response: Partners take part in national oversight.
    """
)

SIGNOFF_YAML = textwrap.dedent(
    """\
    signatories:
      - for: Testshire Health and Wellbeing Board
        name: Cllr A. Person
        position: Chair
        date: 2025-03-28
    """
)

BASE_PLAN: dict[str, str] = {
    "plan.yaml": PLAN_YAML,
    "sections/intro.md": INTRO_MD,
    "schemes/s1.yaml": SCHEME_YAML,
    # Tests add sources or risks to FUNDING_YAML and RISKS_YAML: the base plan's extra
    # lines (which make it complete for the checks) come after them, here.
    "funding.yaml": FUNDING_YAML
    + "ring_fences:\n"
    + "  - {rule: nhs-min-asc, year: 2025-26, amount: 900_000}\n"
    + "  - {rule: ooh-ringfence, year: 2025-26, amount: 0}\n",
    "metrics.yaml": METRICS_YAML,
    "risks.yaml": RISKS_YAML + "    mitigations: [Weekly review of people waiting for care.]\n",
    "conditions.yaml": CONDITIONS_YAML,
    "signoff.yaml": SIGNOFF_YAML,
    **REQUIRED_SECTIONS,
}

MakePlan = Callable[..., Path]


def write_plan(folder: Path, overrides: dict[str, str | bytes | None] | None = None) -> Path:
    """Write BASE_PLAN with `overrides` into `folder` (text is dedented; None removes)."""
    files: dict[str, str | bytes | None] = {**BASE_PLAN, **(overrides or {})}
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        if content is None:
            continue
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return folder


@pytest.fixture
def make_plan(tmp_path: Path) -> MakePlan:
    """A factory: make_plan({"risks.yaml": "..."}) -> the path of a written plan folder."""
    counter = iter(range(1_000_000))

    def make(overrides: dict[str, str | bytes | None] | None = None, name: str = "") -> Path:
        return write_plan(tmp_path / (name or f"plan{next(counter)}"), overrides)

    return make


# ------------------------------------------------------------------- helpers for tests


def only(findings: Findings | list[Finding], code: str) -> Finding:
    """The single finding with `code`; fails listing all findings if not exactly one."""
    items = list(findings)
    matching = [f for f in items if f.code == code]
    assert len(matching) == 1, f"expected one {code}, got:\n" + "\n".join(
        f"{f.format()} [{f.code}]" for f in items
    )
    return matching[0]


def where(finding: Finding) -> tuple[str, int, int]:
    return (finding.file, finding.line, finding.column)


def cli_path() -> str:
    """The installed console script (in the venv running the tests)."""
    script = Path(sys.executable).parent / "bcf-docgen"
    if script.exists():
        return str(script)
    found = shutil.which("bcf-docgen")
    assert found, "the bcf-docgen console script is not installed (pip install -e .)"
    return found


def run_cli(*args: str | os.PathLike[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run bcf-docgen in a subprocess, piped (so no terminal colours), and return the result."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "BCF_DOCGEN_DEBUG")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [cli_path(), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=1800,  # a safety net for a hung command, far above any build
        check=False,
    )


# ------------------------------------------------- the example's builds, made once per run

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def example_document() -> Document:
    """The example plan's Document (one per test module: a test may change it)."""
    from bcf_docgen.pipeline import check_plan

    checked = check_plan(EXAMPLE, None)
    assert checked.document is not None
    return checked.document


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`bcf-docgen build content/example` (Word and PDF), made once per run for every
    module and xdist worker (tests/shared_builds.py). Read it; copy before changing."""
    from shared_builds import shared_output

    def make(out: Path) -> None:
        result = run_cli("build", EXAMPLE, "--out", out)
        assert result.returncode == 0, result.stdout + result.stderr

    return shared_output(tmp_path_factory, "example-build", make)


@pytest.fixture(scope="session")
def example_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`bcf-docgen pack content/example`, made once per run (see example_build)."""
    from shared_builds import shared_output

    def make(out: Path) -> None:
        result = run_cli("pack", EXAMPLE, "--out", out)
        assert result.returncode == 0, result.stdout + result.stderr

    return shared_output(tmp_path_factory, "example-pack", make)
