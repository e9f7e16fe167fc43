"""`bcf-docgen diff`: what changed between two git revisions of a plan (docs/review.md).

The example plan goes into a real git repository in a temporary folder; a second commit
changes one expenditure amount, one risk's likelihood, one metric target and one
sentence. The summary must list each of them, every derived total that moved, with old
and new values, and nothing else; it is checked against the two versions' own tables.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from bcf_docgen.changes import (
    Comparison,
    as_markdown,
    compare,
    document_text,
    textconv,
)
from bcf_docgen.cli import main
from bcf_docgen.document.model import Document, plain_text
from bcf_docgen.findings import Findings, Location, Severity
from bcf_docgen.report import as_sarif
from bcf_docgen.revisions import PlanRepository

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"
LINE_FILE = "schemes/s03-integrated-neighbourhood-teams.yaml"
EDITS = {  # file: (old text, new text), each found once in the example
    LINE_FILE: ("amounts: {2025-26: 1_420_000}", "amounts: {2025-26: 1_520_000}"),
    "metrics.yaml": ("      2025-26: 23_600", "      2025-26: 23_400"),
    "sections/background.md": ("most acute care by", "most hospital care by"),
}
RISK_EDIT = ("  - id: R1\n", "    likelihood: 4\n", "    likelihood: 2\n")


def git(repo: Path, *args: str, author: str = "Ann Author", date: str = "") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "author@example.org",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "author@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
        check=True,
    )
    return done.stdout


def edit_risk(plan: Path) -> None:
    """R1's likelihood 4 -> 2 (only R1's: other risks have likelihood 4 too)."""
    path = plan / "risks.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(RISK_EDIT[0])
    at = text.index(RISK_EDIT[1], start)
    path.write_text(text[:at] + RISK_EDIT[2] + text[at + len(RISK_EDIT[1]) :], encoding="utf-8")


def edited_repo(root: Path) -> Path:
    """A git repository holding the example in `plan/`: commit 1 as it is, commit 2 by
    Bea Reviewer with the four edits. Returns the plan folder."""
    plan = root / "repo" / "plan"
    shutil.copytree(EXAMPLE, plan)
    repo = plan.parent
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "version 1.2", date="2025-10-14T09:00:00+00:00")
    git(repo, "tag", "-a", "v1.2", "-m", "as submitted")
    for name, (old, new) in EDITS.items():
        path = plan / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, name
        path.write_text(text.replace(old, new), encoding="utf-8")
    edit_risk(plan)
    git(
        repo,
        "commit",
        "-qam",
        "four edits",
        author="Bea Reviewer",
        date="2025-11-02T10:30:00+00:00",
    )
    return plan


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    return edited_repo(tmp_path_factory.mktemp("diff"))


@pytest.fixture(scope="module")
def comparison(plan) -> Comparison:
    return compare(plan, "HEAD~1", "HEAD")


def pounds(text: str) -> int:
    negative = text.startswith("-")
    value = int(re.sub(r"[^0-9]", "", text))
    return -value if negative else value


# ------------------------------------------------------------------------- summary


def test_each_edit_is_listed_with_old_and_new_values_and_its_line(comparison, plan):
    summary = comparison.summary
    [money] = summary.of("money")
    assert (money.old, money.new) == ("£1,420,000", "£1,520,000")
    assert money.location is not None and money.location.file == LINE_FILE
    text = (plan / LINE_FILE).read_text(encoding="utf-8")  # the working tree is HEAD
    assert "1_520_000" in text.splitlines()[money.location.line - 1]

    [metric] = summary.of("metric")
    assert "target, 2025-26" in metric.subject
    assert (metric.old, metric.new) == ("23,600", "23,400")
    assert metric.location == Location("metrics.yaml", 9, metric.location.column)

    risks = {c.subject: (c.old, c.new) for c in summary.of("risk")}
    assert risks == {
        "R1: likelihood": ("4", "2"),
        "R1: score": ("16", "8"),
        "R1: rating": ("Red", "Amber"),
    }
    assert all(c.location.file == "risks.yaml" for c in summary.of("risk"))

    sections = {c.subject: c for c in summary.of("section")}
    background = next(c for s, c in sections.items() if "Background" in s)
    assert "acute" in background.old and "hospital care" in background.new
    assert background.location.file == "sections/background.md"
    line = (plan / "sections/background.md").read_text().splitlines()
    assert "most hospital care" in line[background.location.line - 1]


def test_every_total_that_moved_moved_by_the_edit_and_nothing_else_is_listed(comparison):
    summary = comparison.summary
    assert all(c.old != c.new for c in summary.changes)
    assert not summary.of("scheme") and not summary.of("condition")
    totals = summary.of("total")
    assert totals
    for change in totals:  # each total moved by exactly the £100,000 of the one line
        delta = pounds(change.new) - pounds(change.old)
        assert abs(delta) == 100_000, change
        assert change.location is not None
    subjects = " | ".join(c.subject for c in totals)
    for expected in ("Planned spend", "Scheme total S3", "Spend in", "Spend on", "Ring-fence"):
        assert expected in subjects
    assert "Pooled fund" not in subjects  # income did not change
    # The only finding that changed is the over-allocation the edit made.
    [finding] = summary.of("finding")
    assert finding.subject == "appeared" and "money.unallocated" in finding.new


def table_cells(document: Document) -> dict[tuple[str, str, int], str]:
    """(table id, first cell of the row, column) -> the cell's text, for rows whose first
    cell names them once in their table."""
    cells: dict[tuple[str, str, int], str] = {}
    for table in document.tables():
        if not table.id:
            continue
        names = [plain_text(row.cells[0].inlines) if row.cells else "" for row in table.rows]
        for row, name in zip(table.rows, names, strict=True):
            if not name or names.count(name) != 1:
                continue
            for column, cell in enumerate(row.cells):
                cells[(table.id, name, column)] = plain_text(cell.inlines).strip()
    return cells


def test_every_figure_that_changed_in_a_table_is_in_the_summary(comparison):
    """The two builds' tables decide: each cell that changed is explained by an item."""
    before = table_cells(comparison.old.document)
    after = table_cells(comparison.new.document)
    changed = {
        k: (before[k], after[k]) for k in before.keys() & after.keys() if before[k] != after[k]
    }
    assert changed, "the edits change the tables"

    def plain(text: str) -> str:
        return text.split("/")[0].split(" ")[0]  # "16/25" is a score of 16

    pairs = {(plain(c.old), plain(c.new)) for c in comparison.summary.changes}
    thousands = {(plain(c.old), plain(c.new)) for c in comparison.summary.of("total")}
    missing = []
    for key, (old, new) in changed.items():
        pair = (plain(old), plain(new))
        if pair in pairs:
            continue
        # A table in thousands (£9,194k): the same total, rounded.
        if old.endswith("k") and any(
            round(pounds(a) / 1000) == pounds(old) and round(pounds(b) / 1000) == pounds(new)
            for a, b in thousands
        ):
            continue
        missing.append((key, old, new))
    assert not missing


