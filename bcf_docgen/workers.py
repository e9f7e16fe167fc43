"""Worker processes that never outlive the command that started them.

A killed `pack` once left its worker processes running 16 minutes later: an orphan
keeps a core busy, holds files in the output folder open, and could write an old output
after a newer build. So every process bcf-docgen starts is tied to its parent's life,
in three ways:

- the kernel kills a worker the moment its parent ends, however it ends (SIGKILL
  included): each worker asks for `PR_SET_PDEATHSIG` = SIGKILL as its first act, then
  checks that its parent is still the one that started it (it may have died before the
  request was made);
- `Workers.close()` kills the workers at once instead of waiting for their work, and the
  command line calls it on success, on error, on Ctrl-C and on SIGTERM alike;
- a program a worker runs (LibreOffice) gets the same request before it starts
  (`die_with_parent_preexec`), because the request is not inherited across fork.

Ctrl-C reaches every process in the terminal's process group, so workers ignore SIGINT:
the parent decides what stops, and the user sees one message instead of a traceback
from each worker. Workers are started with "spawn": forking a process that already runs
threads (a progress spinner, a pool's manager) can deadlock the child.

The death signal is Linux's. Elsewhere the workers still end with `close()` (on success,
errors, Ctrl-C and SIGTERM), but not when their parent is killed outright.

Every worker, and every program started with `die_with_parent_preexec`, also runs under
a memory cap: its address space is limited (RLIMIT_AS) to `memory_limit_mb()` megabytes,
4096 unless the environment variable BCF_DOCGEN_MEMORY_MB says otherwise. The engines
the workers run (WeasyPrint's layout, LibreOffice, a child of the Word worker that
inherits the cap) are large C programs fed with plan content: a picture or a table that
makes one grab all the machine's memory then stops that one process, and the build
says so (jobs.py), instead of the machine swapping or the kernel killing at random.

The kernel sends the signal when the *thread* that started a process ends, so create
and first use `Workers` from a thread that lives as long as they do (the main thread, or
a pool's own manager thread), never from a short-lived helper thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys

try:
    import resource
except ImportError:  # not on Unix: no memory cap
    resource = None  # type: ignore[assignment]
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, TypeVar

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

MEMORY_MB = 4096  # each worker's (and LibreOffice's) address space, unless the environment says
MEMORY_VARIABLE = "BCF_DOCGEN_MEMORY_MB"
# What the C library says when the cap stops it: ENOMEM's text, and the dynamic loader's
# words for a shared library it could not map (an extension module imported under the cap,
# such as NumPy's or Typst's, fails with an ImportError that says only this).
MEMORY_WORDS = ("cannot allocate memory", "failed to map segment from shared object")


def memory_limit_mb() -> int:
    """The memory cap in megabytes: BCF_DOCGEN_MEMORY_MB when it is a positive number,
    MEMORY_MB otherwise (an unusable value is not a reason to build without a cap)."""
    try:
        value = float(os.environ.get(MEMORY_VARIABLE, ""))
    except ValueError:
        return MEMORY_MB
    return int(value) if 1 <= value < 2**40 else MEMORY_MB


def _address_space(megabytes: int) -> tuple[int, int] | None:
    """The (soft, hard) RLIMIT_AS that caps a process at `megabytes`, or None where there
    is no such limit. Worked out before any fork (see `die_with_parent_preexec`)."""
    if resource is None or not hasattr(resource, "RLIMIT_AS"):
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)  # never raise a cap set from outside (the tests' own)
    return cap, hard


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (and its future children's) at `megabytes`."""
    limits = _address_space(megabytes)
    if limits is not None:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, limits)


T = TypeVar("T")


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up before any fork: a child between fork and exec must not load
    libraries (another thread may have held the loader's lock when it was copied)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # no prctl in this libc: best effort only
        return None


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when `parent` ends; exit now if it already has.

    SIGKILL, not SIGTERM: a worker busy in WeasyPrint or waiting on LibreOffice cannot be
    relied on to run a handler, and nothing of its work is worth saving once the command
    that wanted it is gone.
    """
    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def die_with_parent_preexec() -> Callable[[], None] | None:
    """A `preexec_fn` for subprocess.Popen that ties the new program's life to this thread.

    Everything is looked up beforehand, so the child only makes two system calls between
    fork and exec. None where the kernel offers no such request.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()
    limits = _address_space(memory_limit_mb())  # the memory cap, for LibreOffice

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)
        if limits is not None:
            resource.setrlimit(resource.RLIMIT_AS, limits)

    return preexec


def _start_worker(
    parent: int,
    nice: int,
    memory_mb: int,
    warm: Callable[..., object] | None,
    args: tuple[Any, ...],
) -> None:
    """Runs first in every worker: tie it to its parent, cap its memory, then do the
    caller's warm-up."""
    die_with_parent(parent)
    limit_memory(memory_mb)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)  # the programs it starts (LibreOffice) inherit this too
    if warm is not None:
        # A failed warm-up must not break the pool (the work would then fail with a bare
        # "terminated abruptly"): the task that needs what failed fails the same way,
        # with its real cause.
        with contextlib.suppress(Exception):
            warm(*args)


def _nothing() -> None:
    """A task that only makes a worker start."""


class Closing:
    """Used in a `with` block, `close()` runs however the block ends (Ctrl-C included)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


_Self = TypeVar("_Self", bound=Closing)


class Workers(Closing):
    """A pool of worker processes that end with their parent (see the module's notes).

    `warm(*args)` runs in each worker when it starts (to import a writer's libraries while
    the parent reads the plan, say); `nice` lowers the workers' priority, so that work the
    user is waiting for in the parent comes first; `memory_mb` caps each worker's memory
    (`memory_limit_mb()` by default). Use as a context manager, or call `close()`: either
    ends the workers at once, finished or not.
    """

    def __init__(
        self,
        processes: int = 1,
        warm: Callable[..., object] | None = None,
        args: Iterable[Any] = (),
        nice: int = 0,
        memory_mb: int | None = None,
    ) -> None:
        self.processes = max(1, processes)
        self.memory_mb = memory_mb or memory_limit_mb()
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(), nice, self.memory_mb, warm, tuple(args)),
        )

    def start(self) -> Workers:
        """Start every worker now rather than at the first task, so that their start-up
        overlaps whatever the parent does next."""
        for _ in range(self.processes):
            self.submit(_nothing)
        return self

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """Run `fn(*args)` in a worker; both must pickle (module-level functions)."""
        if self._pool is None:
            raise RuntimeError("these workers have been closed")
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        """End every worker now: running work is abandoned, waiting work cancelled.

        Killing rather than asking keeps this prompt whatever a worker is doing (a long
        layout, a LibreOffice pass), which is what Ctrl-C and SIGTERM need; on success
        every result has already arrived, so nothing is lost.
        """
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in _processes(pool):
            with contextlib.suppress(OSError, ValueError):
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def _processes(pool: ProcessPoolExecutor) -> list[BaseProcess]:
    """The pool's live worker processes.

    Python 3.14 has `kill_workers()`; until then the pool's own table is the only list
    of its workers, read here and nowhere else.
    """
    table = getattr(pool, "_processes", None) or {}
    return list(table.values())
