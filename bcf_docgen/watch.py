"""`bcf-docgen watch PLAN`: rebuild on every save, fastest outputs first.

Each save (a burst of file changes, grouped by watchfiles) runs one rebuild in this
process: read and check the plan, then write the HTML preview, then the Word file
without its LibreOffice pagination pass. The slow outputs, the PDF and the Word file
with page numbers in its contents, are made in background worker processes; while one
is being made, only the newest waiting request is kept, so the user never waits for
work that a later save made pointless.

A plan with errors (or one that cannot be read) is reported and nothing is written:
the last good outputs stay in place, and the next save is tried again.

`watch_loop` takes any iterable of change sets, so tests drive it without a file
watcher or sleeping; `watch` feeds it from watchfiles.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .build import import_writers, render_format
from .content.reader import PlanFolderError
from .document.model import Document
from .findings import Findings
from .pipeline import check_plan, write_atomic

Say = Callable[[str], None]
# watchfiles yields sets of (Change, path); only the paths matter here.
ChangeSet = Iterable[tuple[object, str]]

IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".orig")
BACKGROUND_NAMES = {"pdf": "PDF", "docx": "paged Word file"}


@dataclass
class Outcome:
    """One rebuild: whether it wrote anything, and how long each step took."""

    generation: int
    ok: bool
    findings: Findings | None = None
    written: dict[str, Path | None] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    problem: str = ""


def _background_worker() -> None:
    # Ctrl-C reaches the whole process group; the parent shuts the workers down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The next save's quick rebuild in the parent comes first (LibreOffice inherits this).
    with contextlib.suppress(OSError):
        os.nice(10)
    import_writers(("pdf", "docx"))


def _render(fmt: str, document: Document, plan_root: Path) -> bytes | None:
    """A slow output's bytes in a worker; None for a Word file LibreOffice could not page."""
    data, notes = render_format(fmt, document, plan_root)
    return None if fmt == "docx" and notes else data