def test_the_markdown_and_json_carry_the_same_items(comparison):
    summary = comparison.summary
    markdown = as_markdown(summary)
    assert markdown.startswith("# Changes from HEAD~1")
    assert "| R1: likelihood | 4 | 2 | `risks.yaml:" in markdown
    assert markdown.count("\n| ") - 2 * len(summary.counts) == len(summary.changes)


def test_revisions_carry_the_commits_author_and_date(comparison):
    new = comparison.new_revision
    assert new.author == "Bea Reviewer"
    assert new.date.isoformat() == "2025-11-02T10:30:00+00:00"
    assert comparison.old_revision.author == "Ann Author"
    assert comparison.authors == ["Bea Reviewer"]


def test_the_working_tree_is_never_touched(plan):
    repo = PlanRepository.of(plan)
    status = git(repo.root, "status", "--porcelain")
    with repo.checkout(repo.revision("v1.2")) as old:
        assert "1_420_000" in (old / LINE_FILE).read_text()
        assert old != plan
    assert not old.exists()  # the temporary copy is gone
    assert git(repo.root, "status", "--porcelain") == status
    assert "1_520_000" in (plan / LINE_FILE).read_text()


# ------------------------------------------------------------------------- command


def test_diff_command_writes_the_summary_and_prints_json(plan, tmp_path):
    out = tmp_path / "out"
    run = CliRunner().invoke(
        main,
        ["diff", str(plan), "--from", "v1.2", "--to", "HEAD", "--out", str(out), "--format", "json"]
        + ["--no-redline"],
    )
    assert run.exit_code == 0, run.output
    data = json.loads(run.stdout)
    assert data["from"].startswith("v1.2") and data["to"].startswith("HEAD")
    assert {k: v for k, v in data["counts"].items() if k in ("money", "metric", "risk")} == {
        "money": 1,
        "metric": 1,
        "risk": 3,
    }
    first = data["changes"][0]
    assert first["file"] == LINE_FILE and first["old"] == "£1,420,000"
    slug = "kingsmere-bcf-2025-26"
    assert json.loads((out / f"{slug}-changes.json").read_text()) == data
    assert (out / f"{slug}-changes.md").read_text().startswith("# Changes from v1.2")
    assert not (out / f"{slug}-redline.docx").exists()


def test_diff_against_the_working_tree_by_default(plan, tmp_path):
    """--to defaults to the working tree: no changes since HEAD."""
    run = CliRunner().invoke(
        main, ["diff", str(plan), "--out", str(tmp_path), "--format", "markdown", "--no-redline"]
    )
    assert run.exit_code == 0, run.output
    assert "to working tree" in run.stdout
    assert "No changes." in run.stdout


