"""Headless LibreOffice as a pagination oracle for our own .docx.

python-docx has no layout engine, so it cannot know on which page a heading lands.
LibreOffice can: we convert a copy of the finished .docx to PDF with bookmarks exported
as named destinations, and read back the page of each destination. LibreOffice never
saves a .docx here (its re-serialisation would lose our styling); the PDF it writes is
thrown away with its temporary folder and user profile.

The fonts matter: the theme's Arial is laid out with Liberation Sans, which has the
same metrics, so the page numbers agree with what Word shows.

LibreOffice must never outlive the build that started it. `soffice` is a shell script
that execs a launcher (oosplash), which forks the real program, soffice.bin; a death
signal asked for on the launcher is not passed on by that fork, so a killed build used
to leave soffice.bin running. We therefore start soffice.bin itself, asking the kernel
in `preexec_fn` to kill it when the thread that started it ends, and do the launcher's
one other job ourselves: starting it again when it exits asking for a restart (as it
does once on a new user profile). Where there is no soffice.bin beside the launcher (other
platforms), the launcher runs in a process group of its own that is killed on a
timeout or an interruption.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import json
import os
import queue
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from ..workers import die_with_parent_preexec
from .kept_folders import kept_folder

EXPORT_OPTIONS = {"ExportBookmarksToPDFDestination": {"type": "boolean", "value": "true"}}
# soffice.bin's exit codes asking to be started again (desktop's ExitHelper): after
# creating a new user profile, and after a crash it recovered from.
RESTART_CODES = (79, 81)
# How long one LibreOffice pass may take: far beyond any plan on a loaded machine, so
# only a hung LibreOffice reaches it (the Word file is then still written, unpaged).
PAGINATE_SECONDS = 600
STARTS = 3  # a restart is asked for once; more means something else is wrong
OFFICE_FLAGS = (
    "--headless",
    "--invisible",
    "--norestore",
    "--nologo",
    "--nodefault",
    "--nolockcheck",
)
# "cold" makes every pass start its own LibreOffice even after `keep_warm()`: for
# measuring the difference, or for a machine where the warm one misbehaves.
MODE_VARIABLE = "BCF_DOCGEN_LIBREOFFICE"
OFFICE_USES = 100  # passes before a warm LibreOffice is replaced: its memory grows
BRIDGE = Path(__file__).with_name("uno_bridge.py")
POLL_SECONDS = 0.2  # how often a wait for the bridge looks at LibreOffice itself
RESTARTER = "bcf-docgen-libreoffice-restart"  # the thread that waits for each LibreOffice
WARM_KIND = "libreoffice"  # its kept folder's (kept_folders.py)


SETTLE_ROUNDS = 4  # layout reads before a settling contents is given up (two is usual)


@dataclass(frozen=True)
class Settled:
    """The page of each bookmark a contents leads to (Word bookmark name -> page, 1-based)
    and the page count, read from a layout whose contents show exactly these pages."""

    pages: dict[str, int]
    total: int


class Unsettled(Exception):
    """The Word file's pages cannot be settled in one load here (no warm LibreOffice, no
    UNO, contents not as described, pages that keep moving): paginate it pass by pass."""


@dataclass(frozen=True)
class Pages:
    """Where things landed: PDF destination name -> page (1-based), and the page count.

    LibreOffice spells a bookmark's destination name its own way (see
    `destination_name`); `page_of` takes the Word bookmark name.
    """

    destinations: dict[str, int]
    total: int

    def page_of(self, bookmark: str) -> int | None:
        return self.destinations.get(destination_name(bookmark))


def destination_name(bookmark: str) -> str:
    """The named destination LibreOffice writes for a bookmark: letters, digits and "-"
    stay, any other character becomes its code in hex ("bm_sec" -> "bm5Fsec"), as in
    its PDF writer's appendDestinationName."""
    out = []
    for char in bookmark:
        if char.isascii() and (char.isalnum() or char == "-"):
            out.append(char)
        else:
            code = ord(char)
            if code >> 8:
                out.append(f"{(code >> 8) & 0xFF:02X}")
            out.append(f"{code & 0xFF:02X}")
    return "".join(out)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(docx: bytes, timeout: float = PAGINATE_SECONDS) -> bytes | None:
    """The PDF LibreOffice makes of `docx`, or None (not installed, failed, too slow)."""
    program = soffice()
    if program is None:
        return None
    binary, direct = _program(program)
    with tempfile.TemporaryDirectory(prefix="bcf-docgen-lo-") as tmp:
        folder = Path(tmp)
        source = folder / "document.docx"
        source.write_bytes(docx)
        out = folder / "out"
        profile = folder / "profile"
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            *OFFICE_FLAGS,
            "--convert-to",
            "pdf:writer_pdf_Export:" + json.dumps(EXPORT_OPTIONS),
            "--outdir",
            str(out),
            str(source),
        ]
        env = {**os.environ, "HOME": str(folder)}  # keep LibreOffice out of the real home
        deadline = time.monotonic() + timeout
        status: int | None = None
        for _ in range(STARTS):
            status = _run(command, folder, env, deadline, own_group=not direct)
            if status not in RESTART_CODES:
                break
        pdf = out / "document.pdf"
        if status != 0 or not pdf.is_file():
            return None
        return pdf.read_bytes()


