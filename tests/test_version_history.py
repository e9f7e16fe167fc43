"""The version history read from annotated git tags (`history_from: git-tags`).

Each test puts the small test plan into a real git repository in a temporary folder,
tags it, and reads the document model that a build makes (the Word document and the
PDF are written from it, so they show the same history); one reads a .docx back.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import MakePlan, only, where

from bcf_docgen.document.model import Callout, Document, Table, plain_text
from bcf_docgen.findings import Severity
from bcf_docgen.pipeline import Checked, check_plan
from bcf_docgen.render.docx import render_docx
from bcf_docgen.revisions import PlanRepository

PLAN_YAML = """\
format: 1
framework: bcf-2025-26
title: Better Care Fund Plan 2025-26
area:
  name: Testshire
  board: Testshire Health and Wellbeing Board
status: draft
version: "1.1"
date: 2025-03-14
history_from: git-tags
history:
  - {version: "0.9", date: 2025-01-06, author: Typed Author, summary: Typed by hand}
partners:
  - {id: council, name: Testshire Council, kind: local-authority}
  - {id: icb, name: NHS Testshire Integrated Care Board, kind: icb}
outline:
  - document-control
  - sections/intro.md
  - sections/executive-summary.md
  - sections/engagement.md
  - sections/governance.md
  - sections/approach-to-integration.md
  - sections/prevention.md
  - sections/hospital-to-home.md
"""
SETTING_LINE = 10  # `history_from: git-tags` in PLAN_YAML

# (version, date, author, summary): oldest first, whatever order the tags were made in.
TAGGED = [
    ("1.0", "3 February 2025", "Ann Tagger", "First draft shared with partners"),
    ("1.1", "10 March 2025", "Bob Tagger", "Agreed by the board"),
]


def git(repo: Path, *args: str, who: str = "Ann Tagger", date: str = "") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": who,
        "GIT_AUTHOR_EMAIL": "tagger@example.org",
        "GIT_COMMITTER_NAME": who,
        "GIT_COMMITTER_EMAIL": "tagger@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if date:  # a tag's tagger date is the committer date
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,  # a safety net only
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(make_plan: MakePlan, tmp_path: Path) -> Path:
    """A repository with the plan in `plan/`, tagged 1.0 and v1.1 (annotated), `deployed`
    (lightweight), `tools-1` (annotated, before the plan existed) and `experiment`
    (annotated, on a branch HEAD does not contain). Returns the plan folder."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("Plans of Testshire\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Start", date="2025-01-01T09:00:00+00:00")
    git(root, "tag", "-a", "tools-1", "-m", "Tools", date="2025-01-01T09:00:00+00:00")
    plan = make_plan({"plan.yaml": PLAN_YAML}, name="repo/plan")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "First draft", date="2025-02-03T10:00:00+00:00")
    first = git(root, "rev-parse", "HEAD").strip()
    git(root, "switch", "-q", "-c", "idea")
    git(root, "commit", "-q", "--allow-empty", "-m", "Idea", date="2025-02-20T10:00:00+00:00")
    git(root, "tag", "-a", "experiment", "-m", "Not in main", date="2025-02-20T10:00:00+00:00")
    git(root, "switch", "-q", "main")
    (plan / "sections" / "intro.md").write_text(
        "---\ntitle: Introduction\n---\nThe plan as agreed.\n", encoding="utf-8"
    )
    git(root, "commit", "-q", "-am", "As agreed", date="2025-03-10T15:30:00+00:00")
    # The later version is tagged first: the history is in tagger-date order.
    git(
        root,
        "tag",
        "-a",
        "v1.1",
        "-m",
        "Agreed by the board\n\nAt its meeting of 10 March.",
        who="Bob Tagger",
        date="2025-03-10T16:00:00+00:00",
    )
    git(
        root,
        "tag",
        "-a",
        "1.0",
        first,
        "-m",
        "First draft shared with partners",
        date="2025-02-03T11:00:00+00:00",
    )
    git(root, "tag", "deployed")  # lightweight
    return plan


def history_rows(document: Document) -> list[tuple[str, ...]]:
    [table] = [t for t in document.tables() if t.id == "history"]
    return [tuple(plain_text(c.inlines).strip() for c in row.cells) for row in body(table)]


def body(table: Table) -> list:
    return table.rows[1:] if table.header else table.rows


def uncommitted_notes(document: Document) -> list[str]:
    return [
        " ".join(plain_text(getattr(b, "inlines", [])) for b in callout.blocks).strip()
        for callout in document.walk()
        if isinstance(callout, Callout) and callout.title == "Uncommitted changes"
    ]


