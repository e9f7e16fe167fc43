"""Private working folders that a process keeps across calls, and removes when it can.

A warm LibreOffice keeps its profile in one, and a kept Typst compiler the files it
reads: both live as long as their (worker) process. A process that is killed cannot
remove its own folder, so each folder is named after the process that made it, and
making a new one first removes those of its kind whose process has ended.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def kept_folder(prefix: str) -> Path:
    """A new folder only this user can enter (mkdtemp's), named `prefix` + this
    process's id; the `prefix` folders of processes that have ended are removed first."""
    sweep(prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))


def sweep(prefix: str) -> None:
    """Remove the `prefix` folders whose process has ended."""
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        owner = folder.name[len(prefix) :].partition("-")[0]
        if owner.isdigit() and not alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's: alive
        return True
    return True
