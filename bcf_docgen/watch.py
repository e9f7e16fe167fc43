"""`bcf-docgen watch PLAN`: rebuild on every save, fastest outputs first.

Each save (a burst of file changes, grouped by watchfiles) runs one rebuild in this
process: read and check the plan, then write the HTML preview, then the Word file
without its LibreOffice pagination pass. The slow outputs, the PDF and the Word file
with page numbers in its contents, are made in background worker processes; while one
is being made, only the newest waiting request is kept, so the user never waits for
work that a later save made pointless.

A plan with errors (or one that cannot be read) is reported and nothing is written:
the last good outputs stay in place, and the next save is tried again. The checking,
the refusal and the writing are the build job's (jobs.py); the quick outputs are
rendered first and then written together, so a writer that fails replaces none of them.
The background workers (workers.py) end with the command, however it ends.

After the first build the findings are reported as a change: the ones that are new
since the previous build, and the ones that went away, so that a save that fixes one
warning does not print the twenty others again. Editors' temporary files (sed -i's
`sedXXXXXX`, vim's `.swp` and `4913`, Emacs's `.#name` and `#name#`, `name~`, `.tmp`)
are not changes to the plan.

`watch_loop` takes any iterable of change sets, so tests drive it without a file
watcher or sleeping; `watch` feeds it from watchfiles. A `Listener` (the preview
server) hears of each check and each written output as they happen.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .build import WORD_OUTPUTS, Writers, render_format
from .document.model import Document
from .exits import EXIT_USAGE
from .findings import Finding, Findings
from .jobs import (
    DISK_FULL,
    BuildRequest,
    BuildResult,
    Prepared,
    prepare,
    render_outputs,
    unwritable,
    why_unwritable,
)
from .pipeline import write_all

Say = Callable[[str], None]
# watchfiles yields sets of (Change, path); only the paths matter here.
ChangeSet = Iterable[tuple[object, str]]
# on_done(fmt, generation, data, error) when a background output is made (or fails).
OnDone = Callable[[str, int, bytes | None, BaseException | None], None]

IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".orig")
# sed -i writes "sed" and six letters or digits beside the file, then renames it over;
# vim probes a folder with "4913". Plan files always have an extension.
EDITOR_TEMPORARY = re.compile(r"sed[A-Za-z0-9]{6}|4913|#.*#")
QUICK = ("html", "docx")  # made in this process at once; the Word file without page numbers
SLOW = ("pdf", "docx")  # made in the background; the Word file with page numbers
BACKGROUND_NAMES = {"pdf": "PDF", "docx": "paged Word file"}
BACKGROUND_NICE = 10  # the next save's quick rebuild in this process comes first


@dataclass
class Outcome:
    """One rebuild: whether it wrote anything, and how long each step took."""

    generation: int
    ok: bool
    findings: Findings | None = None
    written: dict[str, Path | None] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    problem: str = ""


class Listener:
    """Hears what a rebuild does as it happens (the preview server); does nothing itself.

    `written` may be called from a helper thread (a background output arriving).
    """

    def checked(self, generation: int, findings: Findings | None, problem: str) -> None:
        """The plan was read and checked (or could not be read: `problem` says why)."""

    def written(self, generation: int, fmt: str, path: Path) -> None:
        """An output of save `generation` was written to `path`."""

    def finished(self, outcome: Outcome) -> None:
        """A rebuild's quick part is over (written, or refused and the last good kept)."""


def editor_file(name: str) -> bool:
    """True for the temporary files editors write beside the file being saved."""
    return (
        name.startswith(".")
        or name.endswith(IGNORED_SUFFIXES)
        or EDITOR_TEMPORARY.fullmatch(name) is not None
    )


def _key(finding: Finding) -> tuple[str, str, str, str]:
    # Not the line: a finding that moves down when a line is added above it is not new.
    return (finding.severity.value, finding.code, finding.file, finding.message)


@dataclass
class FindingsChange:
    """What a build found that the previous one did not, and what it no longer finds."""

    new: Findings
    resolved: list[Finding]
    total: Findings


