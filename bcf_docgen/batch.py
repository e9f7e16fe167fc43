"""Building many plans at once: `bcf-docgen build DIR1 DIR2 ... --jobs N`.

A regional team builds dozens of plans. WeasyPrint and LibreOffice each use one core,
so the plans are shared out over N worker processes, one whole plan (check, then each
format in turn) per worker at a time. Each plan is checked and written exactly as
`bcf-docgen build PLAN` would: drafts are built even with errors, a final plan (or any
plan with --strict) with errors is refused and its earlier outputs are left alone, and
every file is written atomically. One plan's failure never stops the others. Each
plan is one build job (jobs.py) run in a worker (workers.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import as_completed
from pathlib import Path

from .build import Writers
from .exits import EXIT_INTERNAL
from .jobs import BuildRequest, BuildResult, run_job, writer_names
from .workers import Workers


def distinct(plans: Iterable[Path]) -> list[Path]:
    """The plans in order, each folder once however it was written."""
    found: dict[Path, Path] = {}
    for plan in plans:
        found.setdefault(plan.resolve(), plan)
    return list(found.values())


def default_jobs() -> int:
    """One job per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _keep_libreoffice_warm() -> None:
    """A batch worker builds plan after plan: one LibreOffice pages all their Word files."""
    from .render.libreoffice import keep_warm

    keep_warm()


def build_safely(request: BuildRequest, parallel: bool = False) -> BuildResult:
    """One plan's build job, its formats side by side with `parallel`; a bug in it is
    reported with the plan it hit rather than raised, so the other plans still build."""
    try:
        names = writer_names(request)
        writers = (
            Writers.for_outputs(names, request.engine, office=request.paginate)
            if parallel
            else None
        )
        with writers or contextlib.nullcontext():
            return run_job(request, writers)
    except Exception as exc:  # a bug in bcf-docgen, reported with the plan it hit
        return BuildResult(
            request.plan, EXIT_INTERNAL, problem=f"internal error: {type(exc).__name__}: {exc}"
        )


def clashing_outputs(plans: list[Path]) -> list[tuple[Path, Path, str]]:
    """Pairs of plans that would write the same output files (same area and round)."""
    import yaml

    from .formatting import slugify

    seen: dict[str, Path] = {}
    clashes = []
    for plan in plans:
        try:
            data = yaml.safe_load((plan / "plan.yaml").read_text(encoding="utf-8-sig"))
            slug = slugify(f"{data['area']['name']} {data['framework']}")
        except Exception:  # unreadable here: its own build reports why
            continue
        if slug in seen:
            clashes.append((seen[slug], plan, slug))
        else:
            seen[slug] = plan
    return clashes


def build_many(
    plans: list[Path],
    out: Path,
    formats: list[str],
    strict: bool = False,
    verify: bool = False,
    jobs: int | None = None,
    paginate: bool = True,
    engine: str | None = None,
) -> Generator[BuildResult, None, None]:
    """Build every plan, `jobs` at a time in worker processes; yields each as it is done.

    With more jobs than plans, each plan's formats are also made in parallel. Closing
    the iterator early (or an exception in the caller) ends the workers.
    """
    jobs = max(1, jobs or default_jobs())
    inner_parallel = jobs >= 2 * len(plans)
    requests = [
        BuildRequest(plan, out, tuple(formats), strict, verify, paginate, engine=engine)
        for plan in plans
    ]
    if jobs == 1 or len(plans) == 1:
        for request in requests:
            yield build_safely(request, inner_parallel)
        return
    with Workers(min(jobs, len(plans)), warm=_keep_libreoffice_warm) as pool:
        futures = [pool.submit(build_safely, request, inner_parallel) for request in requests]
        for future in as_completed(futures):
            yield future.result()


def run_batch(
    plans: list[Path],
    out: Path,
    formats: list[str],
    strict: bool,
    verify: bool,
    jobs: int | None,
    paginate: bool,
    report: Callable[[BuildResult], None],
    engine: str | None = None,
) -> tuple[int, list[BuildResult]]:
    """Build all plans, calling `report` as each finishes; (exit status, results in order)."""
    done: dict[Path, BuildResult] = {}
    builds = build_many(plans, out, formats, strict, verify, jobs, paginate, engine)
    with contextlib.closing(builds):
        for result in builds:
            done[result.plan] = result
            report(result)
    results = [done[plan] for plan in plans]
    return max(r.status for r in results), results
