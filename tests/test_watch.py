"""`bcf-docgen watch`: one rebuild per save, errors keep the last good outputs.

The loop is driven with lists of change sets (no file watcher, no sleeping); one test
runs the real watchfiles watcher, and one the command with Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import INTRO_MD, MakePlan, cli_path
from watchfiles import Change

from bcf_docgen.findings import Finding, Findings, Location, Severity
from bcf_docgen.watch import Rebuilder, editor_file, findings_change, watch, watch_loop

SLUG = "testshire-bcf-2025-26"


def rebuilder_for(plan: Path, out: Path, formats=("html", "docx")) -> tuple[Rebuilder, list]:
    messages: list[str] = []
    shown: list = []

    def say(message: str) -> None:
        messages.append(message)

    rebuilder = Rebuilder(plan, out, formats, say=say, show_findings=shown.append, background=False)
    return rebuilder, messages


def saved(plan: Path, relative: str) -> set[tuple[Change, str]]:
    return {(Change.modified, str(plan / relative))}


def outputs(out: Path, formats=("html", "docx")) -> dict[str, bytes]:
    return {fmt: (out / f"{SLUG}.{fmt}").read_bytes() for fmt in formats}


def test_one_save_gives_exactly_one_rebuild(make_plan: MakePlan, tmp_path: Path):
    plan, out = make_plan(), tmp_path / "out"
    rebuilder, messages = rebuilder_for(plan, out)
    first = rebuilder.rebuild()
    assert first.ok and set(first.written) == {"html", "docx"}
    before = outputs(out)

    (plan / "sections/intro.md").write_text(INTRO_MD + "\nA new sentence.\n", encoding="utf-8")
    rebuilds = watch_loop(rebuilder, [saved(plan, "sections/intro.md")])

    assert rebuilds == 1 and rebuilder.generation == 2
    after = outputs(out)
    assert b"A new sentence." in after["html"] and after["html"] != before["html"]
    assert after["docx"] != before["docx"]
    assert any(m.startswith("changed: sections/intro.md") for m in messages)


def test_several_files_saved_together_give_one_rebuild(make_plan: MakePlan, tmp_path: Path):
    plan = make_plan()
    rebuilder, _ = rebuilder_for(plan, tmp_path / "out", formats=("html",))
    rebuilder.rebuild()
    burst = saved(plan, "sections/intro.md") | saved(plan, "risks.yaml")
    assert watch_loop(rebuilder, [burst]) == 1
    assert rebuilder.generation == 2


def test_changes_that_cannot_affect_the_document_are_ignored(make_plan: MakePlan):
    plan = make_plan()
    out = plan / "build"  # outputs inside the plan folder must not trigger a rebuild
    rebuilder, _ = rebuilder_for(plan, out, formats=("html",))
    noise = [
        {(Change.modified, str(out / f"{SLUG}.html"))},
        {(Change.added, str(plan / "sections/.intro.md.swp"))},
        {(Change.added, str(plan / "sections/intro.md~"))},
        {(Change.modified, str(plan / ".git/index"))},
        {(Change.modified, str(plan.parent / "elsewhere.md"))},
        {(Change.added, str(plan / "sections/sedNkOJs9"))},  # sed -i
        {(Change.added, str(plan / "sections/4913"))},  # vim's probe
        {(Change.added, str(plan / "sections/.#intro.md"))},  # Emacs's lock
        {(Change.added, str(plan / "sections/#intro.md#"))},  # Emacs's autosave
        {(Change.added, str(plan / "sections/intro.md.tmp"))},
    ]
    assert watch_loop(rebuilder, noise) == 0
    assert rebuilder.generation == 0


def test_an_error_keeps_the_last_good_outputs(make_plan: MakePlan, tmp_path: Path):
    plan, out = make_plan(), tmp_path / "out"
    rebuilder, messages = rebuilder_for(plan, out)
    rebuilder.rebuild()
    good = outputs(out)
    stamps = {fmt: (out / f"{SLUG}.{fmt}").stat().st_mtime_ns for fmt in good}

    intro = plan / "sections/intro.md"
    intro.write_text(INTRO_MD + "\nSee @tbl:nowhere.\n", encoding="utf-8")
    watch_loop(rebuilder, [saved(plan, "sections/intro.md")])

    assert outputs(out) == good
    assert {fmt: (out / f"{SLUG}.{fmt}").stat().st_mtime_ns for fmt in good} == stamps
    assert "last good outputs are kept" in messages[-1]
    assert rebuilder.generation == 2

    # The watch carries on: the next good save is built.
    intro.write_text(INTRO_MD + "\nFixed.\n", encoding="utf-8")
    watch_loop(rebuilder, [saved(plan, "sections/intro.md")])
    assert b"Fixed." in outputs(out)["html"]


def test_a_broken_yaml_file_is_reported_and_nothing_is_written(make_plan: MakePlan, tmp_path: Path):
    plan, out = make_plan(), tmp_path / "out"
    rebuilder, _ = rebuilder_for(plan, out)
    rebuilder.rebuild()
    good = outputs(out)
    (plan / "plan.yaml").write_text("format: 1\ntitle: [unclosed\n", encoding="utf-8")
    outcome_count = watch_loop(rebuilder, [saved(plan, "plan.yaml")])
    assert outcome_count == 1
    assert outputs(out) == good


def test_a_deleted_plan_folder_is_reported(make_plan: MakePlan, tmp_path: Path):
    plan, out = make_plan(), tmp_path / "out"
    rebuilder, messages = rebuilder_for(plan, out, formats=("html",))
    rebuilder.rebuild()
    (plan / "plan.yaml").unlink()
    outcome = rebuilder.rebuild()
    assert not outcome.ok and "keeping the last good outputs" in messages[-1]
    assert (out / f"{SLUG}.html").exists()


def test_an_older_background_result_never_replaces_a_newer_file(
    make_plan: MakePlan, tmp_path: Path
):
    plan, out = make_plan(), tmp_path / "out"
    rebuilder, _ = rebuilder_for(plan, out, formats=("html", "docx"))
    rebuilder.rebuild()
    rebuilder.rebuild()  # generation 2 is on disk
    current = outputs(out)["docx"]
    assert rebuilder._write("docx", 1, b"stale", SLUG) is None
    assert outputs(out)["docx"] == current
    assert rebuilder._write("docx", 2, b"paged", SLUG) is not None  # same save, paged


def test_the_pdf_and_paged_word_file_follow_in_the_background(make_plan: MakePlan, tmp_path: Path):
    plan, out = make_plan(), tmp_path / "out"
    messages: list[str] = []
    rebuilder = Rebuilder(plan, out, ("html", "docx", "pdf"), say=messages.append)
    try:
        first = rebuilder.rebuild()
        assert set(first.written) == {"html", "docx"}  # the PDF is not waited for
        rebuilder.rebuild()  # a second save while the first is in the background
        assert rebuilder.background.wait(timeout=1800)  # a safety net, not a speed limit
    finally:
        rebuilder.close()
    assert (out / f"{SLUG}.pdf").read_bytes().startswith(b"%PDF")
    assert rebuilder.written["pdf"] == 2  # the newest save's PDF is the one on disk
    assert any(m.startswith("PDF updated") for m in messages)


def test_the_real_file_watcher_rebuilds_once_per_save(make_plan: MakePlan, tmp_path: Path):
    plan, out = make_plan(), tmp_path / "out"
    rebuilder, messages = rebuilder_for(plan, out, formats=("html",))
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(rebuilder, stop), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 300  # generous: a loaded machine is slow
        while not any(m.startswith("watching") for m in messages):
            assert time.monotonic() < deadline, messages
            time.sleep(0.02)
        time.sleep(0.3)  # let the watcher settle on the folder
        (plan / "sections/intro.md").write_text(INTRO_MD + "\nWatched.\n", encoding="utf-8")
        html = out / f"{SLUG}.html"
        while b"Watched." not in html.read_bytes():
            assert time.monotonic() < deadline, messages
            time.sleep(0.02)
        time.sleep(0.5)  # no second rebuild for the same save
    finally:
        stop.set()
        thread.join(timeout=1800)  # a safety net: stop is set, the watcher ends soon
    assert not thread.is_alive()
    assert rebuilder.generation == 2, messages


def start_watch(plan: Path, out: Path) -> subprocess.Popen:
    """`watch` making HTML and a PDF, in a session of its own so that a test can signal
    its whole process group; stderr is read line by line."""
    return subprocess.Popen(
        [cli_path(), "watch", str(plan), "--out", str(out), "--to", "html,pdf"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_stops_the_watch_command_cleanly(make_plan: MakePlan, tmp_path: Path):
    plan, out = make_plan(), tmp_path / "out"
    process = start_watch(plan, out)
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "watching" in line:
            break
    assert (out / f"{SLUG}.html").exists(), lines
    assert sum("outputs:" in line for line in lines) == 1, lines
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it: to the workers too
    _, rest = process.communicate(timeout=1800)  # a safety net, not a speed limit
    assert process.returncode == 0, lines + [rest]
    assert "stopped watching" in rest
    assert "Traceback" not in rest and "leaked" not in rest


def test_the_watch_command_reports_a_missing_plan(tmp_path: Path):
    result = subprocess.run(
        [cli_path(), "watch", str(tmp_path / "nothing")], capture_output=True, text=True
    )
    assert result.returncode == 2


def test_a_failing_word_writer_keeps_its_file_and_says_the_preview_is_new(
    make_plan: MakePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The HTML preview is written first (it never waits for Word); when the Word writer
    then fails, the message says which output is new and which is kept."""
    from bcf_docgen import build

    plan, out = make_plan(), tmp_path / "out"
    rebuilder, messages = rebuilder_for(plan, out)
    rebuilder.rebuild()
    good = outputs(out)
    real = build.render_format

    def docx_fails(fmt: str, *args, **kwargs):
        if fmt == "docx":
            raise RuntimeError("the Word writer broke")
        return real(fmt, *args, **kwargs)

    monkeypatch.setattr(build, "render_format", docx_fails)
    (plan / "sections/intro.md").write_text(INTRO_MD + "\nNew text.\n", encoding="utf-8")
    watch_loop(rebuilder, [saved(plan, "sections/intro.md")])
    now = outputs(out)
    assert "New text." in now["html"].decode() and now["html"] != good["html"]
    assert now["docx"] == good["docx"]
    assert "the HTML preview is up to date" in messages[-1]
    assert "the last good docx is kept" in messages[-1]


