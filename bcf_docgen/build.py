"""The writers of a plan build: which formats there are, how one is made, and warm
worker processes to make them side by side.

The writers are independent (each reads the same Document), so with more than one
output each can run in its own process: the Word file's LibreOffice pagination and the
PDF layout then overlap instead of adding up. A writer's libraries take about a second
to import, so its process is started before the plan is read (`Writers`), and the
import overlaps reading and checking. What a build writes, and how it is written, is
the build job's (jobs.py).

The PDF is always made in a worker, even alone: WeasyPrint runs there under the memory
cap every worker has (workers.py) and under a wall-clock cap, `pdf_seconds()` (600 s
unless BCF_DOCGEN_PDF_SECONDS says otherwise), after which the job kills it (jobs.py).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from .engines import DEFAULT_PDF_ENGINE
from .workers import Closing, Workers

if TYPE_CHECKING:
    from .document.model import Document
    from .pack import Pack

# A worker process imports this module to run `render_output`, so it imports nothing it
# does not need at once: each writer's libraries are imported when first used.

FORMATS = ("docx", "pdf", "html")
NO_LIBREOFFICE = (
    "LibreOffice is not installed, so the Word file's contents have no page numbers "
    "yet: they appear when the reader updates fields in Word (F9)"
)

T = TypeVar("T")

# The outputs made by an engine that content can make run for ever or grab all memory:
# each is made in a worker process, under the caps, even when it is the only output.
ENGINE_OUTPUTS = frozenset({"pdf"})
WORD_OUTPUTS = frozenset({"docx", "pack-docx"})  # paginated by LibreOffice
# Engines whose PDF is made well before a Word file's LibreOffice pass ends (Typst lays
# out the M plan in a second, LibreOffice takes two): beside a Word file to paginate,
# their worker yields the CPU to the Word file's, which the build waits for.
QUICK_ENGINES = frozenset({"typst"})
YIELD_NICE = 10
PDF_SECONDS = 600.0  # the L benchmark plan's PDF takes about 30 s
PDF_SECONDS_VARIABLE = "BCF_DOCGEN_PDF_SECONDS"


def pdf_seconds() -> float:
    """The wall-clock cap on making a PDF: BCF_DOCGEN_PDF_SECONDS when it is a positive
    number of seconds, PDF_SECONDS otherwise."""
    try:
        value = float(os.environ.get(PDF_SECONDS_VARIABLE, ""))
    except ValueError:
        return PDF_SECONDS
    return value if 0 < value < 10**9 else PDF_SECONDS


def render_format(
    fmt: str,
    document: Document,
    plan_root: Path,
    paginate: bool = True,
    templates: Path | None = None,
    engine: str = DEFAULT_PDF_ENGINE,
) -> tuple[bytes, list[str]]:
    """One output's bytes and any notes for the user (often run in a worker process).

    With `paginate` false the Word file skips the LibreOffice pass that fills in the
    contents' page numbers (Word fills them in when fields are updated). `engine` lays
    out the PDF: "weasyprint" (the HTML page) or "typst" (docs/engines.md).
    """
    if fmt == "docx":
        from .render.docx import build_docx, render_docx

        if not paginate:
            from .render.libreoffice import end_office

            end_office()  # one started early for this file is not needed after all
            return render_docx(document), []
        data, paginated = build_docx(document)
        return data, [] if paginated else [NO_LIBREOFFICE]
    if fmt == "pdf" and engine == "typst":
        from .render.typst_pdf import render_typst_pdf

        return render_typst_pdf(document, plan_root, templates), []
    if fmt == "pdf":
        from .render.pdf import render_pdf

        return render_pdf(document, plan_root, templates), []
    if fmt == "html":
        from .render.html import render_html

        return render_html(document, templates=templates).encode("utf-8"), []
    raise ValueError(f"unknown output format {fmt}")


def render_output(
    kind: Literal["plan", "pack"],
    name: str,
    model: Document | Pack,
    plan_root: Path,
    templates: Path | None,
    paginate: bool,
    engine: str = DEFAULT_PDF_ENGINE,
) -> tuple[bytes, list[str]]:
    """One output of a build job (`kind` "plan") or of a board pack ("pack"): its bytes and
    notes. What the job sends to a worker process."""
    if kind == "pack":
        from .pack import render_part

        data, notes = render_part(name, cast("Pack", model), plan_root, templates, engine)
        return data, list(notes)
    return render_format(name, cast("Document", model), plan_root, paginate, templates, engine)


# What each PDF engine's worker imports before it is needed (matplotlib draws the charts).
ENGINE_MODULES = {
    "weasyprint": ("weasyprint", "matplotlib.figure"),
    "typst": ("typst", "bcf_docgen.render.typst_pdf", "matplotlib.figure"),
}
# And a Word file's worker: matplotlib's import is half a second of the first render,
# which LibreOffice waits for.
WORD_MODULES = ("bcf_docgen.render.docx", "matplotlib.figure")
# What unpickling a document imports in any worker (its charts bring the plan's models
# and pydantic): a sixth of a second otherwise spent after the document arrives.
MODEL_MODULES = ("bcf_docgen.charts",)


def import_writers(
    formats: Iterable[str],
    engine: str | None = None,
    warm_office: bool = False,
    office: bool = False,
) -> None:
    """Import what the writers of `formats` need (about a second for WeasyPrint and
    matplotlib), so that a worker started early does it while the plan is checked. The
    PDF's are those of `engine` (the default engine's when not known yet): a Typst worker
    does not carry WeasyPrint's memory. With `office` (a Word file to paginate), a Word
    file's worker starts its LibreOffice first, so that it is ready when the file is;
    with `warm_office` it keeps one LibreOffice for all its files (render/libreoffice.py).
    """
    formats = set(formats)
    modules = list(MODEL_MODULES)
    if "pdf" in formats:
        modules.extend(ENGINE_MODULES.get(engine or DEFAULT_PDF_ENGINE, ()))
    if WORD_OUTPUTS.intersection(formats):
        from .render.libreoffice import keep_warm, start_office

        if warm_office:
            keep_warm()
        if office:
            start_office()
        modules.extend(WORD_MODULES)
    for module in modules:
        importlib.import_module(module)


class Writers(Closing):
    """One warm worker process per output, each having imported only its own writer.

    One per output, not a shared pool, so that an output always goes to the same process
    and finds the caches its last run left there (Typst's layouts, a warm LibreOffice).
    With `office`, a Word file's worker starts its LibreOffice at once (`import_writers`),
    which then settles the file's pages in one load; `warm_office` is for workers that
    make many Word files (watch, preview), which keep one for all of them (docs/speed.md).
    The workers of `yielding` run at a lower priority (`nice` + YIELD_NICE).

    Started before the plan is read; the job sends each output to its worker. Close it
    (or use it as a context manager) to end the workers, whatever state they are in.
    """

    def __init__(
        self,
        names: Iterable[str],
        engine: str | None = None,
        nice: int = 0,
        warm_office: bool = False,
        office: bool = False,
        yielding: Iterable[str] = (),
    ) -> None:
        self._workers: dict[str, Workers] = {}
        self._office_here = False
        yielding = set(yielding)
        try:
            for name in dict.fromkeys(names):
                warm_args = ((name,), engine, warm_office, office)
                priority = nice + (YIELD_NICE if name in yielding else 0)
                workers = Workers(1, warm=import_writers, args=warm_args, nice=priority)
                self._workers[name] = workers.start()
        except BaseException:
            self.close()
            raise

    @classmethod
    def for_outputs(
        cls, names: Iterable[str], engine: str | None = None, office: bool = False
    ) -> Writers | None:
        """Writers for `names`, or none when there is only one and it is not an engine's
        (ENGINE_OUTPUTS): a lone Word file or HTML page is made fastest in the process that
        already holds the document, but a PDF is made under the caps.

        `office` (the request's `paginate`) starts the Word file's LibreOffice at once,
        while the plan is read: in its worker, or for a lone Word file in this process,
        with Writers that have no worker and end it when they are closed. A quick engine's
        PDF beside it yields the CPU to the Word file (QUICK_ENGINES)."""
        names = list(dict.fromkeys(names))
        if len(names) > 1 or ENGINE_OUTPUTS.intersection(names):
            paged = office and WORD_OUTPUTS.intersection(names) and engine in QUICK_ENGINES
            yielding = ENGINE_OUTPUTS.intersection(names) if paged else set()
            return cls(names, engine, office=office, yielding=yielding)
        if office and WORD_OUTPUTS.intersection(names):
            from .render.libreoffice import start_office

            writers = cls([], engine)
            writers._office_here = True
            start_office()
            return writers
        return None

    @property
    def names(self) -> list[str]:
        return list(self._workers)

    def submit(self, name: str, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """Run `fn(*args)` in the worker for output `name`."""
        return self._workers[name].submit(fn, *args)

    def stop(self, name: str) -> None:
        """End the worker of output `name` now (one that ran past its time)."""
        self._workers[name].close()

    def close(self) -> None:
        for workers in self._workers.values():
            workers.close()
        if self._workers:
            from .render.kept_folders import sweep

            sweep()  # the folders the workers kept (the plan's text among their files)
        if self._office_here:
            from .render.libreoffice import end_office

            end_office()