def findings_change(before: Findings | None, after: Findings) -> FindingsChange:
    """The difference between two builds' findings (everything is new on the first)."""
    if before is None:
        return FindingsChange(Findings(list(after)), [], after)
    old = Counter(_key(f) for f in before)
    now = Counter(_key(f) for f in after)
    new, resolved = Findings(), []
    for finding in after:
        if old[_key(finding)] > 0:
            old[_key(finding)] -= 1
        else:
            new.items.append(finding)
    for finding in before:
        if now[_key(finding)] > 0:
            now[_key(finding)] -= 1
        else:
            resolved.append(finding)
    return FindingsChange(new, resolved, after)


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Ignore SIGINT while this (main) thread starts worker processes, which inherit the
    disposition: a Ctrl-C that reaches the whole process group while a worker is still
    importing would otherwise print that worker's traceback. A worker ignores SIGINT
    anyway once started (workers.py); the parent's handler is back within milliseconds,
    as soon as the processes exist."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _render(fmt: str, document: Document, plan_root: Path, engine: str) -> bytes | None:
    """A slow output's bytes in a worker; None for a Word file LibreOffice could not page.

    The worker lives as long as the watch, so the PDF engine's caches do too: Typst lays
    out again only what a save changed."""
    data, notes = render_format(fmt, document, plan_root, engine=engine)
    return None if fmt == "docx" and notes else data


class Background:
    """Slow outputs in worker processes: per output, one running and the newest waiting.

    `on_done(fmt, generation, data, error)` is called from a helper thread when a job
    ends; a job for an output that is already running waits, replacing any older
    waiting job, and starts when the running one ends.
    """

    def __init__(
        self, on_done: OnDone, formats: Iterable[str] = SLOW, engine: str | None = None
    ) -> None:
        self.on_done = on_done
        self.formats = tuple(formats)  # one worker each: Writers
        self.engine = engine  # the PDF engine its worker imports while the first build runs
        self._pool: Writers | None = None
        # Re-entrant: a job that is already over when submitted finishes in the
        # submitting thread, which holds the lock.
        self._lock = threading.RLock()
        self._running: dict[str, int] = {}
        self._waiting: dict[str, tuple[int, tuple[Any, ...]]] = {}
        self._idle = threading.Condition(self._lock)
        self._closed = False
        self._broken = False  # a worker died: the next save starts new ones

    def start(self) -> None:
        """Start the workers (they import the writers while the first build runs)."""
        with self._lock:
            if self._pool is None and not self._closed:
                with _sigint_blocked():
                    # The PDF, which the author watches for, before the paged Word file.
                    self._pool = Writers(
                        self.formats,
                        self.engine,
                        nice=BACKGROUND_NICE,
                        warm_office=True,
                        yielding=WORD_OUTPUTS,
                    )

    def submit(self, fmt: str, generation: int, *args: Any) -> None:
        # New workers are started here, in the thread that calls submit (the watch's
        # own), never in the helper thread a dying pool reports from.
        with self._lock:
            broken = self._pool if self._broken else None
            if broken is not None:
                self._pool, self._broken = None, False
        if broken is not None:
            broken.close()  # outside the lock: its helper thread may be waiting for it
        self.start()
        with self._lock:
            if self._closed:
                return
            if fmt in self._running:
                self._waiting[fmt] = (generation, args)
            else:
                self._start(fmt, generation, args)

    def _start(self, fmt: str, generation: int, args: tuple[Any, ...]) -> None:
        assert self._pool is not None
        self._running[fmt] = generation
        try:
            future = self._pool.submit(fmt, _render, fmt, *args)
        except (BrokenProcessPool, RuntimeError) as exc:  # a worker died, or was closed
            self._running.pop(fmt, None)
            self._broken = True
            self.on_done(fmt, generation, None, exc)
            return
        future.add_done_callback(lambda done: self._finish(fmt, generation, done))

    def _finish(self, fmt: str, generation: int, future: Future[bytes | None]) -> None:
        try:
            if not self._closed:  # closing abandons running jobs: nothing to report
                error = future.exception() if not future.cancelled() else CancelledError()
                self._broken = self._broken or isinstance(error, BrokenProcessPool)
                data = future.result() if error is None else None
                self.on_done(fmt, generation, data, error)
        finally:
            with self._lock:
                self._running.pop(fmt, None)
                waiting = self._waiting.pop(fmt, None)
                # With the workers gone, the next save starts new ones (in its own thread)
                # and makes this output again: a waiting job is dropped.
                usable = self._pool is not None and not (self._closed or self._broken)
                if waiting is not None and usable:
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
            pool.close()
        with self._lock:
            self._running.clear()
            self._idle.notify_all()


