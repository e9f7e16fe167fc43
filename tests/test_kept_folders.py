"""Working folders kept by a process (render/kept_folders.py): private, and removed by
the next process that makes one once their own process has ended."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from bcf_docgen.build import Writers
from bcf_docgen.render.kept_folders import PREFIX, kept_folder


def test_a_folder_left_by_an_ended_process_goes_when_the_next_is_made() -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()
    left = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{ended.pid}-typst-"))
    (left / "main.typ").write_text("left behind")
    living = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getppid()}-typst-"))  # a live owner's
    made = kept_folder("test")
    try:
        assert not left.exists()
        assert living.is_dir()
        assert made.name.startswith(f"{PREFIX}{os.getpid()}-test-")
        assert stat.S_IMODE(made.stat().st_mode) == 0o700
    finally:
        for folder in (left, living, made):
            shutil.rmtree(folder, ignore_errors=True)


def test_the_folders_of_the_workers_go_when_the_command_ends_them() -> None:
    # Workers are killed, never asked to end: they cannot remove their own folders.
    writers = Writers.for_outputs(["pdf", "html"], "typst")
    assert writers is not None
    with writers:
        folders = [writers.submit(name, kept_folder, name).result() for name in writers.names]
        assert all(folder.is_dir() for folder in folders)
    assert not any(folder.exists() for folder in folders)
