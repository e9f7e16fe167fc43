"""Building outputs from a checked plan: which formats, in parallel, written atomically.

The writers are independent (both read the same Document), so with more than one
format each runs in its own process: the Word file's LibreOffice pagination and the
PDF layout then overlap instead of adding up. Files are written to a temporary name and
renamed into place only when every requested format has been made, so a failed build
leaves the previous outputs untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .document.model import Document
from .pipeline import Checked, write_atomic

FORMATS = ("docx", "pdf", "html")


@dataclass
class Built:
    paths: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class BuildRefused(Exception):
    """A final build with errors (or --strict with warnings): nothing was written."""


def refusal(checked: Checked, strict: bool = False) -> str | None:
    """Why nothing may be written for a read plan, or None: a final plan (or any plan
    with --strict) is refused while errors (or, with --strict, warnings) remain."""
    assert checked.plan is not None
    findings = checked.findings
    final = checked.plan.meta.status == "final"
    blocking = findings.errors + (findings.warnings if strict else [])
    if blocking and (final or strict):
        why = "final plan" if final else "--strict"
        return (
            f"build refused ({why}): fix the {len(blocking)} problem(s) above; "
            "earlier outputs are left as they were"
        )
    return None


def render_format(
    fmt: str, document: Document, plan_root: Path, paginate: bool = True
) -> tuple[bytes, list[str]]:
    """One output's bytes and any notes for the user (runs in a worker process).

    With `paginate` false the Word file skips the LibreOffice pass that fills in the
    contents' page numbers (Word fills them in when fields are updated).
    """
    if fmt == "docx":
        from .render.docx import build_docx, render_docx

        if not paginate:
            return render_docx(document), []
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


def import_writers(formats: Iterable[str]) -> None:
    """Import what the writers of `formats` need (about a second for WeasyPrint and
    matplotlib), so that a worker started early does it while the plan is checked."""
    import importlib

    for module in ("weasyprint", "matplotlib.figure") if "pdf" in formats else ():
        importlib.import_module(module)
    if "docx" in formats:
        importlib.import_module("bcf_docgen.render.docx")


def start_workers(formats: list[str]) -> dict[str, ProcessPoolExecutor]:
    """A worker process per format for a parallel build, started before the plan is read.

    Each imports its writer at once, so that the start-up overlaps with reading and
    checking the plan. Empty when one format needs no worker. Pass the workers to
    build_outputs; the caller shuts them down (stop_workers).
    """
    if len(formats) < 2:
        return {}
    workers = {}
    for fmt in formats:
        pool = ProcessPoolExecutor(max_workers=1, initializer=import_writers, initargs=((fmt,),))
        pool.submit(int)  # starts the worker now
        workers[fmt] = pool
    return workers


def stop_workers(workers: dict[str, ProcessPoolExecutor]) -> None:
    for pool in workers.values():
        pool.shutdown(cancel_futures=True)


def build_outputs(
    document: Document,
    plan_root: Path,
    out: Path,
    slug: str,
    formats: list[str],
    parallel: bool = True,
    progress: Callable[[str], None] | None = None,
    paginate: bool = True,
    workers: dict[str, ProcessPoolExecutor] | None = None,
) -> Built:
    """Make `formats` (side by side with `parallel`, in `workers` if given) and write them."""
    results: dict[str, tuple[bytes, list[str]]] = {}
    if parallel and len(formats) > 1:
        own = not workers
        workers = workers or start_workers(formats)
        try:
            futures = {
                fmt: workers[fmt].submit(render_format, fmt, document, plan_root, paginate)
                for fmt in formats
            }
            for fmt, future in futures.items():
                results[fmt] = future.result()
                if progress:
                    progress(fmt)
        finally:
            if own:
                stop_workers(workers)
    else:
        for fmt in formats:
            results[fmt] = render_format(fmt, document, plan_root, paginate)
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
