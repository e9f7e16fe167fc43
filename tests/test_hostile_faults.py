"""The hostile corpus, faults family (issue 11): the machine misbehaves, not the plan.

An output folder that cannot be written, inputs that are not files (a named pipe, a
device, a socket, a link to nothing), a full disk, a build killed at any moment, two
builds into one folder at once, and files that change under `watch`. Each ends with a
clear message (exit 2 for the output folder and the disk, a finding with file:line and
exit 1 for the plan's files), never a traceback or exit 3, never a hang, and the outputs
of the previous build are left exactly as they were unless the new build replaced all of
them.

Nothing here depends on the machine's speed: kills happen at moments defined by what
the build has done (a hook counts its steps), not by the clock; every time limit is a
generous safety net.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import docx
import hostile
import pytest
from conftest import INTRO_MD, PLAN_YAML, SCHEME_YAML, cli_path
from hostile import Case, Outcome, assert_clean, make_case, run_case
from test_processes import family, running, wait_for
from watchfiles import Change

from bcf_docgen.pipeline import write_all
from bcf_docgen.watch import Rebuilder, watch_loop

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="named pipes, devices, flock and /proc"
)

SLUG = "testshire-bcf-2025-26"
NET = 300  # seconds: a safety net for a command that should end at once, never a limit
QUICK = ("--to", "html,docx", "--no-paginate")  # two writers, two worker processes


@pytest.fixture(autouse=True)
def _shorter_safety_net(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hang (a named pipe read) fails the case in minutes, not the harness's half hour."""
    monkeypatch.setattr(hostile, "SAFETY_NET", NET)


def finals(out: Path) -> dict[str, bytes]:
    """The files under final names in `out` (not hidden temporaries)."""
    if not out.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".")) if out.is_dir() else []


def fails_cleanly(outcome: Outcome, status: int, *phrases: str) -> None:
    assert_clean(outcome)
    both = outcome.stdout + outcome.stderr
    assert outcome.returncode == status, both[-3000:]
    assert "internal error" not in both, both[-3000:]
    for phrase in phrases:
        assert phrase in both, both[-3000:]


# ------------------------------------------------------------ an unusable output folder


def _a_file(case: Case) -> Path:
    case.out.write_text("keep me")
    return case.out


def _under_a_file(case: Case) -> Path:
    case.out.write_text("keep me")
    return case.out / "deeper" / "still"


def _dev_null(case: Case) -> Path:
    return Path("/dev/null")


def _under_dev_null(case: Case) -> Path:
    return Path("/dev/null/out")


def _on_proc(case: Case) -> Path:
    return Path("/proc/bcf-docgen-out")  # /proc takes no new folders, root or not


OUT_FOLDERS: dict[str, Callable[[Case], Path]] = {
    "a file": _a_file,
    "a folder under a file": _under_a_file,
    "/dev/null": _dev_null,
    "a folder under /dev/null": _under_dev_null,
    "a folder on /proc": _on_proc,
}


@pytest.mark.parametrize("kind", list(OUT_FOLDERS))
def test_an_unusable_out_folder_is_a_usage_error(kind: str, tmp_path: Path) -> None:
    case = make_case(tmp_path)
    out = OUT_FOLDERS[kind](case)
    before = out.read_bytes() if out.is_file() else None
    outcome = run_case(case, "build", "--out", str(out), *QUICK)
    fails_cleanly(outcome, 2, "cannot write into")
    if kind == "/dev/null":
        assert "it is not a folder" in outcome.stderr
    if before is not None:
        assert out.read_bytes() == before
    assert not (tmp_path / "case" / "out" / "deeper").exists()


