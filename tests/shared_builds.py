"""Builds of the shipped example that many test modules read, made once per test run.

The example's PDF takes a core for 15-20 s and its board pack 30 s; half a dozen modules
read them, and with `pytest -n auto` each xdist worker used to make its own. A build is
made by the first worker that asks for it, under a lock in the run's shared temporary
folder, and the others wait for it and read the same files. The folders are read-only by
agreement: a test that changes an output copies it first.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

DONE = ".complete"


def shared_root(factory: pytest.TempPathFactory) -> Path:
    """The folder every xdist worker of this run shares (the base temp's parent under
    xdist, where each worker's base temp is `popen-gwN`; the base temp otherwise)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_output(factory: pytest.TempPathFactory, key: str, make: Callable[[Path], None]) -> Path:
    """The folder `make(folder)` fills, made once per run whoever asks first.

    A failed `make` leaves no folder behind, so each module that needs it fails with the
    build's own message instead of reading half an output.
    """
    root = shared_root(factory)
    folder = root / f"shared-{key}"
    with open(root / f"shared-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / DONE).exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                make(folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            (folder / DONE).touch()
    return folder
