"""Working folders kept by a process (render/kept_folders.py): private, and removed by
the next process that makes one once their own process has ended."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from bcf_docgen.render.kept_folders import kept_folder

PREFIX = "bcf-docgen-test-kept-"


def test_a_folder_left_by_an_ended_process_goes_when_the_next_is_made() -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()
    left = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{ended.pid}-"))
    (left / "main.typ").write_text("left behind")
    living = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getppid()}-"))  # a live owner's
    made = kept_folder(PREFIX)
    try:
        assert not left.exists()
        assert living.is_dir()
        assert made.name.startswith(f"{PREFIX}{os.getpid()}-")
        assert stat.S_IMODE(made.stat().st_mode) == 0o700
    finally:
        for folder in (left, living, made):
            shutil.rmtree(folder, ignore_errors=True)