@pytest.mark.parametrize(
    ("where", "args", "message"),
    [
        ("outside", [], "is not in a git repository"),
        ("plan", ["--from", "no-such-tag"], "unknown revision 'no-such-tag'"),
        ("empty", ["--from", "HEAD"], "there is no plan at revision 'HEAD'"),
    ],
)
def test_diff_errors_exit_2_with_one_line(plan, tmp_path, where, args, message):
    folders = {"outside": tmp_path / "loose", "plan": plan, "empty": plan.parent / "empty"}
    folder = folders[where]
    if where == "outside":
        shutil.copytree(EXAMPLE, folder)
    folder.mkdir(exist_ok=True)
    run = CliRunner().invoke(main, ["diff", str(folder), "--out", str(tmp_path), *args])
    assert run.exit_code == 2, run.output
    assert message in run.stderr
    assert "Traceback" not in run.output + run.stderr
    if where == "empty":
        folder.rmdir()


# ------------------------------------------------------------------- text for git


def test_document_text_is_one_paragraph_a_line_by_section(comparison):
    text = document_text(comparison.new.document)
    assert "\n# 3 Background and local needs\n" in text
    [line] = [x for x in text.splitlines() if "most hospital care" in x]
    assert line.startswith("Kingsmere is a largely rural county")
    assert "| R1 |" in text and "Table 28: Risk register" in text


def test_textconv_of_a_git_temporary_file_builds_the_plan_with_it(plan, tmp_path):
    """git hands a textconv the old blob as /tmp/XXXXXX_name: the plan is found by name,
    built with the old file in place, and the document shows the old figures."""
    old_blob = git(plan.parent, "show", f"HEAD~1:plan/{LINE_FILE}")
    temporary = tmp_path / "Ab12Cd_s03-integrated-neighbourhood-teams.yaml"
    temporary.write_text(old_blob, encoding="utf-8")
    old_text = textconv(temporary, plan.parent)
    new_text = textconv(plan / LINE_FILE, plan.parent)
    assert "£1,420,000" in old_text and "£1,520,000" not in old_text
    assert "£1,520,000" in new_text
    stray = tmp_path / "notes.txt"
    stray.write_text("not a plan file\n")
    assert textconv(stray, plan.parent) == "not a plan file\n"


def test_git_diff_with_the_bcf_driver_shows_document_changes(plan, tmp_path):
    from conftest import cli_path

    repo = plan.parent
    (repo / ".gitattributes").write_text("*.yaml diff=bcf\n*.md diff=bcf\n")
    git(repo, "config", "diff.bcf.textconv", f"{cli_path()} textconv")
    try:
        shown = git(repo, "diff", "HEAD~1", "HEAD", "--", f"plan/{LINE_FILE}")
    finally:
        (repo / ".gitattributes").unlink()
        git(repo, "config", "--unset", "diff.bcf.textconv")
    # The scheme's total and the executive summary's figure, not just the YAML line.
    assert "-| Total | £9,194,362 |" in shown or "£9,194,362" in shown
    assert any(line.startswith("+") and "£9,294k" in line for line in shown.splitlines())


# -------------------------------------------------------------------------- sarif


def test_check_sarif_names_each_finding_with_its_rule_and_line():
    findings = Findings()
    findings.add(
        Severity.ERROR, "money.unallocated", "over by £1", Location("funding.yaml", 10, 3), "fix it"
    )
    findings.add(Severity.WARNING, "prose.long", "long", Location("sections/a.md", 4))
    data = json.loads(as_sarif(findings, "content/example", "1.0"))
    assert data["version"] == "2.1.0"
    run = data["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["money.unallocated", "prose.long"]
    first, second = run["results"]
    assert first["ruleId"] == "money.unallocated" and first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "content/example/funding.yaml"
    assert location["region"] == {"startLine": 10, "startColumn": 3}
    assert "fix it" in first["message"]["text"]
    assert second["level"] == "warning"


def test_check_format_sarif_on_the_command_line(make_plan):
    folder = make_plan(
        {"risks.yaml": "risks:\n  - id: R1\n    risk: x\n    likelihood: 9\n    impact: 1\n"}
    )
    run = CliRunner().invoke(main, ["check", str(folder), "--format", "sarif"])
    data = json.loads(run.stdout)
    results = data["runs"][0]["results"]
    assert results, run.output
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)


def test_diff_prints_tables_for_people(plan, tmp_path):
    args = ["diff", str(plan), "--from", "HEAD~1", "--to", "HEAD", "--out", str(tmp_path)]
    run = CliRunner().invoke(main, [*args, "--no-redline"])
    assert run.exit_code == 0, run.output
    for words in ("Money", "Totals that moved", "Risks", "£1,420,000", "£1,520,000", "risks.yaml:"):
        assert words in run.stdout
    bad = CliRunner().invoke(main, [*args, "--redline", "docx,odt"])
    assert bad.exit_code == 2 and "'odt' is not one of docx, pdf, html" in bad.stderr