def built(plan: Path) -> Checked:
    checked = check_plan(plan, with_pack=False)
    assert checked.document is not None
    assert not checked.findings.errors, [f.format() for f in checked.findings.errors]
    return checked


def test_the_history_is_the_annotated_tags_in_date_order(repo: Path) -> None:
    checked = built(repo)
    assert checked.document is not None
    assert history_rows(checked.document) == TAGGED
    # Not the typed entry, nor the tags before the plan, off HEAD's line, or lightweight.
    assert uncommitted_notes(checked.document) == []
    lightweight = only(checked.findings, "history.lightweight-tag")
    assert lightweight.severity is Severity.WARNING
    assert "deployed" in lightweight.message and "tools-1" not in lightweight.message
    assert where(lightweight) == ("plan.yaml", SETTING_LINE, 15)
    assert [f.code for f in checked.findings.warnings] == ["history.lightweight-tag"]


def test_the_word_document_has_the_same_rows(repo: Path) -> None:
    checked = built(repo)
    assert checked.document is not None
    word = docx.Document(io.BytesIO(render_docx(checked.document)))
    [table] = [t for t in word.tables if t.rows[0].cells[0].text.strip() == "Version"]
    rows = [tuple(cell.text.strip() for cell in row.cells) for row in table.rows[1:]]
    assert rows == TAGGED


def test_a_dirty_tree_says_so_in_document_control(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1742256000")  # 18 March 2025
    (repo / "risks.yaml").write_text(
        (repo / "risks.yaml").read_text(encoding="utf-8").replace("impact: 4", "impact: 3"),
        encoding="utf-8",
    )
    (repo / "sections" / "new.md").write_text("---\ntitle: New\n---\nNot yet added.\n")
    (repo.parent / "elsewhere.txt").write_text("Outside the plan folder: not counted.\n")
    checked = built(repo)
    assert checked.document is not None
    assert uncommitted_notes(checked.document) == [
        "Built from uncommitted changes to 2 files on 18 March 2025: this is not a tagged version."
    ]
    assert history_rows(checked.document) == TAGGED


def test_a_plan_outside_git_keeps_its_typed_history_with_a_warning(
    make_plan: MakePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    checked = check_plan(make_plan({"plan.yaml": PLAN_YAML}), with_pack=False)
    assert checked.document is not None
    assert history_rows(checked.document) == [
        ("0.9", "6 January 2025", "Typed Author", "Typed by hand")
    ]
    assert uncommitted_notes(checked.document) == []
    finding = only(checked.findings, "history.not-in-git")
    assert finding.severity is Severity.WARNING
    assert where(finding) == ("plan.yaml", SETTING_LINE, 15)
    assert "not in a git repository" in finding.message and "typed" in finding.message


def test_findings_about_a_tagged_version_point_at_the_setting(repo: Path) -> None:
    (repo / "plan.yaml").write_text(PLAN_YAML.replace('version: "1.1"', 'version: "1.0"'))
    checked = check_plan(repo, with_pack=False)
    # The tag v1.1 is later than the plan's version: found at `history_from:`, not at
    # the typed entry that the tags replace.
    finding = only(checked.findings, "history.version")
    assert "1.1" in finding.message
    assert (finding.file, finding.line) == ("plan.yaml", SETTING_LINE)


def test_a_revision_that_diff_copies_out_reads_the_tags_as_of_that_commit(repo: Path) -> None:
    (repo / "risks.yaml").write_text("not: [valid\n")  # the working tree is not read
    repository = PlanRepository.of(repo)
    with repository.checkout(repository.revision("1.0")) as copied:
        checked = built(copied)
    assert checked.document is not None
    assert history_rows(checked.document) == TAGGED[:1]
    assert uncommitted_notes(checked.document) == []
    assert not checked.findings.warnings


def test_a_typed_history_reads_no_git(make_plan: MakePlan) -> None:
    typed = PLAN_YAML.replace("history_from: git-tags\n", "")
    checked = built(make_plan({"plan.yaml": typed}))
    assert checked.document is not None
    assert history_rows(checked.document) == [
        ("0.9", "6 January 2025", "Typed Author", "Typed by hand")
    ]
    assert not checked.findings.warnings


def test_a_tag_message_in_another_encoding_reads_without_a_traceback(repo: Path) -> None:
    message = repo.parent.parent / "message.txt"
    message.write_bytes("Révision de mars\n".encode("latin-1"))
    git(repo, "tag", "-a", "0.9", "HEAD~1", "-F", str(message), date="2025-01-20T09:00:00+00:00")
    checked = built(repo)
    assert checked.document is not None
    assert history_rows(checked.document)[0] == (
        "0.9",
        "20 January 2025",
        "Ann Tagger",
        "R\ufffdvision de mars",
    )