def _program(launcher: str) -> tuple[str, bool]:
    """(what to run, whether it is soffice.bin itself) for the `soffice` found on PATH."""
    binary = Path(launcher).resolve().with_name("soffice.bin")
    if binary.is_file() and os.access(binary, os.X_OK):
        return str(binary), True
    return launcher, False


def _run(
    command: list[str], folder: Path, env: dict[str, str], deadline: float, own_group: bool
) -> int | None:
    """Run LibreOffice once; its exit status, or None if it could not start or ran too long.

    However this returns (a timeout, or an exception such as the command line's SIGTERM
    arriving while it waits), LibreOffice is no longer running afterwards.
    """
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            cwd=folder,
            env=env,
            preexec_fn=die_with_parent_preexec(),  # two system calls, nothing else
            start_new_session=own_group,
        )
    except OSError:
        return None
    try:
        return process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return None
    finally:
        _stop(process, own_group)


def paginate(docx: bytes, timeout: float = PAGINATE_SECONDS) -> Pages | None:
    """The page of every bookmark in `docx` and the page count, laid out by LibreOffice.

    Asked of this process's warm LibreOffice after `keep_warm()` (see the notes on the
    warm LibreOffice below), of one started for this pass alone otherwise. None when
    LibreOffice (or pypdf, to read its PDF) is not available, or the pass fails or
    takes longer than `timeout` seconds (the warm one: twice in a row).
    """
    program = soffice()
    if program is None:
        return None
    office = _office(program)
    if office is not None:
        try:
            return office.paginate(docx, timeout)
        except _NoUno:
            _give_up_warm()
        except Exception:  # it could not be started here (a full disk, say): go cold
            office.stop()
    pdf = convert_to_pdf(docx, timeout)
    if pdf is None:
        return None
    return read_pages(pdf)


def settle(
    docx: bytes, contents: list[list[str]], timeout: float = PAGINATE_SECONDS
) -> Settled | None:
    """The pages of the bookmarks `docx`'s contents lead to, laid out with the contents
    showing those very pages, in one load of `docx` by this process's LibreOffice.

    `contents` names the bookmark of each contents line, one list per contents in
    document order. The Word file made with these pages is laid out exactly as the layout
    they were read from, so it needs no second pass to confirm them. None when LibreOffice
    failed (twice in a row, as `paginate`). Raises Unsettled when this process has no
    warm LibreOffice (`start_office`, `keep_warm`) or it cannot settle the pages.
    """
    program = soffice()
    office = None if program is None else _office(program)
    if office is None:
        raise Unsettled("no warm LibreOffice in this process")
    try:
        return office.settle(docx, contents, timeout)
    except _NoUno:
        _give_up_warm()
        raise Unsettled("no interpreter here has LibreOffice's UNO module") from None
    except Unsettled:
        raise
    except Exception as exc:  # it could not be started here (a full disk, say): go cold
        office.stop()
        raise Unsettled(f"LibreOffice could not be started: {exc}") from None


def _settled(reply: dict[str, Any]) -> Settled:
    if reply.get("settled") is False:
        raise Unsettled(str(reply.get("error", "")))
    found, total = reply.get("pages"), reply.get("total")
    if (
        reply.get("settled") is not True
        or not isinstance(found, dict)
        or not isinstance(total, int)
    ):
        raise _Broken
    return Settled(pages={str(name): int(page) for name, page in found.items()}, total=total)


