"""The steps a command runs, as library calls: read and check a plan, write outputs safely."""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checks import run_checks, run_document_checks
from .content.plan import Plan
from .content.reader import read_plan
from .document.assemble import assemble
from .document.model import Document
from .findings import Findings
from .history import read_version_history
from .pack import Pack, assemble_pack

try:
    import fcntl
except ImportError:  # Windows: no locks; a killed build's temporaries stay behind
    fcntl = None  # type: ignore[assignment]


@dataclass
class Checked:
    plan: Plan | None
    findings: Findings
    document: Document | None = None
    pack: Pack | None = None  # the board pack, when the plan has a board-report.yaml


def check_plan(
    folder: Path | str, templates: Path | None = None, with_pack: bool = True
) -> Checked:
    """Read a plan, run every check and assemble the document (which resolves references).

    With `with_pack` (what `check` and `pack` do), a plan with a board-report.yaml also
    has its board pack composed, so that the covering report and the appendices are
    checked too; a build of the plan's own documents leaves it out (it costs a second
    assembly of the plan). Raises PlanFolderError if there is no plan. The document is
    None when the plan could not be read well enough to build one.
    """
    result = read_plan(folder, templates)
    findings = result.findings
    document = None
    if result.plan is not None:
        # `history_from: git-tags`: the history from git, before the checks look at it.
        findings.extend(read_version_history(result.plan))
        findings.extend(run_checks(result.plan))
        document, assembly = assemble(result.plan, templates)
        findings.extend(assembly)
        # Rules that need the laid-out document: stated totals, real numbering, headings.
        findings.extend(run_document_checks(result.plan, document))
    pack = None
    if with_pack and result.plan is not None and document is not None and result.plan.board_report:
        # The covering report and the appendices are checked like the plan (findings
        # that the plan's own checks made already are listed once).
        pack = assemble_pack(result.plan, document, templates)
        findings.extend(pack.findings)
    return Checked(result.plan, findings, document, pack)


def write_atomic(path: Path, data: bytes) -> None:
    """Write one file so that it is never seen half-written (see `write_all`)."""
    write_all({path: data})


def write_all(files: Mapping[Path, bytes]) -> None:
    """Replace every file in `files`, or none of them.

    Each is written in full under a unique temporary name beside its final one (so two
    builds into one folder never write into the same file), and only when all are
    written are they renamed into place. A failure before the renames (a full disk, a
    folder that cannot be written) removes the temporaries and leaves every earlier
    output as it was. Ctrl-C or SIGTERM during the renames takes effect once they are
    done, so an interrupted build never leaves a mix of old and new outputs; only SIGKILL
    in that instant can, and it still leaves no file half-written.

    Where the system has `flock` (Linux, macOS), the renames into one folder hold that
    folder's lock, so two builds into one folder at once each replace their whole set in
    turn, never interleaved; and each temporary is locked by its writer while it lives,
    so a temporary that a killed build left behind (unlocked) is removed by the next
    build into that folder, while another build's live one is left alone.
    """
    written: dict[Path, Path] = {}
    held: list[int] = []  # the open temporaries: each locked while it lives
    try:
        for path, data in files.items():
            temporary, fd = _temporary(path, data)
            held.append(fd)
            written[path] = temporary
        with _folders_locked({path.parent for path in files}), _signals_deferred():
            _remove_stale(files, set(written.values()))
            while written:
                path, temporary = next(iter(written.items()))
                os.replace(temporary, path)
                del written[path]
    finally:
        for temporary in written.values():
            temporary.unlink(missing_ok=True)
        for fd in held:
            os.close(fd)


def _temporary(path: Path, data: bytes) -> tuple[Path, int]:
    """`data` in a new hidden file beside `path`, with the permissions an output gets, and
    its descriptor, which holds the file's lock until the caller closes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Shared: a build removing stale temporaries (exclusive) never sees this one between
    # its creation and its lock.
    with _folders_locked({path.parent}, exclusive=False):
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        _lock(fd)
    temporary = Path(name)
    try:
        with open(fd, "wb", closefd=False) as handle:
            handle.write(data)
        # mkstemp makes the file private; outputs get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    return temporary, fd


def _lock(fd: int, exclusive: bool = True, wait: bool = True) -> bool | None:
    """flock `fd`: True when locked, False if another holds it (only when not waiting),
    None where there are no locks (no flock, or a file system that refuses it): the
    build goes on unlocked, and nothing is taken for stale."""
    if fcntl is None:
        return None
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
    try:
        fcntl.flock(fd, mode)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks (some network ones)
        return None
    return True


@contextlib.contextmanager
def _folders_locked(folders: set[Path], exclusive: bool = True) -> Iterator[None]:
    """Hold the lock of each folder (in a fixed order, so two builds never deadlock)."""
    fds: list[int] = []
    try:
        for folder in sorted(folders):
            try:
                fd = os.open(folder, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except OSError:  # a folder that cannot be opened for reading: no lock
                continue
            fds.append(fd)
            _lock(fd, exclusive)
        yield
    finally:
        for fd in fds:
            os.close(fd)


def _remove_stale(files: Mapping[Path, bytes], own: set[Path]) -> None:
    """Remove the temporaries of `files` that no live build holds: a killed build's.

    Called with the folders locked, so no temporary is between its creation and its lock.
    """
    if fcntl is None:
        return
    for path in files:
        for temporary in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            if temporary in own:
                continue
            try:
                fd = os.open(temporary, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode) and _lock(fd, wait=False) is True:
                    temporary.unlink(missing_ok=True)
            except OSError:
                pass  # gone meanwhile, or not ours to remove
            finally:
                os.close(fd)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, then deliver them.

    Python runs signal handlers in the main thread only, so elsewhere there is nothing
    to hold (and the main thread's handler cannot interrupt this thread's renames).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[signal.Signals, Any] = {}
    for held in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(held)
        if handler is not None:  # a handler set outside Python cannot be put back
            previous[held] = handler
            signal.signal(held, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        for number in caught:
            signal.raise_signal(number)
