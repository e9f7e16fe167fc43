"""Building outputs from a checked plan: which formats, in parallel, written atomically.

The writers are independent (both read the same Document), so with more than one
format each runs in its own process: the Word file's LibreOffice pagination and the
PDF layout then overlap instead of adding up. Files are written to a temporary name and
renamed into place only when every requested format has been made, so a failed build
leaves the previous outputs untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .document.model import Document
from .pipeline import write_atomic

FORMATS = ("docx", "pdf", "html")


@dataclass
class Built:
    paths: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class BuildRefused(Exception):
    """A final build with errors (or --strict with warnings): nothing was written."""


def render_format(fmt: str, document: Document, plan_root: Path) -> tuple[bytes, list[str]]:
    """One output's bytes and any notes for the user (runs in a worker process)."""
    if fmt == "docx":
        from .render.docx import build_docx

        data, paginated = build_docx(document)
        notes = (
            []
            if paginated
            else [
                "LibreOffice is not installed, so the Word file's contents have no page numbers "
                "yet: they appear when the reader updates fields in Word (F9)"
            ]
        )
        return data, notes
    if fmt == "pdf":
        from .render.pdf import render_pdf

        return render_pdf(document, plan_root), []
    if fmt == "html":
        from .render.html import render_html

        return render_html(document).encode("utf-8"), []
    raise ValueError(f"unknown output format {fmt}")


def build_outputs(
    document: Document,
    plan_root: Path,
    out: Path,
    slug: str,
    formats: list[str],
    parallel: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Built:
    results: dict[str, tuple[bytes, list[str]]] = {}
    if parallel and len(formats) > 1:
        with ProcessPoolExecutor(max_workers=len(formats)) as pool:
            futures = {fmt: pool.submit(render_format, fmt, document, plan_root) for fmt in formats}
            for fmt, future in futures.items():
                results[fmt] = future.result()
                if progress:
                    progress(fmt)
    else:
        for fmt in formats:
            results[fmt] = render_format(fmt, document, plan_root)
            if progress:
                progress(fmt)
    built = Built()
    for fmt in formats:
        data, notes = results[fmt]
        path = out / f"{slug}.{fmt}"
        write_atomic(path, data)
        built.paths[fmt] = path
        built.notes.extend(notes)
    return built