def read_pages(pdf: bytes) -> Pages | None:
    try:
        from pypdf import PdfReader
    except ImportError:  # a runtime dependency; without it there is no pagination
        return None
    try:
        reader = PdfReader(io.BytesIO(pdf))
        destinations: dict[str, int] = {}
        for name, destination in reader.named_destinations.items():
            index = reader.get_destination_page_number(destination)
            if index is not None and index >= 0:
                destinations[str(name).lstrip("/")] = index + 1
        return Pages(destinations=destinations, total=len(reader.pages))
    except Exception:  # a PDF we cannot read is a failed pagination, not a failed build
        return None


def _stop(process: subprocess.Popen[bytes], own_group: bool) -> None:
    """Kill LibreOffice (and, when it runs as a launcher, its process group) if it still runs.

    The wait has no time limit: nothing survives SIGKILL, and a limit that a loaded
    machine can reach would leave the process behind.
    """
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if own_group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    process.wait()


# ------------------------------------------------------------------ the warm LibreOffice
#
# Starting LibreOffice is a large part of a pass, and a cold build makes two or three
# passes (render, paginate, render with the page numbers, paginate again to confirm, as
# a cold LibreOffice only shows the cached numbers it finds); `watch`, `preview` and a
# build of several plans make many more. A warm LibreOffice is `soffice.bin
# --accept=pipe,...` (its own UNO listener), driven through UNO by a small client,
# uno_bridge.py. Debian's UNO module (python3-uno) is built for the system's python3 and
# cannot be imported into the project's virtual environment, so the client is a process
# of its own, run by an interpreter that has it, and spoken to one JSON line at a time.
# The client reads each bookmark's page from Writer's layout instead of exporting a PDF
# (the same pages, measured on the M bench plan, in less time), and can settle a Word
# file's pages in one load (`settle`): it writes the pages into the loaded contents and
# reads the layout again until nothing moves, so one pass replaces the two cold ones.
#
# A process that makes one Word file calls `start_office()` as early as it can (the
# Word file's worker when it starts, or the command itself for a lone Word file:
# build.py), so that LibreOffice starts while the plan is read, and `end_office()` after
# the file. A process that makes many (watch's and preview's workers, batch.py's) calls
# `keep_warm()` and keeps one LibreOffice for all of them. Where there is no interpreter
# with UNO, or MODE_VARIABLE says "cold", every pass starts its own LibreOffice as before.
#
# Both processes are started from one thread kept for the purpose (`_Spawner`), so that
# the death signal asked for in `die_with_parent_preexec` fires when this process ends
# and not when some short-lived thread that happened to paginate first does. They end
# with the process however it ends: at exit (`close_warm`), by the kernel when it is
# killed. A LibreOffice found dead, or that dies, fails or runs past the pass's time
# during a pass, is killed with its client and the pass tried once more on new ones.

T = TypeVar("T")


class _Broken(Exception):
    """The warm LibreOffice or its client failed, died or ran past the pass's time."""


class _NoUno(Exception):
    """No interpreter here can import LibreOffice's UNO module."""


