"""`bcf-docgen summary`: the regional assurance summary across plans (docs/assurance.md)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli_common import _console, engine_option, escape, out_option, print_findings
from .engines import DEFAULT_PDF_ENGINE
from .exits import EXIT_CONTENT, EXIT_OK, EXIT_USAGE


@click.command()
@click.argument(
    "plans", nargs=-1, required=True, metavar="PLAN...", type=click.Path(path_type=Path)
)
@click.option(
    "--assessments",
    "assessment_files",
    multiple=True,
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="an assessment file: a region's, or one plan's (repeat for several)",
)
@out_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="plans to read at once, each in its own process (default: one per core)",
)
@engine_option
def summary(
    plans: tuple[Path, ...],
    assessment_files: tuple[Path, ...],
    out: Path,
    jobs: int | None,
    engine: str | None,
) -> None:
    """Summarise PLANs and their assessments for a region's board: PDF, HTML and .xlsx.

    Each plan is read and checked as `build` checks it; the assessors' ratings come from the
    --assessments files. A plan that cannot be read is a row that says so. Exit status 1
    when an assessment file has errors or a plan cannot be summarised (the files are
    still written), 2 when nothing can be summarised.
    """
    from .assurance.summary import SummaryError, build_summary, pdf_writer, write_summary
    from .batch import distinct

    console = _console(stderr=True)
    unique = distinct(plans)
    console.print(f"summarising {len(unique)} plans")
    start = time.perf_counter()
    # The PDF's worker starts now, so that its start-up overlaps reading the plans.
    engine = engine or DEFAULT_PDF_ENGINE  # the summary has no theme of its own
    with pdf_writer(engine) as writers:
        try:
            result = build_summary(unique, list(assessment_files), jobs)
            paths = write_summary(result, out, writers=writers, engine=engine)
        except SummaryError as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}")
            sys.exit(EXIT_USAGE)
        except OSError as exc:
            where = escape(str(out))
            console.print(f"[red]error:[/red] cannot write into {where}: {escape(str(exc))}")
            sys.exit(EXIT_USAGE)
    if result.findings:
        print_findings(result.findings, console)
    unreadable = [p for p in result.summary.plans if not p.readable]
    for plan in unreadable:
        console.print(f"[red]{escape(plan.folder)}:[/red] {escape(plan.problem)}")
    output = _console()
    for statement in result.summary.statements:
        output.print(escape(statement))
    for path in paths:
        console.print(f"wrote {escape(str(path))}")
    console.print(f"{len(unique)} plans in {time.perf_counter() - start:.1f} s")
    other = any(
        p.readable and p.framework != result.summary.framework.id for p in result.summary.plans
    )
    failed = result.findings.errors or unreadable or other
    sys.exit(EXIT_CONTENT if failed else EXIT_OK)