def test_editor_files_are_told_from_plan_files():
    for name in ("sedNkOJs9", "sed0a1B2c", "4913", ".#intro.md", "#intro.md#", "a.md~", "a.swp"):
        assert editor_file(name), name
    for name in ("intro.md", "sedation.md", "sed.yaml", "49130.png", "plan.yaml"):
        assert not editor_file(name), name


def finding(message: str, line: int, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(severity, "code", message, Location("sections/intro.md", line, 1))


def test_only_new_and_resolved_findings_are_reported():
    before = Findings([finding("one", 3), finding("two", 5)])
    moved = Findings([finding("one", 4), finding("two", 6), finding("three", 9)])
    change = findings_change(before, moved)
    assert [f.message for f in change.new] == ["three"]  # moved lines are not new
    assert change.resolved == []
    change = findings_change(moved, Findings([finding("two", 6)]))
    assert not change.new and [f.message for f in change.resolved] == ["one", "three"]
    first = findings_change(None, before)  # the first build shows everything
    assert len(first.new) == 2


def test_a_save_shows_only_what_changed_and_the_outputs_once(make_plan: MakePlan, tmp_path: Path):
    plan, out = make_plan(), tmp_path / "out"
    messages: list[str] = []
    shown: list = []
    rebuilder = Rebuilder(
        plan, out, ("html",), say=messages.append, show_findings=shown.append, background=False
    )
    rebuilder.rebuild()
    rebuilder.rebuild()
    assert [m for m in messages if m.startswith("outputs:")] == [f"outputs: {out / SLUG}.html"]
    assert shown == []  # nothing found, nothing shown
    intro = plan / "sections/intro.md"
    intro.write_text(INTRO_MD + "\nSee @tbl:nowhere.\n", encoding="utf-8")
    rebuilder.rebuild()
    assert len(shown) == 1 and len(shown[0].new) == 1 and not shown[0].resolved
    rebuilder.rebuild()  # the same error again: not shown again
    assert len(shown) == 1
    intro.write_text(INTRO_MD, encoding="utf-8")
    rebuilder.rebuild()
    assert len(shown) == 2 and not shown[1].new and len(shown[1].resolved) == 1


@pytest.mark.skipif(os.name != "posix", reason="sends SIGTERM")
def test_sigterm_stops_the_watch_and_its_workers_cleanly(make_plan: MakePlan, tmp_path: Path):
    """With the PDF made by background workers, SIGTERM to the whole process group (as a
    CI job's timeout sends it) ends everything with 143 and no warning or traceback."""
    plan, out = make_plan(), tmp_path / "out"
    process = start_watch(plan, out)
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "outputs:" in line:  # the workers are still starting
            break
    os.killpg(process.pid, signal.SIGTERM)
    _, rest = process.communicate(timeout=1800)  # a safety net, not a speed limit
    assert process.returncode == 143, lines + [rest]
    assert "Traceback" not in rest and "leaked" not in rest, rest