class Background:
    """Slow outputs in worker processes: per output, one running and the newest waiting.

    `on_done(fmt, generation, data, error)` is called from a helper thread when a job
    ends; a job for an output that is already running waits, replacing any older
    waiting job, and starts when the running one ends.
    """

    def __init__(self, on_done: Callable, workers: int = 2):
        self.on_done = on_done
        self.workers = max(1, workers)
        self._pool = None
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}
        self._waiting: dict[str, tuple[int, tuple]] = {}
        self._idle = threading.Condition(self._lock)
        self._closed = False

    def start(self) -> None:
        """Start the workers (they import the writers while the first build runs)."""
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")  # no fork of a threaded process
                self._pool = context.Pool(self.workers, initializer=_background_worker)

    def submit(self, fmt: str, generation: int, *args) -> None:
        self.start()
        with self._lock:
            if fmt in self._running:
                self._waiting[fmt] = (generation, args)
            else:
                self._start(fmt, generation, args)

    def _start(self, fmt: str, generation: int, args: tuple) -> None:
        self._running[fmt] = generation
        self._pool.apply_async(
            _render,
            (fmt, *args),
            callback=lambda data: self._finish(fmt, generation, data, None),
            error_callback=lambda error: self._finish(fmt, generation, None, error),
        )

    def _finish(self, fmt: str, generation: int, data, error) -> None:
        try:
            self.on_done(fmt, generation, data, error)
        finally:
            with self._lock:
                del self._running[fmt]
                waiting = self._waiting.pop(fmt, None)
                if waiting is not None and not self._closed:
                    self._start(fmt, waiting[0], waiting[1])
                self._idle.notify_all()

    def busy(self) -> bool:
        with self._lock:
            return bool(self._running)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no job runs or waits; False if `timeout` passed first."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._running, timeout)

    def close(self) -> None:
        """Stop at once: running jobs are abandoned (their outputs are not written)."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._waiting.clear()
            self._closed = True
        if pool is not None:
            pool.terminate()
            pool.join()


class Rebuilder:
    """Rebuilds one plan's outputs into `out`; `rebuild()` is one save's worth of work."""

    def __init__(
        self,
        plan: Path,
        out: Path,
        formats: Iterable[str] = ("html", "docx", "pdf"),
        say: Say = print,
        show_findings: Callable[[Findings], None] | None = None,
        background: bool = True,
    ):
        self.plan = Path(plan)
        self.out = Path(out)
        self.formats = list(formats)
        self.say = say
        self.show_findings = show_findings
        self.generation = 0
        self.written: dict[str, int] = {}  # format -> generation of the file on disk
        self._lock = threading.Lock()
        self._started: dict[tuple[str, int], tuple[float, str]] = {}
        slow = [f for f in ("pdf", "docx") if f in self.formats]
        self.background = Background(self._background_done) if background and slow else None

    # -- which changes matter ----------------------------------------------------

    def relevant(self, changes: ChangeSet) -> list[Path]:
        """The changed paths that can affect the document (not outputs, not editor files)."""
        root, out = self.plan.resolve(), self.out.resolve()
        paths = []
        for _, name in changes:
            path = Path(name).resolve()
            if path.is_relative_to(out) or not path.is_relative_to(root):
                continue
            relative = path.relative_to(root)
            if any(part.startswith((".", "#")) for part in relative.parts):
                continue
            if path.name.endswith(IGNORED_SUFFIXES) or path.name == "4913":  # vim's probe
                continue
            paths.append(relative)
        return sorted(set(paths))

    # -- one rebuild -------------------------------------------------------------

    def rebuild(self) -> Outcome:
        self.generation += 1
        generation = self.generation
        start = time.perf_counter()
        outcome = Outcome(generation, ok=False)
        try:
            checked = check_plan(self.plan)
        except PlanFolderError as exc:
            outcome.problem = str(exc)
            self.say(f"error: {exc}; keeping the last good outputs")
            return outcome
        outcome.findings = checked.findings
        outcome.seconds["check"] = time.perf_counter() - start
        if self.show_findings and (checked.findings.errors or checked.findings.warnings):
            self.show_findings(checked.findings)
        if checked.plan is None or checked.document is None or checked.findings.errors:
            outcome.problem = "the plan has errors"
            self.say("not rebuilt: fix the errors above; the last good outputs are kept")
            return outcome
        plan, document = checked.plan, checked.document
        slug = plan.slug
        for fmt in ("html", "docx"):
            if fmt not in self.formats:
                continue
            # The quick Word file has no page numbers in its contents; the background
            # job below replaces it with the paginated one.
            data, _ = render_format(fmt, document, plan.root, paginate=False)
            outcome.written[fmt] = self._write(fmt, generation, data, slug)
            outcome.seconds[fmt] = time.perf_counter() - start
        outcome.ok = True
        quick = ", ".join(f"{fmt} {outcome.seconds[fmt]:.1f} s" for fmt in outcome.written)
        if self.background is None:
            if "pdf" in self.formats:  # made here and now (tests, or no worker processes)
                data, _ = render_format("pdf", document, plan.root)
                outcome.written["pdf"] = self._write("pdf", generation, data, slug)
                outcome.seconds["pdf"] = time.perf_counter() - start
            self.say(f"rebuilt ({quick})")
            return outcome
        slow = [f for f in ("pdf", "docx") if f in self.formats]
        for fmt in slow:
            self._started[(fmt, generation)] = (start, slug)
            self.background.submit(fmt, generation, document, plan.root)
        pending = " and ".join(BACKGROUND_NAMES[f] for f in slow)
        self.say(f"rebuilt ({quick}); {pending} in the background")
        return outcome

    def _write(self, fmt: str, generation: int, data: bytes, slug: str) -> Path | None:
        """Write a finished output unless a newer one is already on disk."""
        with self._lock:
            if self.written.get(fmt, 0) > generation:
                return None
            path = self.out / f"{slug}.{fmt}"
            write_atomic(path, data)
            self.written[fmt] = generation
            return path

    def _background_done(self, fmt: str, generation: int, data, error) -> None:
        start, slug = self._started.pop((fmt, generation))
        name = BACKGROUND_NAMES[fmt]
        if error is not None:
            self.say(f"{name} failed: {type(error).__name__}: {error}")
        # None: LibreOffice is missing or failed, so the quick Word file stays.
        elif data is not None and self._write(fmt, generation, data, slug):
            self.say(f"{name} updated ({time.perf_counter() - start:.1f} s after the save)")

    def close(self) -> None:
        if self.background is not None:
            self.background.close()


def watch_loop(rebuilder: Rebuilder, changes: Iterable[ChangeSet]) -> int:
    """Rebuild once for every change set that touches the plan; returns the rebuilds."""
    rebuilds = 0
    for change_set in changes:
        paths = rebuilder.relevant(change_set)
        if not paths:
            continue
        shown = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
        rebuilder.say(f"changed: {shown}")
        try:
            rebuilder.rebuild()
        except Exception as exc:  # a bug in bcf-docgen: report it and keep watching
            rebuilder.say(
                f"internal error: {type(exc).__name__}: {exc} (a bug in bcf-docgen, not in "
                "your plan); the last good outputs are kept"
            )
        rebuilds += 1
    return rebuilds


def watch(
    rebuilder: Rebuilder,
    stop: threading.Event | None = None,
    force_polling: bool | None = None,
) -> int:
    """Build once, then rebuild on every save until Ctrl-C (or `stop` is set)."""
    import watchfiles

    class PlanFilter(watchfiles.DefaultFilter):
        def __call__(self, change, path: str) -> bool:
            return super().__call__(change, path) and bool(rebuilder.relevant([(change, path)]))

    if rebuilder.background is not None:
        rebuilder.background.start()
    rebuilder.rebuild()
    rebuilder.say(f"watching {rebuilder.plan} (Ctrl-C to stop)")
    changes = watchfiles.watch(
        rebuilder.plan,
        watch_filter=PlanFilter(),
        stop_event=stop,
        debounce=1600,
        step=50,
        force_polling=force_polling,
        raise_interrupt=True,
    )
    try:
        return watch_loop(rebuilder, changes)
    finally:
        rebuilder.close()
