"""Building many plans at once: `bcf-docgen build DIR1 DIR2 ... --jobs N`.

A regional team builds dozens of plans. WeasyPrint and LibreOffice each use one core,
so the plans are shared out over N worker processes, one whole plan (check, then each
format in turn) per worker at a time. Each plan is checked and written exactly as
`bcf-docgen build PLAN` would: drafts are built even with errors, a final plan (or any
plan with --strict) with errors is refused and its earlier outputs are left alone, and
every file is written atomically. One plan's failure never stops the others.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .build import build_outputs, refusal
from .content.reader import PlanFolderError
from .findings import Findings
from .pipeline import check_plan, write_atomic
from .report import as_json, as_text

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


@dataclass
class PlanBuild:
    """What building one plan did, for the parent process to report."""

    plan: Path
    status: int = EXIT_OK
    findings: Findings | None = None
    problem: str = ""  # why nothing was built (unreadable, refused, a bug), if so
    notes: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)  # --verify
    paths: list[Path] = field(default_factory=list)
    seconds: float = 0.0


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


def build_plan(
    plan: Path,
    out: Path,
    formats: list[str],
    strict: bool = False,
    verify: bool = False,
    parallel: bool = False,
    paginate: bool = True,
) -> PlanBuild:
    """Check and build one plan; never raises for a problem with the plan itself."""
    start = time.perf_counter()
    result = PlanBuild(plan)
    try:
        checked = check_plan(plan)
    except PlanFolderError as exc:
        result.status, result.problem = EXIT_USAGE, str(exc)
        return result
    result.findings = checked.findings
    if checked.plan is None or checked.document is None:
        result.status, result.problem = EXIT_CONTENT, "nothing built: the plan could not be read"
        return result
    refused = refusal(checked, strict)
    if refused:
        result.status, result.problem = EXIT_CONTENT, refused
        return result
    slug = checked.plan.slug
    built = build_outputs(
        checked.document, checked.plan.root, out, slug, formats, parallel, paginate=paginate
    )
    write_atomic(out / f"{slug}-check.txt", as_text(checked.findings).encode())
    write_atomic(out / f"{slug}-check.json", as_json(checked.findings).encode())
    result.notes = built.notes
    result.paths = list(built.paths.values())
    if verify:
        from .parity import compare_outputs

        result.differences = compare_outputs(
            built.paths["docx"], built.paths["pdf"], checked.document
        )
        if result.differences:
            result.status = EXIT_CONTENT
    result.seconds = time.perf_counter() - start
    return result


def _build_safely(plan: Path, *args) -> PlanBuild:
    """build_plan in a worker: a bug in one plan's build is reported, not raised."""
    try:
        return build_plan(plan, *args)
    except Exception as exc:  # a bug in bcf-docgen, reported with the plan it hit
        return PlanBuild(
            plan, EXIT_INTERNAL, problem=f"internal error: {type(exc).__name__}: {exc}"
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
) -> Iterator[PlanBuild]:
    """Build every plan, `jobs` at a time in worker processes; yields each as it is done.

    With more jobs than plans, each plan's formats are also made in parallel.
    """
    jobs = max(1, jobs or default_jobs())
    inner_parallel = jobs >= 2 * len(plans)
    args = (out, formats, strict, verify, inner_parallel, paginate)
    if jobs == 1 or len(plans) == 1:
        for plan in plans:
            yield _build_safely(plan, *args)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(plans))) as pool:
        futures = [pool.submit(_build_safely, plan, *args) for plan in plans]
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
    report: Callable[[PlanBuild], None],
) -> tuple[int, list[PlanBuild]]:
    """Build all plans, calling `report` as each finishes; (exit status, results in order)."""
    done: dict[Path, PlanBuild] = {}
    for result in build_many(plans, out, formats, strict, verify, jobs, paginate):
        done[result.plan] = result
        report(result)
    results = [done[plan] for plan in plans]
    return max(r.status for r in results), results
