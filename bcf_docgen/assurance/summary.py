"""`bcf-docgen summary`: read every plan in parallel, read the assessments, write the
summary as PDF, HTML and .xlsx.

Plans are read and checked in worker processes (workers.py: they end with the command),
each exactly as `bcf-docgen check` reads it, and only plain facts come back. One plan that
cannot be read is a row that says so; it never stops the others. The PDF is laid out in a
worker of its own, under the caps every PDF has (build.py). All three files are written
at once, or none (pipeline.write_all).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..engines import DEFAULT_PDF_ENGINE
from ..findings import Findings, Location
from ..formatting import slugify
from ..frameworks import Framework, load_framework
from ..paths import default_templates
from ..workers import Workers
from .assessments import AssessmentSet, judge, read_assessments
from .grid import Summary, summarise
from .plans import PlanFacts, plan_facts

if TYPE_CHECKING:
    from ..build import Writers

OUTPUTS = ("pdf", "html", "xlsx")


class SummaryError(Exception):
    """Nothing can be summarised: no plan could be read and no round is named."""


@dataclass
class SummaryResult:
    summary: Summary
    paths: list[Path] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)


def _warm() -> None:
    """Import the reading and checking stages while the parent hands out the plans."""
    import bcf_docgen.pipeline  # noqa: F401


def read_plans(
    plans: list[Path], jobs: int | None = None, templates: Path | None = None
) -> list[PlanFacts]:
    """Each plan's facts, in the order given, `jobs` plans at a time in worker processes."""
    from ..batch import default_jobs

    folders = [str(p) for p in plans]
    where = str(templates) if templates else None
    jobs = max(1, jobs or default_jobs())
    if jobs == 1 or len(folders) == 1:
        return [plan_facts(folder, where) for folder in folders]
    done: dict[str, PlanFacts] = {}
    with Workers(min(jobs, len(folders)), warm=_warm) as pool:
        futures = {pool.submit(plan_facts, folder, where): folder for folder in folders}
        for future in as_completed(futures):
            folder = futures[future]
            try:
                done[folder] = future.result()
            except Exception as exc:  # the worker died (its memory cap, a signal)
                why = f"the process reading it ended ({type(exc).__name__})"
                done[folder] = PlanFacts(folder, problem=f"cannot be read: {why}")
    return [done[folder] for folder in folders]


def choose_framework(
    facts: list[PlanFacts], found: AssessmentSet, templates: Path, findings: Findings
) -> Framework:
    """The round of the summary: the one the assessments name, else the plans' most common."""
    if found.frameworks:
        framework_id, where = found.frameworks[0]
    else:
        rounds = Counter(p.framework for p in facts if p.readable)
        if not rounds:
            raise SummaryError("no plan could be read, and no assessment file names a round")
        framework_id = sorted(rounds.items(), key=lambda item: (-item[1], item[0]))[0][0]
        where = Location("(the plans)")
    framework = load_framework(framework_id, templates, where, findings)
    if framework is None:
        raise SummaryError(f"the round '{framework_id}' cannot be read")
    return framework


def build_summary(
    plans: list[Path],
    assessments: list[Path],
    jobs: int | None = None,
    templates: Path | None = None,
) -> SummaryResult:
    """The summary of `plans` with the judgements in `assessments` (not yet written)."""
    facts = read_plans(plans, jobs, templates)
    found = read_assessments(assessments)
    findings = Findings()
    findings.extend(found.findings)
    framework = choose_framework(facts, found, templates or default_templates(), findings)
    codes = {p.code: p.area for p in facts if p.readable and p.code and p.framework == framework.id}
    judgements, judged = judge(found, framework, codes)
    findings.extend(judged)
    summary = summarise(framework, facts, judgements, found.regions[0] if found.regions else "")
    findings.extend(summary.findings)
    summary = dataclasses.replace(summary, findings=findings)
    return SummaryResult(summary, findings=findings)


def output_paths(summary: Summary, out: Path) -> dict[str, Path]:
    """Where each file goes: `<region>-<round>-summary.<ext>` in `out`."""
    stem = slugify(f"{summary.region or 'assurance'} {summary.framework.id} summary")
    return {fmt: out / f"{stem}.{fmt}" for fmt in OUTPUTS}


def pdf_writer(engine: str | None = None) -> Writers:
    """The PDF's worker process, to start before the plans are read, so that its import
    of the PDF engine overlaps the reading."""
    from ..build import Writers

    return Writers(["pdf"], engine)


def write_summary(
    result: SummaryResult,
    out: Path,
    templates: Path | None = None,
    writers: Writers | None = None,
    engine: str = DEFAULT_PDF_ENGINE,
) -> list[Path]:
    """Write the PDF, the HTML page and the workbook, all or none; their paths.

    The PDF is laid out by `engine` in `writers`' PDF worker (one is started if not
    given), under the caps of a build's PDF."""
    from ..build import render_format
    from ..jobs import EngineFailure, in_engine_worker
    from ..pipeline import write_all
    from ..render.html import render_html
    from .document import summary_document
    from .workbook import workbook_bytes

    summary = result.summary
    document, problems = summary_document(summary)
    result.findings.extend(problems)
    paths = output_paths(summary, out)
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(document, templates=templates).encode("utf-8")
    workbook = workbook_bytes(summary, document.look)
    args = ("pdf", document, out.resolve(), True, templates, engine)
    try:
        pdf, _notes = in_engine_worker(render_format, *args, engine=engine, writers=writers)
    except EngineFailure as exc:
        raise SummaryError(str(exc)) from None
    write_all({paths["pdf"]: pdf, paths["html"]: html, paths["xlsx"]: workbook})
    result.paths = list(paths.values())
    return result.paths