class _Spawner:
    """Runs process starts in one thread that lives as long as this process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._requests: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(
            target=self._serve, name="bcf-docgen-libreoffice", daemon=True
        )
        self._thread.start()

    def _serve(self) -> None:
        while True:
            future, function = self._requests.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function())
                except BaseException as exc:  # handed to the caller as it is
                    future.set_exception(exc)

    def run(self, function: Callable[[], T]) -> T:
        if threading.current_thread() is self._thread:
            return function()
        future: Future[T] = Future()
        self._requests.put((future, function))
        return future.result()


_lock = threading.Lock()
_spawner: _Spawner | None = None
_warm: Office | None = None
_warm_for: int | None = None  # the process that asked for a warm LibreOffice
_no_uno_in: int | None = None  # the process that found that no interpreter has UNO
_early_for: int | None = None  # the process that started one for one Word file
_exit_for: int | None = None  # the process that has close_warm registered at exit


def _spawn(
    command: list[str], folder: Path, env: dict[str, str], talk: bool
) -> subprocess.Popen[bytes]:
    """Start `command` tied to this process's life (see `_Spawner`); with `talk`, with
    pipes to its stdin and stdout."""
    global _spawner
    with _lock:
        if _spawner is None or _spawner.pid != os.getpid():  # none yet, or a forked copy
            _spawner = _Spawner()
        spawner = _spawner
    pipe = subprocess.PIPE if talk else subprocess.DEVNULL
    return spawner.run(
        lambda: subprocess.Popen(
            command,
            stdin=pipe,
            stdout=pipe,
            stderr=subprocess.DEVNULL,
            cwd=folder,
            env=env,
            preexec_fn=die_with_parent_preexec(),  # two system calls, nothing else
        )
    )


def uno_pythons(binary: str) -> list[str]:
    """Interpreters that may have LibreOffice's UNO module, most likely first: the one
    LibreOffice ships beside itself (The Document Foundation's builds), the system's
    (Debian's python3-uno), the first python3 on PATH."""
    found = [str(Path(binary).with_name("python")), "/usr/bin/python3", shutil.which("python3")]
    return [p for p in dict.fromkeys(found) if p and os.path.isfile(p) and os.access(p, os.X_OK)]


class Office:
    """One warm LibreOffice and its UNO client, started when first needed.

    `paginate` is safe to call from any thread (passes run one at a time). `close` ends
    both processes and removes the profile. `method` is "pages" (read the layout) or
    "pdf" (export a PDF and read its destinations, as the cold pass does).
    """

    def __init__(self, binary: str, method: str = "pages") -> None:
        self.binary = binary
        self.method = method
        self.folder = kept_folder(WARM_KIND)
        # Unique, so that LibreOffice and its client can be told apart from any other's.
        self.pipe = f"bcf-docgen-{os.getpid()}-{secrets.token_hex(6)}"
        self.pythons = uno_pythons(binary)
        self.owner = os.getpid()
        self.office: subprocess.Popen[bytes] | None = None
        self.bridge: subprocess.Popen[bytes] | None = None
        self.ready = False  # the client has said that it imports UNO
        self.starts = 0  # LibreOffice's starts since its last good pass
        self.uses = 0  # passes by the running LibreOffice
        self.lock = threading.RLock()
        self._buffer = b""
        self._unread = 0  # answers to warm-up requests that are still to be read
        self._env = {**os.environ, "HOME": str(self.folder)}  # out of the real home

    @property
    def pid(self) -> int | None:
        """The running LibreOffice's process id (soffice.bin), if it runs."""
        office = self.office
        return office.pid if office is not None and office.poll() is None else None

    @property
    def bridge_pid(self) -> int | None:
        """The running client's process id, if it runs."""
        bridge = self.bridge
        return bridge.pid if bridge is not None and bridge.poll() is None else None

    def start(self, warm_up: bool = False) -> None:
        """Start LibreOffice and the client, whichever is not running; returns at once
        (LibreOffice gets ready while the caller goes on). A client connected to a
        LibreOffice that has gone is of no use, so a new LibreOffice gets a new one.

        With `warm_up`, a new client at once connects and has a tiny Word file loaded, so
        that what LibreOffice does once (its start on a new profile, loading its Word
        import and the fonts) is done before the first pass asks, not during it.
        """
        with self.lock:
            if not self.pythons:
                raise _NoUno
            self._watch_office(dead=False)  # restarted, client kept, if it asked to be
            if self.office is None or self.office.poll() is not None:
                self._stop_bridge()
                self.starts += 1
                self.office = self._start_office()
            if self.bridge is None or self.bridge.poll() is not None:
                self._buffer, self.ready = b"", False
                command = [self.pythons[0], "-I", str(BRIDGE), self.pipe]
                self.bridge = _spawn(command, self.folder, self._env, talk=True)
                if warm_up:
                    source = self.folder / "warm-up.docx"
                    source.write_bytes(warm_up_docx())
                    request = {"source": str(source), "method": "warm", "connect_seconds": 600}
                    self._send(request)
                    self._unread += 1

    def _start_office(self) -> subprocess.Popen[bytes]:
        profile = self.folder / "profile"
        command = [
            self.binary,
            f"-env:UserInstallation={profile.as_uri()}",
            *OFFICE_FLAGS,
            f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
        ]
        office = _spawn(command, self.folder, self._env, talk=False)
        threading.Thread(
            target=self._restart_when_asked, args=(office,), name=RESTARTER, daemon=True
        ).start()
        return office

    def _restart_when_asked(self, office: subprocess.Popen[bytes]) -> None:
        """Start LibreOffice again as soon as it exits asking for it.

        On a new profile it does so a tenth of a second after it starts. Left to the
        first pass (`_watch_office` in `_read`), its second start would be paid there;
        started again at once, it gets ready while the plan is read and the file rendered.
        """
        office.wait()
        with self.lock, contextlib.suppress(Exception):  # the next pass finds it gone
            if self.office is office:  # not stopped, nor started again meanwhile
                self._watch_office(dead=False)

    def paginate(self, docx: bytes, timeout: float = PAGINATE_SECONDS) -> Pages | None:
        """The pages of `docx`, or None when two tries in a row failed.

        Each try has `timeout` seconds. A try that fails in any way (LibreOffice dead,
        dying, hung past the time, or unable to read the document) ends LibreOffice and
        its client, and the second try starts new ones. Raises _NoUno when no
        interpreter has UNO.
        """
        return self._twice(lambda deadline: self._pages(self._ask(docx, {}, deadline)), timeout)

    def settle(
        self, docx: bytes, contents: list[list[str]], timeout: float = PAGINATE_SECONDS
    ) -> Settled | None:
        """The contents' pages of `docx` once its contents show them (`settle` below), or
        None when two tries in a row failed, as `paginate`. Raises Unsettled when the
        contents are not as described or their pages do not settle."""
        request = {"method": "settled", "contents": contents, "rounds": SETTLE_ROUNDS}
        return self._twice(lambda deadline: _settled(self._ask(docx, request, deadline)), timeout)

    def _twice(self, ask: Callable[[float], T], timeout: float) -> T | None:
        with self.lock:
            for _ in range(2):
                try:
                    result = ask(time.monotonic() + timeout)
                    self.starts = 0
                    return result
                except _Broken:
                    self.stop()
        return None

    def _ask(self, docx: bytes, extra: dict[str, Any], deadline: float) -> dict[str, Any]:
        """The client's answer about `docx`; with the "pdf" method, the PDF's pages in it."""
        if self.uses >= OFFICE_USES:
            self.stop()
        self.start()
        self._await_ready(deadline)
        while self._unread:  # the warm-up's answer: whatever it is, this pass will tell
            if self._read(deadline) is None:
                raise _Broken
            self._unread -= 1
        source, target = self.folder / "document.docx", self.folder / "document.pdf"
        try:
            target.unlink(missing_ok=True)
            source.write_bytes(docx)
            request = {
                "source": str(source),
                "target": str(target),
                "method": self.method,
                "connect_seconds": max(0.0, deadline - time.monotonic()),
                **extra,
            }
            self._send(request)
            reply = self._read(deadline)
            self.uses += 1
            if reply is None or not reply.get("ok"):
                raise _Broken
            if request["method"] == "pdf":
                pages = read_pages(target.read_bytes()) if target.is_file() else None
                if pages is None:
                    raise _Broken
                return {"pages": pages}
            return reply
        finally:
            source.unlink(missing_ok=True)
            target.unlink(missing_ok=True)

    def _pages(self, reply: dict[str, Any]) -> Pages:
        if isinstance(reply.get("pages"), Pages):
            return cast(Pages, reply["pages"])
        found, total = reply.get("pages"), reply.get("total")
        if not isinstance(found, dict) or not isinstance(total, int):
            raise _Broken
        destinations = {destination_name(str(name)): int(page) for name, page in found.items()}
        return Pages(destinations=destinations, total=total)

    def _await_ready(self, deadline: float) -> None:
        """Wait for the client's first word; try the next interpreter while it has no UNO."""
        while not self.ready:
            said = self._read(deadline)
            if said is not None and said.get("ready"):
                self.ready = True
                return
            self._stop_bridge()
            self.pythons.pop(0)  # this interpreter has no UNO (or could not run the client)
            self.start()

    def _send(self, request: dict[str, Any]) -> None:
        assert self.bridge is not None and self.bridge.stdin is not None
        try:
            self.bridge.stdin.write(json.dumps(request).encode() + b"\n")
            self.bridge.stdin.flush()
        except OSError:  # BrokenPipeError included: the client has ended
            raise _Broken from None

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The client's next line; None if it ended. Restarts LibreOffice when it exits
        asking to be started again (once on a new profile); raises _Broken when it ends
        otherwise or the deadline passes."""
        assert self.bridge is not None and self.bridge.stdout is not None
        stream = self.bridge.stdout.fileno()
        while b"\n" not in self._buffer:
            self._watch_office()
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Broken
            readable, _, _ = select.select([stream], [], [], min(POLL_SECONDS, left))
            if readable:
                chunk = os.read(stream, 65536)
                if not chunk:
                    return None
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            said = json.loads(line)
        except ValueError:
            return None
        return said if isinstance(said, dict) else None

    def _watch_office(self, dead: bool = True) -> None:
        """Start LibreOffice again if it exited asking for it (once on a new profile);
        raise _Broken if it exited otherwise, when `dead` is an error."""
        office = self.office
        status = None if office is None else office.poll()
        if office is None or status is None:
            return
        if status in RESTART_CODES and self.starts < STARTS:
            self.starts += 1
            self.office = self._start_office()
            return
        if dead:
            raise _Broken

    def _stop_bridge(self) -> None:
        bridge, self.bridge = self.bridge, None
        self.ready, self._buffer, self._unread = False, b"", 0
        if bridge is not None:
            _stop(bridge, own_group=False)
            for stream in (bridge.stdin, bridge.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()

    def stop(self) -> None:
        """End LibreOffice and the client now (the next pass starts new ones)."""
        with self.lock:
            self._stop_bridge()
            office, self.office = self.office, None
            if office is not None:
                _stop(office, own_group=False)
            self.uses = 0

    def close(self) -> None:
        """Stop, and remove the profile and the working folder."""
        with self.lock:
            self.stop()
            shutil.rmtree(self.folder, ignore_errors=True)


@functools.cache
def warm_up_docx() -> bytes:
    """A one-line Word file in the theme's font: what a warm-up has LibreOffice load."""
    import docx

    document = docx.Document()
    line = document.add_paragraph()
    run = line.add_run("Contents")
    run.bold, run.font.name = True, "Arial"
    line.add_run("\t1")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _office(program: str) -> Office | None:
    """This process's warm LibreOffice, made when first asked for; None when this
    process has not asked for one or cannot have one."""
    global _warm
    if os.getpid() not in (_warm_for, _early_for) or _no_uno_in == os.getpid():
        return None
    if os.environ.get(MODE_VARIABLE, "").strip().lower() == "cold":
        return None
    if not sys.platform.startswith("linux"):
        return None  # the death signal that ties it to this process is Linux's
    binary, direct = _program(program)
    if not direct:
        return None
    with _lock:
        if _warm is None or _warm.owner != os.getpid() or _warm.binary != binary:
            _warm = Office(binary)
        return _warm


def _give_up_warm() -> None:
    """No interpreter here has UNO: this process paginates cold from now on."""
    global _no_uno_in
    _no_uno_in = os.getpid()
    close_warm()


def start_office() -> None:
    """Start this process's LibreOffice now, for the Word file it is about to make.

    It gets ready while the plan is read and the file rendered, and then settles the
    file's pages in one load (`settle`). Unless `keep_warm()` keeps it for the process's
    life, it ends at `end_office()` (after the Word file), at exit, or with the process
    however it ends. Nothing happens where there can be no warm LibreOffice (not
    installed, not Linux, BCF_DOCGEN_LIBREOFFICE=cold): the passes are cold as before.
    """
    global _early_for
    program = soffice()
    with _lock:
        if _early_for != os.getpid() and _warm_for != os.getpid():
            _early_for = os.getpid()
            _at_exit()
    try:
        office = None if program is None else _office(program)
        if office is None:
            _early_for = None
            return
        office.start(warm_up=True)
    except _NoUno:
        _give_up_warm()
    except Exception:  # it could not be started here (a full disk, say): go cold
        end_office()


def end_office() -> None:
    """End the LibreOffice `start_office()` started, unless `keep_warm()` keeps it."""
    global _early_for
    with _lock:
        early, _early_for = _early_for == os.getpid(), None
    if early and _warm_for != os.getpid():
        close_warm()


def _at_exit() -> None:
    """Have `close_warm` run at this process's exit, once (called holding _lock)."""
    global _exit_for
    if _exit_for != os.getpid():
        _exit_for = os.getpid()
        atexit.register(close_warm)


def keep_warm() -> None:
    """Keep one LibreOffice running for all of this process's passes from now on.

    For long-lived processes that paginate more than once. It starts at the first
    pass, is replaced after OFFICE_USES passes, and ends at `close_warm()`, at exit, or
    with the process however it ends.
    """
    global _warm_for
    with _lock:
        if _warm_for != os.getpid():
            _warm_for = os.getpid()
            _at_exit()


def warm_office() -> Office | None:
    """This process's warm LibreOffice if it has one (running or not)."""
    office = _warm
    return office if office is not None and office.owner == os.getpid() else None


def close_warm() -> None:
    """End this process's warm LibreOffice now, if it has one (also run at exit); a
    later pass starts a new one."""
    global _warm
    with _lock:
        office, _warm = _warm, None
    if office is not None and office.owner == os.getpid():
        office.close()