@contextlib.contextmanager
def immutable(folder: Path) -> Iterator[None]:
    """`folder` made immutable (chattr +i): read-only even for root, who ignores modes."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr")
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"this file system cannot make a folder immutable: {made.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_out_folder_is_a_usage_error_and_keeps_its_files(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    built = run_case(case, "build", *QUICK)
    assert built.returncode == 0, built.stderr
    before = finals(case.out)
    (case.plan / "sections/intro.md").write_text(INTRO_MD + "\nChanged.\n", encoding="utf-8")
    with immutable(case.out):
        outcome = run_case(case, "build", *QUICK)
    fails_cleanly(outcome, 2, "cannot write into", "permission denied")
    assert finals(case.out) == before and not leftovers(case.out)


# ----------------------------------------------------------- inputs that are not files


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _link_to_nothing(path: Path) -> None:
    path.symlink_to("nowhere.yaml")


def _device(path: Path) -> None:
    os.mknod(path, 0o644 | 0o020000, os.makedev(1, 5))  # a character device: /dev/zero's


def _link_to_dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _socket(path: Path) -> None:
    # A socket's path is limited to about 100 bytes: bind a short name beside it.
    here = Path.cwd()
    os.chdir(path.parent)
    try:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(path.name)
        sock.close()
    finally:
        os.chdir(here)


NOT_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "a named pipe": (_fifo, "is a named pipe, not a file"),
    "a folder": (_folder, "is a folder, not a file"),
    "a link to nothing": (_link_to_nothing, "does not exist"),
    "a device": (_device, "is a device, not a file"),
    "a link to /dev/zero": (_link_to_dev_zero, "leads outside the plan folder"),
    "a socket": (_socket, "is a socket, not a file"),
}


def replaced(case: Case, relative: str, make: Callable[[Path], None]) -> None:
    path = case.plan / relative
    if path.exists() or path.is_symlink():
        path.unlink()
    make(path)


@pytest.mark.parametrize("kind", list(NOT_FILES))
@pytest.mark.parametrize("relative", ["schemes/s2.yaml", "sections/intro.md"])
def test_an_input_that_is_not_a_file_is_a_finding(kind: str, relative: str, tmp_path: Path):
    make, message = NOT_FILES[kind]
    case = make_case(tmp_path)
    replaced(case, relative, make)
    outcome = run_case(case, "check")
    fails_cleanly(outcome, 1, message)
    # file:line:column, then the message naming the file: where the file is, or where
    # the outline names it.
    found = re.search(
        rf"^[\w./-]+:\d+:\d+: error: .*{re.escape(relative)}.*{message}", outcome.stdout, re.M
    )
    assert found, outcome.stdout


@pytest.mark.parametrize("kind", ["a named pipe", "a link to nothing", "a file"])
def test_a_schemes_folder_that_is_not_a_folder_is_a_finding(kind: str, tmp_path: Path) -> None:
    case = make_case(tmp_path)
    shutil.rmtree(case.plan / "schemes")
    makers = {"a file": lambda p: p.write_text("S1"), **{k: v[0] for k, v in NOT_FILES.items()}}
    makers[kind](case.plan / "schemes")
    outcome = run_case(case, "check")
    fails_cleanly(outcome, 1, "schemes:1:1: error: cannot read the folder schemes")


def test_a_named_pipe_in_the_plan_stops_a_build_cleanly(tmp_path: Path) -> None:
    case = make_case(tmp_path, {"plan.yaml": PLAN_YAML.replace("status: draft", "status: final")})
    replaced(case, "schemes/s2.yaml", _fifo)
    outcome = run_case(case, "build", *QUICK)  # a final plan: refused while errors remain
    fails_cleanly(outcome, 1, "schemes/s2.yaml:1:1: error:", "build refused (final plan)")
    assert not finals(case.out)


def test_a_plan_yaml_that_is_a_named_pipe_is_a_usage_error(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    replaced(case, "plan.yaml", _fifo)
    fails_cleanly(run_case(case, "check"), 2, "plan.yaml is not a file")


# ------------------------------------------------------------------------ a full disk


def full_disk(limit: int) -> Callable[[], None]:
    """A preexec_fn: no file may grow past `limit` bytes, and writing past it fails with
    EFBIG instead of killing the process (SIGXFSZ ignored), as a full disk fails."""

    def limits() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limits


def run_limited(case: Case, limit: int, *args: str) -> Outcome:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "BCF_DOCGEN_DEBUG")}
    result = subprocess.run(
        [cli_path(), "build", str(case.plan), "--out", str(case.out), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=NET,
        preexec_fn=full_disk(limit),
        check=False,
    )
    return Outcome(result.returncode, result.stdout, result.stderr, finals(case.out))


@pytest.mark.parametrize("paginate", [False, True], ids=["no-paginate", "paginate"])
def test_a_full_disk_replaces_no_output(paginate: bool, tmp_path: Path) -> None:
    """The HTML fits under the limit and the Word file does not: neither is replaced.
    With pagination the Word file's LibreOffice pass cannot write its temporary copy."""
    case = make_case(tmp_path)
    args = ("--to", "html,docx", *(() if paginate else ("--no-paginate",)))
    assert run_case(case, "build", *args).returncode == 0
    before = finals(case.out)
    html, word = len(before[f"{SLUG}.html"]), len(before[f"{SLUG}.docx"])
    assert word - html > 2000, (html, word)  # the limit falls between the two
    (case.plan / "sections/intro.md").write_text(INTRO_MD + "\nChanged.\n", encoding="utf-8")
    outcome = run_limited(case, (html + word) // 2, *args)
    fails_cleanly(outcome, 2, "larger than the system allows", "earlier outputs are left")
    assert finals(case.out) == before and not leftovers(case.out)


@contextlib.contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` (root only; skipped where mounting is refused)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr!r}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_really_full_disk_replaces_no_output(tmp_path: Path) -> None:
    """ENOSPC from a real (small) disk: the Word file's temporary does not fit."""
    case = make_case(tmp_path)
    with small_disk(tmp_path / "disk", "1m") as disk:
        case.out = disk / "out"
        assert run_case(case, "build", *QUICK).returncode == 0
        before = finals(case.out)
        # Fill the disk but for room for the HTML's temporary, not the Word file's.
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        room = len(before[f"{SLUG}.html"]) + 1024
        assert len(before[f"{SLUG}.docx"]) > room
        (disk / "filler").write_bytes(b"\0" * (free - room))
        (case.plan / "sections/intro.md").write_text(INTRO_MD + "\nNew.\n", encoding="utf-8")
        outcome = run_case(case, "build", *QUICK)
        fails_cleanly(outcome, 2, "the disk is full", "earlier outputs are left")
        assert finals(case.out) == before and not leftovers(case.out)


# ------------------------------------------------------------------- killed with SIGKILL

# Runs `bcf-docgen ARGS...` with every step of the build that matters for its outputs
# counted (logged to LOG); at step MOMENT the command kills itself with SIGKILL, the
# one signal that no handler sees. MOMENT 0 counts the steps of a whole build.
KILL_AT = r"""
import concurrent.futures, os, signal, sys, tempfile
moment, log = int(sys.argv[1]), sys.argv[2]
del sys.argv[1:3]
count = 0

def step(name):
    global count
    count += 1
    with open(log, "a") as handle:
        handle.write(f"{count} {name}\n")
    if count == moment:
        os.kill(os.getpid(), signal.SIGKILL)

def counted(function, name):
    def wrapper(*args, **kwargs):
        step(f"before {name}")
        value = function(*args, **kwargs)
        step(f"after {name}")
        return value
    return wrapper

class Counted:
    def __init__(self, module, **names):
        self._module = module
        for attr, name in names.items():
            setattr(self, attr, counted(getattr(module, attr), name))
    def __getattr__(self, attr):
        return getattr(self._module, attr)

from bcf_docgen import jobs, pipeline
jobs.check_plan = counted(jobs.check_plan, "check")
jobs.unwritable = counted(jobs.unwritable, "unwritable")
jobs.render_outputs = counted(jobs.render_outputs, "render")
concurrent.futures.Future.result = counted(concurrent.futures.Future.result, "a worker")
pipeline._temporary = counted(pipeline._temporary, "temporary")
pipeline.tempfile = Counted(tempfile, mkstemp="mkstemp")
pipeline.os = Counted(os, replace="rename")
from bcf_docgen.cli import main
sys.argv[0] = "bcf-docgen"
main()
"""


def killed_at(case: Case, moment: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", KILL_AT, str(moment), str(log), "build", str(case.plan)]
        + ["--out", str(case.out), *QUICK],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its session holds its workers: see what survives
    )
    return process


def steps(log: Path) -> list[str]:
    return [line.split(" ", 1)[1] for line in log.read_text().splitlines()]


def no_process_left(process: subprocess.Popen[bytes]) -> None:
    """Every process of the killed command's session ends (the kernel kills its workers);
    the wait is a safety net, not a speed limit."""
    process.wait(timeout=NET)

    def gone() -> bool:
        return not {p for p in family(process.pid) if running(p)}

    try:
        wait_for("every process of the killed build to end", gone, limit=NET)
    finally:
        for proc in family(process.pid):
            if running(proc):
                os.kill(proc.pid, signal.SIGKILL)


def plan_with_previous_outputs(tmp_path: Path) -> tuple[Case, dict[str, bytes]]:
    """A plan built once (the previous outputs), then changed, so a new build differs."""
    case = make_case(tmp_path)
    built = run_case(case, "build", *QUICK)
    assert built.returncode == 0, built.stderr
    (case.plan / "sections/intro.md").write_text(INTRO_MD + "\nChanged.\n", encoding="utf-8")
    return case, finals(case.out)


def test_a_build_killed_at_ten_random_moments_keeps_the_previous_outputs(tmp_path: Path):
    case, before = plan_with_previous_outputs(tmp_path)
    # A whole build, counted, into a folder of its own: how many steps there are.
    counting = Case(case.plan, case.canary, tmp_path / "counted")
    log = tmp_path / "steps-0.log"
    whole = killed_at(counting, 0, log)
    assert whole.wait(timeout=NET) == 0, whole.stderr.read() if whole.stderr else ""
    names = steps(log)
    commit = names.index("before rename")  # the first rename: the outputs change after it
    assert commit > 10 and names.count("before rename") == len(before), names

    moments = sorted(random.Random(11).sample(range(1, commit + 1), 10))
    for moment in moments:
        log = tmp_path / f"steps-{moment}.log"
        process = killed_at(case, moment, log)
        no_process_left(process)
        assert process.returncode == -signal.SIGKILL, (moment, steps(log))
        assert len(steps(log)) == moment
        assert finals(case.out) == before, f"killed at {names[moment - 1]} ({moment})"
        # Nothing else but, perhaps, a killed writer's hidden temporary.
        assert all(name.endswith(".tmp") for name in leftovers(case.out))

    # The next build replaces every output and removes what the killed ones left.
    rebuilt = run_case(case, "build", *QUICK)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert set(finals(case.out)) == set(before) and finals(case.out) != before
    assert not leftovers(case.out)


def test_a_build_killed_between_its_renames_leaves_every_file_whole(tmp_path: Path) -> None:
    """The one moment SIGKILL can mix old and new (the microseconds between renames):
    each file under its final name is still a whole output, old or new, never a part."""
    case, before = plan_with_previous_outputs(tmp_path)
    counting = Case(case.plan, case.canary, tmp_path / "counted")
    log = tmp_path / "steps-0.log"
    assert killed_at(counting, 0, log).wait(timeout=NET) == 0
    names = steps(log)
    new = finals(counting.out)
    renames = [i + 1 for i, name in enumerate(names) if name == "after rename"][:-1]
    for moment in renames:
        process = killed_at(case, moment, tmp_path / f"steps-{moment}.log")
        no_process_left(process)
        now = finals(case.out)
        assert set(now) == set(before)
        for name, data in now.items():
            assert data in (before[name], new[name]), name
        replaced = [name for name in now if now[name] != before[name]]
        assert replaced, moment  # it was killed after a rename, so one file is new
        shutil.rmtree(case.out)
        case.out.mkdir()
        for name, data in before.items():
            (case.out / name).write_bytes(data)


# --------------------------------------------------------- two builds into one folder


class _Parsed(HTMLParser):
    """Parses a whole page; records that it reached </html>."""

    def __init__(self) -> None:
        super().__init__()
        self.ended = False

    def handle_endtag(self, tag: str) -> None:
        self.ended = self.ended or tag == "html"


def built_by(out: Path, markers: tuple[str, ...]) -> str:
    """Which build's outputs `out` holds: each file whole, and all of one build."""
    page = (out / f"{SLUG}.html").read_text(encoding="utf-8")
    parser = _Parsed()
    parser.feed(page)
    parser.close()
    assert parser.ended, "the HTML is cut short"
    word = docx.Document(str(out / f"{SLUG}.docx"))
    text = "\n".join(p.text for p in word.paragraphs)
    in_page = [m for m in markers if m in page]
    in_word = [m for m in markers if m in text]
    assert len(in_page) == 1 and in_page == in_word, (in_page, in_word)
    with zipfile.ZipFile(out / f"{SLUG}.docx") as package:
        assert package.testzip() is None
    return in_page[0]


def test_two_builds_into_one_folder_never_corrupt_each_other(tmp_path: Path) -> None:
    markers = ("Alpha-marker", "Bravo-marker")
    cases = [
        make_case(tmp_path, {"sections/intro.md": INTRO_MD + f"\n{marker}.\n"}, name=marker)
        for marker in markers
    ]
    out = tmp_path / "shared-out"
    seen = set()
    for _pair in range(10):
        processes = [
            subprocess.Popen(
                [cli_path(), "build", str(case.plan), "--out", str(out), *QUICK, "--jobs", "1"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for case in cases
        ]
        for process in processes:
            _, stderr = process.communicate(timeout=NET)
            assert process.returncode == 0, stderr.decode(errors="replace")
        seen.add(built_by(out, markers))
        assert not leftovers(out)
    assert seen <= set(markers)


def test_a_live_temporary_is_kept_and_a_dead_one_removed(tmp_path: Path) -> None:
    """The next build removes what a killed build left, never a running build's file:
    a running build holds its temporary's lock (here, this test holds it)."""
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    dead = out / ".plan.docx.dead1234.tmp"
    dead.write_bytes(b"half")
    live = out / ".plan.docx.live5678.tmp"
    live.write_bytes(b"being written")
    with live.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        write_all({out / "plan.docx": b"new"})
        assert not dead.exists() and live.exists()
    assert finals(out) == {"plan.docx": b"new"}


# ---------------------------------------------------------------- watch while it changes


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Case, Rebuilder, list[str]]]:
    case = make_case(tmp_path)
    messages: list[str] = []
    rebuilder = Rebuilder(
        case.plan, case.out, ("html", "docx"), say=messages.append, background=False
    )
    first = rebuilder.rebuild()
    assert first.ok, messages
    yield case, rebuilder, messages
    rebuilder.close()


def save(rebuilder: Rebuilder, *paths: Path) -> None:
    """One save of `paths`, as watchfiles reports it."""
    assert watch_loop(rebuilder, [{(Change.modified, str(p)) for p in paths}]) == 1


def kept_then_rebuilt(
    case: Case, rebuilder: Rebuilder, messages: list[str], break_it, mend_it, *paths: Path
) -> None:
    """Break the plan: the watch reports it and keeps the last good outputs. Mend it: the
    next save is built, with the mended text."""
    good = finals(case.out)
    break_it()
    save(rebuilder, *paths)
    assert "last good outputs" in messages[-1], messages[-3:]
    assert "internal error" not in "\n".join(messages)
    assert finals(case.out) == good and not leftovers(case.out)
    mend_it()
    save(rebuilder, *paths)
    assert messages[-1].startswith("rebuilt"), messages[-3:]
    assert b"Mended." in finals(case.out)[f"{SLUG}.html"]


INTRO = "sections/intro.md"
MENDED = INTRO_MD + "\nMended.\n"


def test_watch_survives_a_section_deleted_and_restored(watched) -> None:
    case, rebuilder, messages = watched
    intro = case.plan / INTRO
    kept_then_rebuilt(
        case,
        rebuilder,
        messages,
        intro.unlink,
        lambda: intro.write_text(MENDED, encoding="utf-8"),
        intro,
    )


def test_watch_survives_a_section_renamed_and_renamed_back(watched) -> None:
    case, rebuilder, messages = watched
    intro, elsewhere = case.plan / INTRO, case.plan / "sections/intro-old.md"

    def back() -> None:
        elsewhere.rename(intro)
        intro.write_text(MENDED, encoding="utf-8")

    kept_then_rebuilt(
        case, rebuilder, messages, lambda: intro.rename(elsewhere), back, intro, elsewhere
    )


def test_watch_survives_files_made_invalid(watched) -> None:
    case, rebuilder, messages = watched
    scheme, intro = case.plan / "schemes/s1.yaml", case.plan / INTRO

    def broken() -> None:
        scheme.write_text("id: S1\nname: [unclosed\n", encoding="utf-8")
        intro.write_bytes(b"---\ntitle: Intro\n---\nnot UTF-8: \xff\n")

    def mended() -> None:
        scheme.write_text(SCHEME_YAML, encoding="utf-8")
        intro.write_text(MENDED, encoding="utf-8")

    kept_then_rebuilt(case, rebuilder, messages, broken, mended, scheme, intro)


def test_watch_survives_a_section_replaced_by_a_named_pipe(watched) -> None:
    case, rebuilder, messages = watched
    intro = case.plan / INTRO

    def pipe() -> None:
        intro.unlink()
        os.mkfifo(intro)

    def mended() -> None:
        intro.unlink()
        intro.write_text(MENDED, encoding="utf-8")

    kept_then_rebuilt(case, rebuilder, messages, pipe, mended, intro)


def test_watch_survives_plan_yaml_removed_and_restored(watched) -> None:
    case, rebuilder, messages = watched
    plan_yaml, intro = case.plan / "plan.yaml", case.plan / INTRO
    text = plan_yaml.read_text(encoding="utf-8")

    def restored() -> None:
        plan_yaml.write_text(text, encoding="utf-8")
        intro.write_text(MENDED, encoding="utf-8")

    kept_then_rebuilt(case, rebuilder, messages, plan_yaml.unlink, restored, plan_yaml, intro)


def test_watch_survives_its_out_folder_becoming_a_file(watched) -> None:
    case, rebuilder, messages = watched
    intro = case.plan / INTRO
    good = finals(case.out)
    aside = case.out.with_name("out-aside")
    case.out.rename(aside)
    case.out.write_text("in the way")
    intro.write_text(MENDED, encoding="utf-8")
    save(rebuilder, intro)
    assert "cannot write into" in messages[-1] and "last good outputs" in messages[-1]
    case.out.unlink()
    aside.rename(case.out)
    assert finals(case.out) == good
    save(rebuilder, intro)
    assert b"Mended." in finals(case.out)[f"{SLUG}.html"]


def test_watch_survives_a_full_disk(watched, monkeypatch: pytest.MonkeyPatch) -> None:
    from bcf_docgen import watch

    case, rebuilder, messages = watched
    intro = case.plan / INTRO
    good = finals(case.out)
    real = watch.write_all

    def no_space(files) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(next(iter(files))))

    monkeypatch.setattr(watch, "write_all", no_space)
    intro.write_text(MENDED, encoding="utf-8")
    save(rebuilder, intro)
    assert "the disk is full" in messages[-1] and "last good outputs" in messages[-1]
    assert finals(case.out) == good
    monkeypatch.setattr(watch, "write_all", real)
    save(rebuilder, intro)
    assert b"Mended." in finals(case.out)[f"{SLUG}.html"]