class Rebuilder:
    """Rebuilds one plan's outputs into `out`; `rebuild()` is one save's worth of work."""

    def __init__(
        self,
        plan: Path,
        out: Path,
        formats: Iterable[str] = ("html", "docx", "pdf"),
        say: Say = print,
        show_findings: Callable[[FindingsChange], None] | None = None,
        background: bool = True,
        listener: Listener | None = None,
        engine: str | None = None,
    ) -> None:
        self.plan = Path(plan)
        self.out = Path(out)
        self.formats = list(formats)
        self.say = say
        # Shown the findings that changed since the last build that read the plan.
        self.show_findings = show_findings
        self.listener = listener or Listener()
        self.last_findings: Findings | None = None
        self.announced = False  # the outputs' paths are said once
        self.generation = 0
        self.written: dict[str, int] = {}  # format -> generation of the file on disk
        self._lock = threading.Lock()
        self._started: dict[tuple[str, int], tuple[float, str]] = {}
        slow = [f for f in SLOW if f in self.formats]
        self.engine = engine  # --engine; None: the theme's
        if background and slow:
            self.background: Background | None = Background(self._background_done, slow, engine)
        else:
            self.background = None

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
            if editor_file(path.name):
                continue
            paths.append(relative)
        return sorted(set(paths))

    # -- one rebuild -------------------------------------------------------------

    def rebuild(self) -> Outcome:
        outcome = self._rebuild()
        self.listener.finished(outcome)
        return outcome

    def _rebuild(self) -> Outcome:
        self.generation += 1
        generation = self.generation
        start = time.perf_counter()
        outcome = Outcome(generation, ok=False)
        quick = [f for f in self.formats if f in QUICK or self.background is None]
        request = BuildRequest(
            self.plan,
            self.out,
            tuple(quick),
            paginate=False,
            keep_last_good=True,
            engine=self.engine,
        )
        result = BuildResult(self.plan)
        prepared = prepare(request, result)
        outcome.findings = result.findings
        if result.status == EXIT_USAGE:
            outcome.problem = result.problem
            self.listener.checked(generation, None, result.problem)
            self.say(f"error: {result.problem}; keeping the last good outputs")
            return outcome
        outcome.seconds["check"] = time.perf_counter() - start
        findings = result.findings or Findings()
        self.listener.checked(generation, findings, result.problem if prepared is None else "")
        self._show(findings)
        if prepared is None:
            outcome.problem = "the plan has errors"
            errors = len(findings.errors)
            what = f"{errors} error{'s' if errors != 1 else ''}" if errors else "errors"
            self.say(f"not rebuilt: the plan has {what}; the last good outputs are kept")
            return outcome
        self._announce(prepared.plan.slug)
        # The PDF starts in the background at once, beside the quick outputs.
        self._start_slow(outcome, prepared, start, ("pdf",))
        # Made here and now: the HTML and the Word file without page numbers (the
        # background replaces it with the paged one), and the PDF too when there are no
        # workers (tests). Written together once all are made; no check reports.
        prepared.outputs = [output for output in prepared.outputs if not output.report]
        if self._made_and_written(outcome, prepared, start):
            outcome.ok = True
            # After the quick Word file is written, so that it never replaces the paged one.
            self._start_slow(outcome, prepared, start, ("docx",))
            self._say_rebuilt(outcome)
        return outcome

    def _show(self, findings: Findings) -> None:
        """Show what changed in the findings since the last build that read the plan."""
        change = findings_change(self.last_findings, findings)
        self.last_findings = findings
        if self.show_findings and (change.new or change.resolved):
            self.show_findings(change)

    def _announce(self, slug: str) -> None:
        if self.announced:
            return
        self.announced = True
        paths = ", ".join(str(self.out / f"{slug}.{fmt}") for fmt in self.formats)
        self.say(f"outputs: {paths}")

    def _made_and_written(self, outcome: Outcome, prepared: Prepared, start: float) -> bool:
        """Render the quick outputs and write them, the HTML preview first (it never waits
        for the Word file), then the rest together. False (and said why) when the output
        folder cannot take them: a folder that became a file or read-only, a full disk.
        Like a plan with errors, that keeps the last good outputs and the watch goes on,
        so the next save after the folder is fixed is built."""

        def timed(name: str) -> None:
            outcome.seconds[name] = time.perf_counter() - start

        blocked = unwritable(prepared.outputs)
        if blocked is not None:
            self.say(f"error: {blocked[1]}; the last good outputs are kept")
            outcome.problem = blocked[1]
            return False
        preview = [o for o in prepared.outputs if o.name == "html"]
        rest = [o for o in prepared.outputs if o.name != "html"]
        outcome.written = {}
        if preview and not self._group(outcome, replace(prepared, outputs=preview), timed):
            return False
        if not rest:
            return True
        try:
            return self._group(outcome, replace(prepared, outputs=rest), timed)
        except Exception as exc:  # the preview is written: say exactly what is kept
            if not preview:
                raise
            names = ", ".join(o.name for o in rest)
            outcome.problem = f"{names} failed: {type(exc).__name__}: {exc}"
            self.say(
                f"the HTML preview is up to date, but {outcome.problem} (a bug in "
                f"bcf-docgen, not in your plan); the last good {names} is kept"
            )
            return False

    def _group(self, outcome: Outcome, prepared: Prepared, timed: Callable[[str], None]) -> bool:
        """Render some outputs and write them together (all or none of the group)."""
        try:
            made = render_outputs(prepared, progress=timed)
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                raise  # not the disk's fault: a bug, reported by watch_loop
            return self._unwritten(outcome, exc, "could not make the outputs")
        data = {output.name: content for output, (content, _) in made.items()}
        try:
            written = self._write_all(outcome.generation, data, prepared.plan.slug)
        except OSError as exc:
            return self._unwritten(outcome, exc, f"could not write into {self.out}")
        outcome.written.update(written)
        return True

    def _unwritten(self, outcome: Outcome, exc: OSError, what: str) -> bool:
        outcome.problem = f"{what}: {why_unwritable(exc)}"
        self.say(f"error: {outcome.problem}; the last good outputs are kept")
        return False

    def _start_slow(
        self, outcome: Outcome, prepared: Prepared, start: float, formats: tuple[str, ...]
    ) -> None:
        """Send those of `formats` that are slow outputs of this watch to the background."""
        if self.background is None:
            return
        engine = self.engine or prepared.plan.theme.pdf_engine
        for fmt in (f for f in SLOW if f in self.formats and f in formats):
            self._started[(fmt, outcome.generation)] = (start, prepared.plan.slug)
            args = (prepared.document, prepared.plan.root, engine)
            self.background.submit(fmt, outcome.generation, *args)

    def _say_rebuilt(self, outcome: Outcome) -> None:
        """Say what was rebuilt here, and what the background is making."""
        quick = ", ".join(f"{fmt} {outcome.seconds[fmt]:.1f} s" for fmt in outcome.written)
        slow = [f for f in SLOW if f in self.formats]
        if self.background is None or not slow:
            self.say(f"rebuilt ({quick})")
            return
        pending = " and ".join(BACKGROUND_NAMES[f] for f in slow)
        self.say(f"rebuilt ({quick}); {pending} in the background")

    def _write_all(
        self, generation: int, made: dict[str, bytes], slug: str
    ) -> dict[str, Path | None]:
        """Write the outputs of one save together, but none over a newer one on disk."""
        with self._lock:
            fresh = {
                fmt: data for fmt, data in made.items() if self.written.get(fmt, 0) <= generation
            }
            write_all({self.out / f"{slug}.{fmt}": data for fmt, data in fresh.items()})
            for fmt in fresh:
                self.written[fmt] = generation
                self.listener.written(generation, fmt, self.out / f"{slug}.{fmt}")
            return {fmt: (self.out / f"{slug}.{fmt}" if fmt in fresh else None) for fmt in made}

    def _write(self, fmt: str, generation: int, data: bytes, slug: str) -> Path | None:
        """Write a finished output unless a newer one is already on disk."""
        return self._write_all(generation, {fmt: data}, slug)[fmt]

    def _background_done(
        self, fmt: str, generation: int, data: bytes | None, error: BaseException | None
    ) -> None:
        start, slug = self._started.pop((fmt, generation))
        name = BACKGROUND_NAMES[fmt]
        if error is not None:
            self.say(f"{name} failed: {type(error).__name__}: {error}")
            return
        if data is None:  # LibreOffice is missing or failed, so the quick Word file stays
            return
        try:
            written = self._write(fmt, generation, data, slug)
        except OSError as exc:  # from a helper thread: said here, or it would be lost
            self.say(f"{name} not written into {self.out}: {why_unwritable(exc)}")
            return
        if written:
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
