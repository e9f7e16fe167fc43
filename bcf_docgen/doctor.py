"""`bcf-docgen doctor`: what this machine has for building plans, and what a missing piece costs.

A build needs Python, the libraries the writers use (WeasyPrint on Pango for the PDF,
python-docx for Word, pikepdf for the PDF's tags) and the fonts the default theme names
(Arial, or Liberation Sans with the same metrics: without either the PDF is set in
another font and its lines break differently from the Word file's). Other pieces are
optional and each only turns one thing off: LibreOffice fills in the page numbers of
the Word file's contents (and `--verify`), Chromium is only for the preview's browser
tests, Typst only for the benchmark. The doctor says which is which, so "it works on my
machine" becomes a list a colleague can compare.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from . import __version__

# A safety net only: `soffice --version` and `fc-match` answer in a second or two.
TOOL_SECONDS = 1800
MIN_PYTHON = (3, 11)
MIN_PANGO = (1, 44)  # WeasyPrint's own minimum
# The default theme's fonts (theme.Fonts): Arial, or a font with its metrics.
THEME_FONTS = ("Arial", "Liberation Sans", "Arimo")
CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True)
class Check:
    """One piece: whether it is there, what was found, and what its absence turns off."""

    name: str
    ok: bool
    found: str  # a version, a path or a font; "not found"
    needed: bool  # a build cannot be made (or not as designed) without it
    disables: str  # what is lost without it (said whether or not it is missing)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


Runner = Callable[[list[str]], str | None]


def run_tool(command: list[str]) -> str | None:
    """A tool's standard output, or None when it is not installed or fails."""
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TOOL_SECONDS, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _package(name: str, distribution: str, needed: bool, disables: str) -> Check:
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return Check(name, False, "not installed", needed, disables)
    return Check(name, True, version, needed, disables)


def _python() -> Check:
    version = ".".join(str(part) for part in sys.version_info[:3])
    ok = sys.version_info[:2] >= MIN_PYTHON
    wanted = ".".join(str(part) for part in MIN_PYTHON)
    return Check("Python", ok, version, True, f"everything (bcf-docgen needs Python {wanted}+)")


def _pango() -> Check:
    disables = "the PDF (WeasyPrint lays text out with Pango)"
    try:
        from weasyprint.text.ffi import pango

        number = int(pango.pango_version())
    except (ImportError, OSError, AttributeError) as exc:
        return Check("Pango", False, f"not found ({exc})", True, disables)
    version = (number // 10000, number // 100 % 100, number % 100)
    shown = ".".join(str(part) for part in version)
    return Check("Pango", version[:2] >= MIN_PANGO, shown, True, disables)


def _libreoffice(run: Runner) -> Check:
    from .render.libreoffice import soffice

    disables = (
        "page numbers in the Word file's contents (Word fills them in when fields are "
        "updated), `build --verify` and the Word pack's page numbers"
    )
    program = soffice()
    if program is None:
        return Check("LibreOffice", False, "not found", False, disables)
    version = run([program, "--version"]) or "version unknown"
    return Check("LibreOffice", True, f"{version} ({program})", False, disables)


def _fonts(run: Runner) -> Check:
    disables = (
        "the theme's fonts: the PDF is set in another font, so its lines and pages break "
        "differently from the Word file's"
    )
    if shutil.which("fc-match") is None:
        return Check("Fonts", False, "fc-match not found (fontconfig)", True, disables)
    found = []
    for font in THEME_FONTS:
        family = run(["fc-match", "-f", "%{family}", font])
        if family and any(name in family for name in THEME_FONTS):
            found.append(f"{font} -> {family}")
    ok = bool(found)
    shown = "; ".join(found) if ok else "no Arial, Liberation Sans or Arimo"
    return Check("Fonts", ok, shown, True, disables)


def _chromium() -> Check:
    path = next((found for name in CHROMIUM if (found := shutil.which(name))), None)
    disables = "only the preview's browser tests (building needs no browser)"
    return Check("Chromium", path is not None, path or "not found", False, disables)


def diagnose(run: Runner = run_tool) -> list[Check]:
    """Every check, needed pieces first. `run` runs a tool (tests give their own)."""
    checks = [
        _python(),
        Check("bcf-docgen", True, __version__, True, "everything"),
        _package("WeasyPrint", "weasyprint", True, "the PDF"),
        _pango(),
        _package("python-docx", "python-docx", True, "the Word file"),
        _package("pikepdf", "pikepdf", True, "the PDF's accessibility tags (PDF/UA)"),
        _fonts(run),
        _libreoffice(run),
        _chromium(),
    ]
    with contextlib.suppress(metadata.PackageNotFoundError):  # the benchmark's optional extra
        typst = metadata.version("typst")
        checks.append(Check("typst", True, typst, False, "only the benchmark's Typst row"))
    return checks


def ready(checks: list[Check]) -> bool:
    """Whether everything a build needs is there (optional pieces may be missing)."""
    return all(check.ok for check in checks if check.needed)
