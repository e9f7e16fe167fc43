"""The steps a command runs, as library calls: read and check a plan, write outputs safely."""

from __future__ import annotations

import contextlib
import os
import signal
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
from .pack import Pack, assemble_pack


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
    """
    written: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            written[path] = _temporary(path, data)
        with _signals_deferred():
            while written:
                path, temporary = next(iter(written.items()))
                os.replace(temporary, path)
                del written[path]
    finally:
        for temporary in written.values():
            temporary.unlink(missing_ok=True)


def _temporary(path: Path, data: bytes) -> Path:
    """`data` in a new hidden file beside `path`, with the permissions an output gets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes the file private; outputs get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


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
