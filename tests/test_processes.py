"""No process outlives its command, and a killed build keeps the earlier outputs.

Real commands in real processes, no mocks: each is started in a session of its own,
watched through /proc until its worker processes (and LibreOffice) are running, and then
only the command itself is sent SIGTERM or SIGKILL. Every process it ever had must be
gone within five seconds, and the output folder must hold exactly what it held before.

Nothing here waits a fixed time for something to happen: waiting for the workers takes
as long as the machine needs (up to a generous limit), and only the five seconds the
issue promises are timed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from conftest import MakePlan, cli_path, run_cli

from bcf_docgen.exits import EXIT_USAGE, interrupted
from bcf_docgen.pipeline import write_all

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; the death signal is Linux's"
)

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"
SLUG = "kingsmere-bcf-2025-26"
PATIENCE = 300  # seconds to wait for a command to reach the moment it is killed in
PROMISE = 5  # seconds within which every process of a killed command must be gone
LIBREOFFICE = shutil.which("soffice") is not None

T = TypeVar("T")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    session: int
    state: str
    start: int  # clock ticks since boot: tells a process from a later one with its pid
    command: str

    @property
    def worker(self) -> bool:
        return "multiprocessing.spawn" in self.command

    @property
    def libreoffice(self) -> bool:
        return "soffice" in self.command


def workers_of(processes: set[Proc]) -> set[Proc]:
    """The worker processes among `processes`. A process a worker has forked shows the
    worker's command line until it runs its own program (LibreOffice, say): that is a
    worker's child, not a worker."""
    seeming = {p.pid for p in processes if p.worker}
    return {p for p in processes if p.worker and p.ppid not in seeming}


