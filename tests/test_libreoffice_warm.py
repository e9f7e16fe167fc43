"""The warm LibreOffice (render/libreoffice.py `keep_warm`): the same page numbers as a
cold pass, one LibreOffice for many passes, restarted when it dies or hangs, and never
outliving the process that started it.

Real LibreOffice throughout, on a small plan's Word file. Every process the tests start
is found again by the warm office's unique pipe name in /proc and killed at teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import INTRO_MD, write_plan

from bcf_docgen.pipeline import check_plan
from bcf_docgen.render import libreoffice as lo
from bcf_docgen.render.docx import bookmark_names, render_docx

SAFETY_SECONDS = 1800  # only a broken test waits this long
HUNG_SECONDS = 5  # a pass's time in the hung-office test; its outcome does not depend on it


WORDS = (
    "People leave hospital sooner when home care, equipment and support are ready on "
    "the day they are well enough to go. "
) * 6
# Five headings spread over a few pages: enough to tell pages apart, cheap to lay out.
INTRO = INTRO_MD + "".join(
    f"\n## Part {i} of the plan {{#part-{i}}}\n\n" + "\n\n".join([WORDS] * 5) + "\n"
    for i in range(1, 6)
)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[str]]:
    """A few-page Word file and the names of its bookmarks."""
    folder = write_plan(tmp_path_factory.mktemp("warm") / "plan", {"sections/intro.md": INTRO})
    document = check_plan(folder, with_pack=False).document
    assert document is not None
    return render_docx(document), list(bookmark_names(document).values())


@pytest.fixture(scope="module")
def cold(small: tuple[bytes, list[str]]) -> lo.Pages:
    """The pages from a cold pass: BCF_DOCGEN_LIBREOFFICE=cold wins over keep_warm()."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(lo.MODE_VARIABLE, "cold")
        patch.setattr(lo, "_warm_for", None)
        lo.keep_warm()
        pages = lo.paginate(small[0])
        assert lo.warm_office() is None  # no warm LibreOffice was started
    assert pages is not None and pages.total >= 3
    return pages


