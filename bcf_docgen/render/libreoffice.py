"""Headless LibreOffice as a pagination oracle for our own .docx.

python-docx has no layout engine, so it cannot know on which page a heading lands.
LibreOffice can: we convert a copy of the finished .docx to PDF with bookmarks exported
as named destinations, and read back the page of each destination. LibreOffice never
saves a .docx here (its re-serialisation would lose our styling); the PDF it writes is
thrown away with its temporary folder and user profile.

The fonts matter: the theme's Arial is laid out with Liberation Sans, which has the
same metrics, so the page numbers agree with what Word shows.
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
from dataclasses import dataclass
from pathlib import Path

EXPORT_OPTIONS = {"ExportBookmarksToPDFDestination": {"type": "boolean", "value": "true"}}


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


def convert_to_pdf(docx: bytes, timeout: float = 120) -> bytes | None:
    """The PDF LibreOffice makes of `docx`, or None (not installed, failed, too slow)."""
    program = soffice()
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bcf-docgen-lo-") as tmp:
        folder = Path(tmp)
        source = folder / "document.docx"
        source.write_bytes(docx)
        out = folder / "out"
        profile = folder / "profile"
        command = [
            program,
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
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                cwd=folder,
                env=env,
                start_new_session=True,  # its own process group, so a timeout kills it all
            )
        except OSError:
            return None
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return None
        pdf = out / "document.pdf"
        if process.returncode != 0 or not pdf.is_file():
            return None
        return pdf.read_bytes()


def paginate(docx: bytes, timeout: float = 120) -> Pages | None:
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


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
