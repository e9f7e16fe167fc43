"""One build job: read and check a plan, refuse or render, then write every output or none.

`build`, `build --jobs`, `watch` and `pack` each used to do this themselves, and they
drifted apart (`pack` had its own refusal rule and ignored --strict). Now a command
says what it wants as a `BuildRequest` and `run_job` does the rest, returning a
`BuildResult` for the command to report: the library never prints and never exits.
`watch` writes its quick outputs before its slow ones, so it uses the steps of the job
(`prepare`, `render_outputs`, `write_all`) rather than the whole of it.

The order of a job is what keeps earlier outputs safe: everything is checked first
(the plan, the refusal rule, the output folder), then every output is rendered, and
only then is anything written, all at once (`pipeline.write_all`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from .build import ENGINE_OUTPUTS, PDF_SECONDS_VARIABLE, Writers, pdf_seconds, render_output
from .content.reader import PlanFolderError
from .engines import DEFAULT_PDF_ENGINE, ENGINE_NAMES
from .exits import EXIT_CONTENT, EXIT_OK, EXIT_USAGE
from .findings import Findings
from .pipeline import check_plan, write_all
from .report import as_json, as_text
from .workers import MEMORY_VARIABLE, MEMORY_WORDS, memory_limit_mb

if TYPE_CHECKING:
    from .content.plan import Plan
    from .document.model import Document
    from .pack import Pack

Kind = Literal["plan", "pack"]
T = TypeVar("T")
REPORTS: dict[str, Callable[[Findings], str]] = {"check.txt": as_text, "check.json": as_json}


@dataclass(frozen=True)
class BuildRequest:
    """What a command asks for: the same whichever command asks."""

    plan: Path
    out: Path
    formats: tuple[str, ...] = ("docx", "pdf")
    strict: bool = False  # warnings refuse the build too
    verify: bool = False  # read the Word file and the PDF back and compare them
    paginate: bool = True  # the LibreOffice pass for the Word contents' page numbers
    kind: Kind = "plan"  # the plan's documents, or its board pack
    templates: Path | None = None
    keep_last_good: bool = False  # watch: any error keeps the last good outputs
    engine: str | None = None  # what lays out the PDF; None: the theme's `pdf_engine`

    @property
    def noun(self) -> str:
        """What the messages call this job."""
        return "pack" if self.kind == "pack" else "build"


@dataclass(frozen=True)
class Output:
    """One file a job writes: `name` is the writer that makes it (docx, pdf, html) or the
    check report (check.txt, check.json)."""

    name: str
    path: Path

    @property
    def report(self) -> bool:
        return self.name in REPORTS


# The pack as one PDF, the covering report alone as Word, the whole pack as Word.
PACK_WRITERS = ("pdf", "docx", "pack-docx")
VERIFIED = ("docx", "pdf")  # --verify compares these two, so it makes both


def writer_names(request: BuildRequest) -> tuple[str, ...]:
    """The writers `request` needs, known before the plan is read (so that their worker
    processes can start while it is read). Kept beside `outputs_for`, which it must match."""
    if request.kind == "pack":  # the pack's files named in the request (pack.PACK_FILES)
        return tuple(name for name in PACK_WRITERS if name in request.formats)
    extra = [fmt for fmt in VERIFIED if request.verify and fmt not in request.formats]
    return (*request.formats, *extra)


def outputs_for(request: BuildRequest, slug: str) -> list[Output]:
    """Every file `request` writes, in the order it is reported.

    The one place that decides what a build or a pack makes.
    """
    out = request.out
    if request.kind == "pack":
        from .pack import pack_paths

        paths = pack_paths(out, slug)
        return [Output(name, paths[name]) for name in writer_names(request)]
    documents = [Output(fmt, out / f"{slug}.{fmt}") for fmt in writer_names(request)]
    return documents + [Output(name, out / f"{slug}-{name}") for name in REPORTS]


@dataclass
class BuildResult:
    """What a job did, for the command to report (it may come from another process)."""

    plan: Path
    status: int = EXIT_OK
    findings: Findings | None = None
    problem: str = ""  # why nothing was written (unreadable, refused, ...), if so
    notes: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)  # the documents written, in order
    differences: list[str] = field(default_factory=list)  # --verify
    seconds: float = 0.0


@dataclass
class Prepared:
    """A checked request that may go ahead: what to render, and from what."""

    request: BuildRequest
    plan: Plan
    document: Document  # the plan's document
    model: Document | Pack  # what the writers are given
    findings: Findings
    outputs: list[Output]


def refusal(request: BuildRequest, findings: Findings, final: bool) -> str | None:
    """Why nothing may be written, or None.

    A final plan (or any plan with --strict) is refused while errors (or, with --strict,
    warnings) remain; the rule is the same for a build and a pack. `watch` keeps its last
    good outputs while any error remains.
    """
    if request.keep_last_good and findings.errors:
        return "not rebuilt: fix the errors above; the last good outputs are kept"
    blocking = findings.errors + (findings.warnings if request.strict else [])
    if blocking and (final or request.strict):
        why = "final plan" if final else "--strict"
        return (
            f"{request.noun} refused ({why}): fix the {len(blocking)} problem(s) above; "
            "earlier outputs are left as they were"
        )
    return None


def prepare(request: BuildRequest, result: BuildResult) -> Prepared | None:
    """Read and check the plan and decide whether the job may go ahead.

    None when it may not; `result` then says why (and holds the findings, if any).
    """
    try:
        checked = check_plan(request.plan, request.templates, with_pack=request.kind == "pack")
    except PlanFolderError as exc:
        result.status, result.problem = EXIT_USAGE, str(exc)
        return None
    result.findings = checked.findings
    if checked.plan is None or checked.document is None:
        result.status, result.problem = EXIT_CONTENT, "nothing built: the plan could not be read"
        return None
    model: Document | Pack = checked.document
    if request.kind == "pack":
        if checked.pack is None:  # check_plan makes the pack when it can be made
            result.status = EXIT_CONTENT
            result.problem = (
                "nothing built: the plan has no board-report.yaml: the pack's covering "
                "report is made from it"
            )
            return None
        model = checked.pack
        if checked.pack.refused:  # an attached PDF that cannot be used: even for a draft
            result.status, result.problem = EXIT_CONTENT, checked.pack.refused
            return None
    assert result.findings is not None
    refused = refusal(request, result.findings, checked.plan.meta.status == "final")
    if refused:
        result.status, result.problem = EXIT_CONTENT, refused
        return None
    outputs = outputs_for(request, checked.plan.slug)
    return Prepared(request, checked.plan, checked.document, model, result.findings, outputs)


def unwritable(outputs: list[Output]) -> tuple[int, str] | None:
    """(status, why) the outputs could not be written, found before anything is rendered.

    An unusable --out (a file, a read-only folder) or a file name longer than the file
    system allows would otherwise fail only after the whole document was laid out.
    """
    for folder in dict.fromkeys(output.path.parent for output in outputs):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder, prefix=".bcf-docgen-"):
                pass  # nameless where the system allows: nothing is left if killed here
            pathconf = getattr(os, "pathconf", None)
            limit = pathconf(folder, "PC_NAME_MAX") if pathconf else 255
        except OSError as exc:
            return EXIT_USAGE, f"cannot write into {folder}: {why_unwritable(exc)}"
        for output in outputs:
            # The temporary name beside it is ".NAME.XXXXXXXX.tmp", 14 bytes longer.
            if output.path.parent == folder and len(output.path.name.encode()) + 14 > limit:
                return EXIT_CONTENT, (
                    f"nothing built: the file name {output.path.name} is longer than the file "
                    f"system allows ({limit} bytes); shorten the area's name"
                )
    return None


# What an output folder's error means, in the user's words: the system's own ("File
# exists" for an --out that is a file) does not say what to do.
NOT_A_FOLDER = "it is not a folder (it, or a folder above it, is a file); give --out a folder"
LOCKED = "permission denied (read-only or locked); give --out a folder you can write to"
UNWRITABLE = {
    errno.EEXIST: NOT_A_FOLDER,
    errno.ENOTDIR: NOT_A_FOLDER,
    errno.EACCES: LOCKED,
    errno.EPERM: LOCKED,
    errno.EROFS: "the file system is read-only; give --out a folder you can write to",
    errno.ENOSPC: "the disk is full; free some space",
    errno.EDQUOT: "the disk quota is used up; free some space",
    errno.EFBIG: "a file is larger than the system allows there, or the disk is full",
}


DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def why_unwritable(exc: OSError) -> str:
    """Why a folder cannot take the outputs, and what to do (see UNWRITABLE)."""
    if exc.errno in UNWRITABLE:
        return UNWRITABLE[exc.errno]
    return f"{exc.strerror or exc}; give --out a folder you can write to"


class EngineFailure(Exception):
    """An output's engine passed its cap (time or memory): the job writes nothing, and the
    message says which output, which cap and how to raise it."""


KEPT = "nothing was written and earlier outputs are left as they were"
# What the messages call each output, and the program that makes it (a PDF: its engine's).
ENGINES = {
    "pdf": ("the PDF", "WeasyPrint"),
    "docx": ("the Word file", "the Word writer (with LibreOffice)"),
    "pack-docx": ("the pack's Word file", "the Word writer (with LibreOffice)"),
    "html": ("the HTML page", "the HTML writer"),
}


def _maker(name: str, pdf_engine: str | None) -> tuple[str, str]:
    """(what the output is called, what makes it) for the messages."""
    what, engine = ENGINES.get(name, (name, "its writer"))
    if name == "pdf":
        engine = ENGINE_NAMES.get(pdf_engine or DEFAULT_PDF_ENGINE, engine)
    return what, engine


def _too_slow(name: str, seconds: float, pdf_engine: str | None = None) -> EngineFailure:
    what, engine = _maker(name, pdf_engine)
    return EngineFailure(
        f"{what} could not be made: {engine} took longer than {seconds:g} s; {KEPT} "
        f"(set {PDF_SECONDS_VARIABLE} to allow longer)"
    )


def _too_big(name: str, pdf_engine: str | None = None) -> EngineFailure:
    what, engine = _maker(name, pdf_engine)
    return EngineFailure(
        f"{what} could not be made: {engine} needed more than {memory_limit_mb()} MB of "
        f"memory (its process stopped before it finished, or crashed); {KEPT} "
        f"(set {MEMORY_VARIABLE} to allow more)"
    )


def render_outputs(
    prepared: Prepared,
    writers: Writers | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[Output, tuple[bytes, list[str]]]:
    """Every output's bytes and notes, side by side in `writers` where it has a worker,
    here otherwise; the check reports are made here from the findings.

    An engine's output (the PDF) is never made here: without `writers` it gets a worker
    of its own, so that it runs under the caps. Raises EngineFailure when an output's
    worker passes its time (the worker is killed) or dies (its memory cap).
    """
    own = None
    if writers is None:
        engines = [o.name for o in prepared.outputs if o.name in ENGINE_OUTPUTS]
        own = writers = Writers(engines, pdf_engine(prepared)) if engines else None
    try:
        return _render_all(prepared, writers, progress)
    finally:
        if own is not None:
            own.close()


def _render_all(
    prepared: Prepared, writers: Writers | None, progress: Callable[[str], None] | None
) -> dict[Output, tuple[bytes, list[str]]]:
    request = prepared.request
    engine = pdf_engine(prepared)
    args = (prepared.model, prepared.plan.root, request.templates, request.paginate, engine)
    futures: dict[Output, tuple[Future[tuple[bytes, list[str]]], float]] = {}
    for output in prepared.outputs:
        if writers is not None and output.name in writers.names and not output.report:
            try:
                future = writers.submit(
                    output.name, render_output, request.kind, output.name, *args
                )
            except BrokenProcessPool:  # its worker died starting: the memory cap
                raise _too_big(output.name, engine) from None
            futures[output] = (future, time.monotonic())
    made: dict[Output, tuple[bytes, list[str]]] = {}
    for output in prepared.outputs:
        if output.report:
            made[output] = (REPORTS[output.name](prepared.findings).encode(), [])
        elif output not in futures:
            made[output] = render_output(request.kind, output.name, *args)
            if progress:
                progress(output.name)
    for output, (future, started) in futures.items():
        assert writers is not None
        made[output] = _result(future, output.name, started, writers, engine)
        if progress:
            progress(output.name)
    return {output: made[output] for output in prepared.outputs}


def _result(
    future: Future[T],
    name: str,
    started: float,
    writers: Writers,
    pdf_engine: str | None = None,
) -> T:
    """What a worker made, waiting at most until its cap (an engine's only); its worker
    is killed when the cap passes."""
    seconds = pdf_seconds() if name in ENGINE_OUTPUTS else None
    left = None if seconds is None else max(0.0, started + seconds - time.monotonic())
    try:
        return future.result(timeout=left)
    except FutureTimeout:
        writers.stop(name)
        raise _too_slow(name, seconds or 0.0, pdf_engine) from None
    except Exception as exc:
        if _out_of_memory(exc):
            raise _too_big(name, pdf_engine) from None
        raise


def _out_of_memory(exc: BaseException | None) -> bool:
    """Whether a worker's failure is its memory cap's doing: a MemoryError, an ENOMEM
    (a library that could not be loaded), or the worker gone (a C library that aborts
    when an allocation fails), here or in what caused it."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, MemoryError | BrokenProcessPool):
            return True
        if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
            return True
        if any(words in str(exc).lower() for words in MEMORY_WORDS):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def verify_outputs(paths: Mapping[str, Path], document: Document) -> list[str]:
    """--verify: how the written Word file and PDF differ, in what they say, in their
    pictures and in how they look (empty when they agree)."""
    from .parity import compare_look, compare_outputs, compare_pictures

    differences = compare_outputs(paths["docx"], paths["pdf"], document)
    differences += compare_pictures(paths["docx"], paths["pdf"], document)
    return differences + compare_look(paths["docx"], paths["pdf"], document.look, document)


def run_job(
    request: BuildRequest,
    writers: Writers | None = None,
    on_checked: Callable[[Findings], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Check, refuse or render, and write: the whole of `build`, one plan of `build --jobs`,
    and `pack`. Never prints and never exits; problems with the plan are in the result.

    `writers` makes the outputs side by side; `on_checked(findings)` is called once the
    plan is checked (to show the findings before the slow part), and `progress(name)`
    as each output is made.
    """
    start = time.perf_counter()
    result = BuildResult(request.plan)
    prepared = prepare(request, result)
    if on_checked is not None and result.findings is not None:
        on_checked(result.findings)
    if prepared is not None:
        _build(prepared, result, writers, progress)
    result.seconds = time.perf_counter() - start
    return result


def _build(
    prepared: Prepared,
    result: BuildResult,
    writers: Writers | None,
    progress: Callable[[str], None] | None,
) -> None:
    """Render every output, write them all, and (with --verify) compare what was written."""
    problem = unwritable(prepared.outputs)
    if problem:
        result.status, result.problem = problem
        return
    try:
        made = render_outputs(prepared, writers, progress)
    except EngineFailure as exc:  # past a cap: the plan's doing, not a bug
        result.status, result.problem = EXIT_CONTENT, str(exc)
        return
    except OSError as exc:  # a writer's temporary files (LibreOffice's) on a full disk
        if exc.errno not in DISK_FULL:
            raise
        result.status = EXIT_USAGE
        result.problem = (
            f"could not make the outputs: {why_unwritable(exc)} (temporary files go to "
            f"{tempfile.gettempdir()}); earlier outputs are left as they were"
        )
        return
    try:
        write_all({output.path: data for output, (data, _) in made.items()})
    except OSError as exc:  # a full disk, a folder made read-only meanwhile: not a bug
        result.status = EXIT_USAGE
        result.problem = (
            f"could not write into {prepared.request.out}: "
            f"{why_unwritable(exc)}; earlier outputs are left as they were"
        )
        return
    for _, notes in made.values():
        result.notes.extend(notes)
    result.paths = [output.path for output in made if not output.report]
    request = prepared.request
    if request.verify and request.kind == "plan":  # outputs_for made both files
        written = {output.name: output.path for output in made}
        result.differences = verify_outputs(written, prepared.document)
        if result.differences:
            result.status = EXIT_CONTENT


def in_engine_worker(
    fn: Callable[..., T], *args: object, engine: str | None = None, writers: Writers | None = None
) -> T:
    """`fn(*args)` run as a PDF is: in a worker, under the memory cap and the PDF's time
    limit (for engine work outside a build job, such as the marked redline or the regional
    summary), in `writers`' PDF worker if given (kept warm across calls) or a new one.
    `engine` names the PDF engine in the messages. Raises EngineFailure as a build's PDF
    would."""
    with contextlib.ExitStack() as stack:
        if writers is None:
            writers = stack.enter_context(Writers(["pdf"], engine))
        try:
            future = writers.submit("pdf", fn, *args)
        except BrokenProcessPool:
            raise _too_big("pdf", engine) from None
        return _result(future, "pdf", time.monotonic(), writers, engine)


def pdf_engine(prepared: Prepared) -> str:
    """What lays out the PDF of a job: the request's --engine, else the plan's theme's."""
    return prepared.request.engine or prepared.plan.theme.pdf_engine
