"""Private working folders that a process keeps across calls, and removes when it can.

A warm LibreOffice keeps its profile in one, and a kept Typst compiler the files it
reads (the plan's text among them): both live as long as their worker process. Worker
processes are killed rather than asked to end (workers.py), so a worker cannot remove
its own folder. Each folder is therefore named after the process that made it, and
`sweep` removes those whose process has ended: the command calls it once it has ended
its workers (build.Writers.close), and making a new folder does too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "bcf-docgen-kept-"  # + the owning process's id, "-", the kind, "-"


def kept_folder(kind: str) -> Path:
    """A new folder only this user can enter (mkdtemp's), for a `kind` of use, named
    after this process; the folders of processes that have ended are removed first."""
    sweep()
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-{kind}-"))


def sweep() -> None:
    """Remove the kept folders whose process has ended."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = folder.name[len(PREFIX) :].partition("-")[0]
        if owner.isdigit() and not alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def alive(pid: int) -> bool:
    """Whether process `pid` runs. A zombie (ended, not yet reaped: a killed worker's
    child whose new parent is slow to reap it) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's: alive
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # without /proc (not Linux) os.kill's word stands; else just reaped
        return not Path("/proc/self").exists()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