@pytest.fixture(scope="module")
def warm() -> Iterator[None]:
    """Warm mode in this (test) process, for this module only; ended however it ends."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(lo.MODE_VARIABLE, raising=False)
        patch.setattr(lo, "_warm_for", None)
        lo.keep_warm()
        try:
            yield
        finally:
            office = lo.warm_office()
            lo.close_warm()
            if office is not None:
                kill_all(office.pipe)


def processes(marker: str) -> list[int]:
    """Live processes (not zombies: their command line is empty) whose command line
    holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def kill_all(marker: str) -> None:
    for pid in processes(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def await_none(marker: str) -> list[int]:
    """Wait for the processes holding `marker` to be gone; those left at the safety net."""
    deadline = time.monotonic() + SAFETY_SECONDS
    while (left := processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rsplit(")", 1)[1].split()[0] == "Z"


def assert_same(pages: lo.Pages | None, cold: lo.Pages, names: list[str]) -> None:
    assert pages is not None
    assert pages.total == cold.total
    assert [pages.page_of(n) for n in names] == [cold.page_of(n) for n in names]
    assert all(cold.page_of(n) is not None for n in names)


def test_warm_pages_equal_cold_and_one_office_serves_every_pass(
    cold: lo.Pages, warm: None, small: tuple[bytes, list[str]]
) -> None:
    docx, names = small
    first = lo.paginate(docx)
    office = lo.warm_office()
    assert office is not None and office.pid is not None and office.bridge_pid is not None
    pids = (office.pid, office.bridge_pid)
    second = lo.paginate(docx)
    assert lo.warm_office() is office
    assert (office.pid, office.bridge_pid) == pids
    assert office.uses >= 2
    assert_same(first, cold, names)
    assert_same(second, cold, names)
    assert sorted(processes(office.pipe)) == sorted(pids)


def test_an_office_killed_between_passes_is_restarted(
    cold: lo.Pages, warm: None, small: tuple[bytes, list[str]]
) -> None:
    docx, names = small
    assert lo.paginate(docx) is not None
    office = lo.warm_office()
    assert office is not None and office.pid is not None
    killed = office.pid
    os.kill(killed, signal.SIGKILL)
    pages = lo.paginate(docx)
    assert_same(pages, cold, names)
    assert office.pid is not None and office.pid != killed
    assert gone(killed)


def test_a_hung_office_is_killed_and_the_next_pass_works(
    cold: lo.Pages, warm: None, small: tuple[bytes, list[str]]
) -> None:
    docx, names = small
    assert lo.paginate(docx) is not None
    office = lo.warm_office()
    assert office is not None and office.pid is not None
    hung, bridge = office.pid, office.bridge_pid
    assert bridge is not None
    os.kill(hung, signal.SIGSTOP)
    try:
        pages = lo.paginate(docx, timeout=HUNG_SECONDS)
    finally:
        if not gone(hung):
            os.kill(hung, signal.SIGKILL)
    # The hung LibreOffice and its client were killed; the retry on a new LibreOffice
    # had the same short time, so it may or may not have finished.
    assert gone(hung) and gone(bridge)
    if pages is not None:
        assert_same(pages, cold, names)
    assert_same(lo.paginate(docx), cold, names)
    assert office.pid is not None and office.pid != hung


def test_an_office_killed_during_a_pass_is_restarted_and_the_pass_succeeds(
    cold: lo.Pages, warm: None, small: tuple[bytes, list[str]]
) -> None:
    docx, names = small
    assert lo.paginate(docx) is not None
    office = lo.warm_office()
    assert office is not None and office.pid is not None
    stuck = office.pid
    os.kill(stuck, signal.SIGSTOP)  # the pass waits on it until it is killed
    results: list[lo.Pages | None] = []
    thread = threading.Thread(target=lambda: results.append(lo.paginate(docx)))
    try:
        thread.start()
        time.sleep(1)  # the pass is waiting, or about to (then it finds a dead office)
    finally:
        os.kill(stuck, signal.SIGKILL)
    thread.join(SAFETY_SECONDS)
    assert len(results) == 1
    assert_same(results[0], cold, names)
    assert office.pid is not None and office.pid != stuck


def test_without_uno_the_pass_is_cold(
    cold: lo.Pages, warm: None, small: tuple[bytes, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    lo.close_warm()
    # The tests' own interpreter (the virtual environment's) cannot import uno.
    monkeypatch.setattr(lo, "uno_pythons", lambda binary: [sys.executable])
    monkeypatch.setattr(lo, "_no_uno_in", None)
    assert_same(lo.paginate(small[0]), cold, small[1])
    assert lo.warm_office() is None


def test_close_warm_ends_the_office_and_its_client(
    warm: None, small: tuple[bytes, list[str]]
) -> None:
    assert lo.paginate(small[0]) is not None
    office = lo.warm_office()
    assert office is not None and len(processes(office.pipe)) == 2
    lo.close_warm()
    assert processes(office.pipe) == []
    assert not office.folder.exists()
    assert lo.warm_office() is None


CHILD = """
import json, sys
from bcf_docgen.render import libreoffice as lo
lo.keep_warm()
pages = lo.paginate(open(sys.argv[1], "rb").read())
office = lo.warm_office()
print(json.dumps({"pipe": office.pipe, "ok": pages is not None, "folder": str(office.folder),
                  "pids": [office.pid, office.bridge_pid]}), flush=True)
sys.stdin.read()  # until it is killed
"""


def test_a_killed_process_leaves_no_libreoffice_behind(
    small: tuple[bytes, list[str]], tmp_path: Path
) -> None:
    source = tmp_path / "small.docx"
    source.write_bytes(small[0])
    env = {k: v for k, v in os.environ.items() if k != lo.MODE_VARIABLE}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(source)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    said: dict[str, object] = {}
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], SAFETY_SECONDS)
        assert ready, "the child never said anything"
        said = json.loads(child.stdout.readline())
        assert said["ok"]
        pipe = str(said["pipe"])
        assert sorted(processes(pipe)) == sorted(said["pids"])  # type: ignore[type-var]
        child.kill()  # SIGKILL: no atexit, no cleanup of its own
        child.wait(SAFETY_SECONDS)
        assert await_none(pipe) == []
        # Its folder (LibreOffice's profile) is left; the next warm LibreOffice removes it.
        assert Path(str(said["folder"])).is_dir()
        binary = lo.soffice()
        assert binary is not None
        lo.Office(binary).close()
        assert not Path(str(said["folder"])).exists()
    finally:
        child.kill()
        child.wait(SAFETY_SECONDS)
        if said.get("pipe"):
            kill_all(str(said["pipe"]))
        if said.get("folder"):  # a killed process cannot remove its own folder
            shutil.rmtree(str(said["folder"]), ignore_errors=True)


# -- which commands keep it warm --------------------------------------------------------


def _grandchild_offices() -> set[int]:
    """The soffice.bin processes started by a process this one started (a worker's)."""

    def parent(pid: str) -> int:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return -1
        return int(stat.rsplit(")", 1)[1].split()[1])

    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if b"soffice.bin" in command and parent(str(parent(entry))) == os.getpid():
            found.add(int(entry))
    return found


def test_watch_pages_every_save_with_one_libreoffice(tmp_path: Path) -> None:
    # watch's Word worker lives as long as the watch, so its LibreOffice does too: the
    # second save's pass is made by the first save's LibreOffice, and none is left after.
    from bcf_docgen.watch import Rebuilder

    plan = write_plan(tmp_path / "plan", {"sections/intro.md": INTRO})
    rebuilder = Rebuilder(plan, tmp_path / "out", ("docx",), say=lambda _: None)
    try:
        rebuilder.rebuild()
        assert rebuilder.background is not None
        assert rebuilder.background.wait(timeout=SAFETY_SECONDS)
        first = _grandchild_offices()
        (plan / "sections" / "intro.md").write_text(INTRO + "\nOne more sentence.\n")
        rebuilder.rebuild()
        assert rebuilder.background.wait(timeout=SAFETY_SECONDS)
        assert len(first) == 1
        assert _grandchild_offices() == first
    finally:
        rebuilder.close()
    # Its worker was killed; the kernel ends the LibreOffice it started.
    deadline = time.monotonic() + SAFETY_SECONDS
    while any(_running(pid) for pid in first) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in first)


def _running(pid: int) -> bool:
    """Whether `pid` is still a live LibreOffice (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z" and b"soffice.bin" in command
