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

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..workers import die_with_parent_preexec

EXPORT_OPTIONS = {"ExportBookmarksToPDFDestination": {"type": "boolean", "value": "true"}}
# soffice.bin's exit codes asking to be started again (desktop's ExitHelper): after
# creating a new user profile, and after a crash it recovered from.
RESTART_CODES = (79, 81)
# How long one LibreOffice pass may take: far beyond any plan on a loaded machine, so
# only a hung LibreOffice reaches it (the Word file is then still written, unpaged).
PAGINATE_SECONDS = 600
STARTS = 3  # a restart is asked for once; more means something else is wrong


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
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
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

    None when LibreOffice (or pypdf, to read its PDF) is not available, or the
    conversion fails or takes longer than `timeout` seconds.
    """
    pdf = convert_to_pdf(docx, timeout)
    if pdf is None:
        return None
    return read_pages(pdf)


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