def read_proc(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, UnicodeDecodeError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name in () may hold spaces
    return Proc(pid, int(fields[1]), int(fields[3]), fields[0], int(fields[19]), command)


def all_processes() -> list[Proc]:
    found = (read_proc(int(e.name)) for e in os.scandir("/proc") if e.name.isdigit())
    return [p for p in found if p is not None]


def family(root: int) -> set[Proc]:
    """The command's processes: its session, and its descendants wherever they went."""
    processes = all_processes()
    members = {p.pid for p in processes if p.session == root} | {root}
    grew = True
    while grew:
        more = {p.pid for p in processes if p.ppid in members} - members
        members |= more
        grew = bool(more)
    return {p for p in processes if p.pid in members}


def running(proc: Proc) -> bool:
    """Still there: the same process (not a later one with its pid), and not a zombie
    (an ended process whose parent, init in a container, has not collected it)."""
    now = read_proc(proc.pid)
    return now is not None and now.start == proc.start and now.state not in ("Z", "X")


def wait_for(what: str, condition: Callable[[], T | None], limit: float = PATIENCE) -> T:
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up after {limit} s waiting for {what}"
        time.sleep(0.02)


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    stderr: Path
    seen: set[Proc]

    def output(self) -> str:
        return self.stderr.read_text(errors="replace")


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Started]]:
    """Start a command in a session of its own; whatever happens, end what is left."""
    started: list[Started] = []

    def launch(*args: str | Path) -> Started:
        stderr = tmp_path / f"stderr-{len(started)}.txt"
        with stderr.open("wb") as sink:
            process = subprocess.Popen(
                [cli_path(), *map(str, args)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=sink,
                start_new_session=True,
            )
        started.append(Started(process, stderr, set()))
        return started[-1]

    yield launch
    for each in started:
        for proc in each.seen | family(each.process.pid):
            if running(proc):
                os.kill(proc.pid, signal.SIGKILL)
        each.process.wait()


def until_busy(command: Started, workers: int, libreoffice: bool) -> set[Proc]:
    """Wait until the command runs `workers` workers and (if asked) LibreOffice."""

    def busy() -> set[Proc] | None:
        assert command.process.poll() is None, "finished before it could be killed:\n" + (
            command.output()
        )
        processes = family(command.process.pid)
        command.seen |= processes
        enough = len(workers_of(processes)) >= workers
        if enough and (any(p.libreoffice for p in processes) or not libreoffice):
            return processes
        return None

    return wait_for(f"{workers} workers and LibreOffice={libreoffice}", busy)


def previous_outputs(out: Path, names: list[str]) -> dict[str, bytes]:
    out.mkdir()
    files = {name: f"the previous {name}\n".encode() for name in names}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return files


def folder(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in out.iterdir()}


BUILD = [f"{SLUG}.docx", f"{SLUG}.pdf", f"{SLUG}-check.txt", f"{SLUG}-check.json"]
PACK = [f"{SLUG}-board-pack.pdf", f"{SLUG}-board-report.docx"]
CASES = {
    # command, its outputs, the workers it runs at once
    "pack": (["pack"], PACK, 2),
    "build": (["build"], BUILD, 2),
    # No workers: LibreOffice is the command's own child.
    "build-one-process": (["build", "--jobs", "1", "--to", "docx"], BUILD[:1] + BUILD[2:], 0),
}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_killed_command_leaves_no_process_and_the_earlier_outputs(
    case: str, signum: signal.Signals, start: Callable[..., Started], tmp_path: Path
) -> None:
    args, names, workers = CASES[case]
    out = tmp_path / "out"
    before = previous_outputs(out, names)
    command = start(*args, EXAMPLE, "--out", out)
    busy = until_busy(command, workers, libreoffice=LIBREOFFICE)

    killed = time.monotonic()
    os.kill(command.process.pid, signum)  # the command only, not its session
    every = command.seen | busy

    def gone() -> bool:
        command.process.poll()  # collect the command itself, as its caller would
        left = {p for p in every | family(command.process.pid) if running(p)}
        return not left

    wait_for(f"every process of `{' '.join(args)}` to end", gone, limit=PROMISE)
    assert time.monotonic() - killed < PROMISE
    assert folder(out) == before  # nothing replaced, no temporary file left behind

    stderr = command.output()
    if signum == signal.SIGTERM:
        assert command.process.wait() == interrupted(signal.SIGTERM), stderr
        assert "stopped (SIGTERM)" in stderr
        assert "Traceback" not in stderr
        assert "leaked" not in stderr  # no resource-tracker warning about semaphores
    else:
        assert command.process.wait() == -signal.SIGKILL


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_watch_leaves_no_process(
    signum: signal.Signals, start: Callable[..., Started], tmp_path: Path
) -> None:
    command = start("watch", EXAMPLE, "--out", tmp_path / "out")
    busy = until_busy(command, 2, libreoffice=LIBREOFFICE)  # the background's PDF and docx
    os.kill(command.process.pid, signum)
    every = command.seen | busy

    def gone() -> bool:
        command.process.poll()
        return not {p for p in every | family(command.process.pid) if running(p)}

    wait_for("every process of `watch` to end", gone, limit=PROMISE)
    if signum == signal.SIGTERM:
        assert command.process.wait() == interrupted(signal.SIGTERM), command.output()
        assert "Traceback" not in command.output()


def test_worker_processes_really_were_seen(start: Callable[..., Started], tmp_path: Path) -> None:
    """The test above is only as good as its view of the command's processes: a build's
    workers are its children, in its session, and LibreOffice is a worker's child."""
    command = start("build", EXAMPLE, "--out", tmp_path / "out")
    busy = until_busy(command, 2, libreoffice=LIBREOFFICE)
    workers = {p.pid for p in workers_of(busy)}
    assert all(p.ppid == command.process.pid for p in workers_of(busy))
    assert all(p.session == command.process.pid for p in busy)
    if LIBREOFFICE:
        assert {p.ppid for p in busy if p.libreoffice} <= workers
        assert not [p for p in busy if "oosplash" in p.command]  # soffice.bin is run itself
    os.kill(command.process.pid, signal.SIGTERM)
    assert command.process.wait() == interrupted(signal.SIGTERM)


# ---------------------------------------------------------------- refusing and writing


REPORT = """\
decision_maker: Testshire Health and Wellbeing Board
subject: Better Care Fund plan
meeting_date: 2025-04-10
report_of: Director of Adult Social Care
summary: The Board is asked to agree the plan.
recommendations: [To agree the plan.]
"""
HTML_INTRO = "---\ntitle: Introduction\n---\nSome <b>bold</b> text.\n"  # two warnings


def test_pack_strict_refuses_on_warnings(make_plan: MakePlan, tmp_path: Path) -> None:
    folder = make_plan({"board-report.yaml": REPORT, "sections/intro.md": HTML_INTRO})
    out = tmp_path / "out"
    result = run_cli("pack", folder, "--out", out, "--strict")
    assert result.returncode == 1, result.stderr
    assert "pack refused (--strict): fix the 2 problem(s) above" in result.stderr
    assert "warning: raw HTML" in result.stderr
    assert not out.exists()
    build = run_cli("build", folder, "--out", out, "--to", "html", "--strict")
    assert build.returncode == 1
    assert "build refused (--strict): fix the 2 problem(s) above" in build.stderr


def test_an_unusable_out_folder_is_a_usage_error_before_anything_is_made(
    make_plan: MakePlan, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("keep me")
    result = run_cli("build", make_plan(), "--out", not_a_folder, "--to", "html")
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "cannot write into" in result.stderr and "internal error" not in result.stderr
    assert not_a_folder.read_text() == "keep me"


def test_either_every_file_is_replaced_or_none(tmp_path: Path) -> None:
    good = tmp_path / "out" / "a.pdf"
    good.parent.mkdir()
    good.write_bytes(b"old")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(OSError):
        write_all({good: b"new", blocked / "b.pdf": b"new"})
    assert good.read_bytes() == b"old"
    assert sorted(p.name for p in good.parent.iterdir()) == ["a.pdf"]  # no temporaries
    write_all({good: b"new", tmp_path / "out" / "b.pdf": b"also new"})
    assert folder(good.parent) == {"a.pdf": b"new", "b.pdf": b"also new"}
