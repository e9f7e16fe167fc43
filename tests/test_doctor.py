"""`bcf-docgen doctor`: the machine's pieces, and what each missing one turns off.

The real machine (CI installs LibreOffice, the fonts and Chromium) is ready; missing
pieces are made by hiding programs (`shutil.which`) and answering for `fc-match`.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from importlib import metadata

import pytest
from click.testing import CliRunner

from bcf_docgen import doctor
from bcf_docgen.cli import main

NAMES = ["Python", "bcf-docgen", "WeasyPrint", "Pango", "python-docx", "pikepdf", "Fonts"]


def run_doctor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["doctor", *args])
    return result.exit_code, result.stdout


def test_this_machine_is_ready() -> None:
    status, out = run_doctor("--format", "json")
    report = json.loads(out)
    assert status == 0 and report["ready"] is True
    checks = {check["name"]: check for check in report["checks"]}
    assert [name for name in checks if name in NAMES] == NAMES
    assert re.fullmatch(r"\d+\.\d+\.\d+", checks["Pango"]["found"])
    assert checks["python-docx"]["found"] == metadata.version("python-docx")
    assert checks["LibreOffice"]["ok"] and "LibreOffice" in checks["LibreOffice"]["found"]
    assert "Liberation Sans" in checks["Fonts"]["found"]
    assert checks["Chromium"]["ok"]
    assert all(
        set(check) == {"name", "ok", "found", "needed", "disables"} for check in checks.values()
    )


def hide(monkeypatch: pytest.MonkeyPatch, *programs: str) -> None:
    which: Callable[..., str | None] = shutil.which

    def fake(name: str, *args: object, **kwargs: object) -> str | None:
        return None if name in programs else which(name)

    monkeypatch.setattr(shutil, "which", fake)


def test_optional_pieces_missing_still_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "soffice", "libreoffice", *doctor.CHROMIUM)
    status, out = run_doctor()
    assert status == 0
    assert "absent LibreOffice: not found" in " ".join(out.split())
    assert "without it, no: page numbers in the Word file's contents" in out
    assert "without it, no: only the preview's browser tests" in out
    assert out.rstrip().endswith("ready to build")


def test_missing_fonts_are_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    real = doctor.run_tool

    def run(command: list[str]) -> str | None:
        return "DejaVu Sans" if command[0] == "fc-match" else real(command)

    checks = doctor.diagnose(run)
    fonts = next(check for check in checks if check.name == "Fonts")
    assert not fonts.ok and fonts.needed
    assert "no Arial, Liberation Sans or Arimo" in fonts.found
    assert "lines and pages break differently" in fonts.disables
    assert not doctor.ready(checks)


def test_a_missing_library_is_not_ready_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    version = metadata.version

    def fake(name: str) -> str:
        if name == "pikepdf":
            raise metadata.PackageNotFoundError(name)
        return version(name)

    monkeypatch.setattr(metadata, "version", fake)
    status, out = run_doctor()
    assert status == 1
    flat = " ".join(out.split())
    assert "missing pikepdf: not installed" in flat
    assert "needed for: the PDF's accessibility tags" in flat
    assert "not ready" in out
    status, out = run_doctor("--format", "json")
    assert status == 1 and json.loads(out)["ready"] is False
