"""The command line: parse arguments, call the library, print findings, set the exit status.

Exit status (exits.py): 0 no errors, 1 content errors, 2 usage error or no readable plan
folder, 3 an internal error in bcf-docgen itself (a bug: the message says so), 128 + the
signal's number when stopped by SIGTERM (143) or Ctrl-C (130; `watch` ends with 0).

SIGTERM (a CI job's timeout, `kill`) is turned into an exception in the main thread, so
that the same `finally` blocks that end the worker processes on Ctrl-C and on errors run
for it too; the command then exits with one line and no traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from . import __version__
from .cli_common import (
    Terminated,
    _console,
    _formats,
    _refuse_bad_environment,
    _run_check,
    _sigterm_unwinds,
    _stopped,
    engine_option,
    escape,
    out_option,
    print_findings,
    quiet_option,
    timestamped,
    watch_until_stopped,
)
from .exits import EXIT_CONTENT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from .findings import Findings
from .report import as_json
from .untrusted import for_terminal

if TYPE_CHECKING:
    from .jobs import BuildRequest, BuildResult

# The reading, checking and job modules are imported by the commands that use them, not
# here: each worker process a build starts runs the `bcf-docgen` script again (that is
# how "spawn" starts a process), and importing them there would add half a second to
# every worker's start.


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _sigterm_unwinds():
                return super().invoke(ctx)
        except Terminated:
            _stopped("SIGTERM", signal.SIGTERM)
        except KeyboardInterrupt:  # otherwise click's "Aborted!" and status 1, an error's
            _stopped("Ctrl-C", signal.SIGINT)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug in bcf-docgen, not in the content
            _console(stderr=True).print(
                f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}\n"
                "This is a bug in bcf-docgen, not in your plan. Please report it "
                "with the command you ran."
            )
            if os.environ.get("BCF_DOCGEN_DEBUG"):
                raise
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bcf-docgen")
def main() -> None:
    """Build a Better Care Fund plan kept as YAML and Markdown into checked documents."""


@main.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    help="text for people (default), json for machines, sarif for pull requests",
)
@click.option("--strict", is_flag=True, help="treat warnings as errors (exit 1 if any)")
@quiet_option
def check(plan: Path, fmt: str, strict: bool, quiet: bool) -> None:
    """Read PLAN, check it, and list every problem with its file and line."""
    from .checks import warnings_as_errors

    result = _run_check(plan)
    findings = warnings_as_errors(result.findings) if strict else result.findings
    if fmt == "json":
        click.echo(as_json(findings), nl=False)  # control characters escaped: report.py
    elif fmt == "sarif":  # findings inline in pull requests (docs/review.md)
        from .report import as_sarif

        base = Path(os.path.relpath(plan)).as_posix()  # files relative to where it runs
        click.echo(as_sarif(findings, base, __version__), nl=False)
    else:
        print_findings(findings, _console(), plan, quiet)
    sys.exit(EXIT_CONTENT if findings.errors else EXIT_OK)


@main.command()
@click.argument(
    "plans", nargs=-1, required=True, metavar="PLAN...", type=click.Path(path_type=Path)
)
@out_option
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="FORMATS",
    help="docx, pdf and/or html, comma-separated or repeated (default: docx,pdf)",
)
@click.option("--strict", is_flag=True, help="treat warnings as errors")
@click.option("--verify", is_flag=True, help="check that the Word file and the PDF agree")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="processes to build with at once (default: one per core)",
)
@click.option(
    "--no-paginate",
    is_flag=True,
    help="skip the LibreOffice pass that puts page numbers in the Word contents (faster)",
)
@engine_option
@click.option("--open", "open_file", is_flag=True, help="open the PDF (or HTML) when built")
@quiet_option
def build(
    plans: tuple[Path, ...],
    out: Path,
    to: tuple[str, ...],
    strict: bool,
    verify: bool,
    jobs: int | None,
    no_paginate: bool,
    engine: str | None,
    open_file: bool,
    quiet: bool,
) -> None:
    """Check each PLAN, then write its documents into --out.

    A draft is built even with errors (they are listed). A final plan, or any plan with
    --strict, is refused while errors (or warnings) remain, and nothing is written.
    With several plans, --jobs of them are built at once, each in its own process.
    """
    formats = _formats(to)  # with --verify, the job makes the Word file and the PDF too
    _refuse_bad_environment()
    from .batch import distinct
    from .jobs import BuildRequest

    unique = distinct(plans)
    if len(unique) > 1:
        paginate = not no_paginate
        sys.exit(_build_many(unique, out, formats, strict, verify, jobs, paginate, quiet, engine))
    request = BuildRequest(
        unique[0], out, tuple(formats), strict, verify, not no_paginate, engine=engine
    )
    sys.exit(_run_job(request, parallel=jobs != 1, quiet=quiet, open_file=open_file))


def _run_job(
    request: BuildRequest, parallel: bool, quiet: bool = False, open_file: bool = False
) -> int:
    """Run one build or pack job, showing its findings first and its files at the end."""
    from .build import Writers
    from .jobs import run_job, writer_names

    console = _console(stderr=True)
    # The writers' processes start now, so their start-up overlaps reading the plan.
    ready = parallel and (request.plan / "plan.yaml").is_file()
    writers = (
        Writers.for_outputs(writer_names(request), request.engine, office=request.paginate)
        if ready
        else None
    )
    status = console.status(f"building {', '.join(writer_names(request))}...")

    def checked(findings: Findings) -> None:
        print_findings(findings, console, request.plan, quiet)
        status.start()

    try:
        with writers or contextlib.nullcontext():
            result = run_job(
                request,
                writers,
                on_checked=checked,
                progress=lambda name: status.update(f"built {escape(name)}"),
            )
    finally:
        status.stop()
    code = _report_job(request, result, console)
    if open_file:  # `--open`: the PDF, else the HTML page (cli_preview.py)
        from .cli_preview import open_output, opened_output

        opened = opened_output(result.paths)
        if opened is not None:
            open_output(opened, console)
    return code


def _report_job(request: BuildRequest, result: BuildResult, console: Console) -> int:
    """What a finished job did, after its findings: why nothing was written, or the files."""
    if result.problem:
        prefix = "error: " if result.status == EXIT_USAGE else ""
        console.print(f"[red]{prefix}{escape(result.problem)}[/red]")
        return result.status
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    for path in result.paths:
        console.print(f"wrote {escape(str(path))}")
    for difference in result.differences:
        console.print(f"[red]differs:[/red] {escape(difference)}")
    if request.verify and not result.differences:
        console.print("[green]the Word file and the PDF agree[/green]")
    errors = len(result.findings.errors) if result.findings else 0
    if errors:
        what = "a final plan's pack" if request.kind == "pack" else "a final build"
        console.print(f"[yellow]{errors} error(s) remain:[/yellow] {what} would be refused")
    return result.status


def _build_many(
    plans: list[Path],
    out: Path,
    formats: list[str],
    strict: bool,
    verify: bool,
    jobs: int | None,
    paginate: bool,
    quiet: bool = False,
    engine: str | None = None,
) -> int:
    """`build` with several plans: each plan's findings and files as it finishes."""
    from .batch import clashing_outputs, default_jobs, run_batch

    console = _console(stderr=True)
    clashes = clashing_outputs(plans)
    for first, second, slug in clashes:
        console.print(
            f"[red]error:[/red] {escape(str(first))} and {escape(str(second))} would both "
            f"write {escape(str(out / slug))}.*: build them with different --out folders"
        )
    if clashes:
        return EXIT_USAGE
    jobs = jobs or default_jobs()
    console.print(f"building {len(plans)} plans, {jobs} at a time")

    def report(result: BuildResult) -> None:
        console.rule(escape(str(result.plan)), align="left")
        if result.findings is not None:
            print_findings(result.findings, console, result.plan, quiet)
        if result.problem:
            console.print(f"[red]{escape(result.problem)}[/red]")
        for note in result.notes:
            console.print(f"[yellow]note:[/yellow] {escape(note)}")
        for difference in result.differences:
            console.print(f"[red]differs:[/red] {escape(difference)}")
        for path in result.paths:
            console.print(f"wrote {escape(str(path))}")

    start = time.perf_counter()
    status, results = run_batch(plans, out, formats, strict, verify, jobs, paginate, report, engine)
    failed = ", ".join(str(r.plan) for r in results if r.status != EXIT_OK)
    console.rule()
    console.print(
        f"{len(plans)} plans in {time.perf_counter() - start:.1f} s"
        + escape(f"; with problems: {failed}" if failed else "; all built")
    )
    return status


@main.command()
@click.argument("plan", type=click.Path(path_type=Path))
@out_option
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="FORMATS",
    help="html, docx and/or pdf, comma-separated or repeated (default: all three)",
)
@engine_option
def watch(plan: Path, out: Path, to: tuple[str, ...], engine: str | None) -> None:
    """Build PLAN into --out, then rebuild it every time a file of the plan is saved.

    The HTML preview and the Word file come first; the PDF and the Word file with page
    numbers in its contents follow in the background. A plan with errors is reported
    and the last good outputs are kept. Stop with Ctrl-C.
    """
    from .cli_preview import show_change
    from .watch import Rebuilder

    if not (plan / "plan.yaml").is_file():
        _run_check(plan)  # reports the missing plan folder and exits
    formats = _formats(to or ("html,docx,pdf",))
    _refuse_bad_environment()
    console = _console(stderr=True)
    rebuilder = Rebuilder(
        plan,
        out,
        formats,
        say=timestamped(console),
        show_findings=lambda c: show_change(c, console),
        engine=engine,
    )
    watch_until_stopped(rebuilder)
    console.print("stopped watching")


@main.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--area", required=True, help="the place the plan is for, e.g. Kingsmere")
@click.option(
    "--framework",
    "framework_id",
    default="bcf-2025-26",
    show_default=True,
    help="the planning round's pack (templates/frameworks/ID.yaml)",
)
def new(plan: Path, area: str, framework_id: str) -> None:
    """Start a new plan folder PLAN that passes `check` as a draft."""
    from .content.reader import default_templates
    from .findings import Location
    from .frameworks import available, load_framework
    from .scaffold import ScaffoldError, scaffold

    console = _console(stderr=True)
    framework = load_framework(
        framework_id, default_templates(), Location("--framework"), Findings()
    )
    if framework is None:
        known = ", ".join(available(default_templates()))
        console.print(
            f"[red]error:[/red] unknown framework '{escape(framework_id)}' (known: {known})"
        )
        sys.exit(EXIT_USAGE)
    try:
        written = scaffold(plan, area, framework, dt.date.today())
    except ScaffoldError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    console.print(escape(f"created {plan} ({len(written)} files); next: bcf-docgen check {plan}"))


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="text for people (default), json for machines",
)
def frameworks(fmt: str) -> None:
    """List the installed framework packs (planning rounds) a plan can name."""
    import json

    from rich.table import Table

    from .content.reader import default_templates
    from .frameworks import installed, summary

    packs = installed(default_templates())
    broken = Findings()
    rows = []
    for framework_id, framework, findings in packs:
        broken.extend(findings)
        rows.append(
            summary(framework)
            if framework
            else {"id": framework_id, "broken": True, "problems": [f.as_json() for f in findings]}
        )
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        table = Table(title="Framework packs")
        for column in ("id", "name", "years", "conditions", "metrics", "sources", "partner kinds"):
            table.add_column(column, overflow="fold")
        for row in rows:
            if row.get("broken"):
                table.add_row(escape(row["id"]), "[red]cannot be read[/red]", *[""] * 5)
                continue
            table.add_row(
                *(
                    escape(str(value))
                    for value in (
                        row["id"],
                        row["name"],
                        ", ".join(row["years"]),
                        row["conditions"],
                        row["metrics"],
                        row["funding_sources"],
                        ", ".join(k["id"] for k in row["partner_kinds"]),
                    )
                )
            )
        _console().print(table)
    if broken:
        print_findings(broken, _console(stderr=True))
    sys.exit(EXIT_CONTENT if broken.errors else EXIT_OK)


@main.command()
@click.argument("plan", type=click.Path(path_type=Path))
@out_option
@click.option("--strict", is_flag=True, help="treat warnings as errors")
@click.option(
    "--word-pack",
    is_flag=True,
    help="also write the whole pack as one Word file (its own LibreOffice pass)",
)
@engine_option
@click.option("--open", "open_file", is_flag=True, help="open the pack's PDF when built")
@quiet_option
def pack(
    plan: Path,
    out: Path,
    strict: bool,
    word_pack: bool,
    engine: str | None,
    open_file: bool,
    quiet: bool,
) -> None:
    """Check PLAN, then write its board pack into --out.

    The pack is one PDF: the covering report made from board-report.yaml, then the plan
    as Appendix 1 and the report's other appendices (PDF files of the plan folder among
    them, inserted as they are), each after a title page. The covering report is also
    written as a Word file, and with --word-pack the whole pack too. A draft's pack is
    made even with errors (they are listed), unless an attached PDF cannot be used; a
    final plan's, or any plan's with --strict, is refused while errors (or warnings)
    remain, and nothing is written.
    """
    from .jobs import BuildRequest
    from .pack import PACK_DEFAULT, PACK_FILES

    _refuse_bad_environment()
    formats = tuple(PACK_FILES) if word_pack else PACK_DEFAULT
    request = BuildRequest(plan, out, formats=formats, strict=strict, kind="pack", engine=engine)
    sys.exit(_run_job(request, parallel=True, quiet=quiet, open_file=open_file))


@main.command("diff")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option(
    "--from",
    "from_rev",
    default="HEAD",
    show_default=True,
    help="the old revision: a commit, a tag such as v1.1, HEAD~1",
)
@click.option("--to", "to_rev", default=None, help="the new revision (default: the working tree)")
@out_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    help="what is printed: text for people (default), markdown, json for machines",
)
@click.option("--no-redline", is_flag=True, help="write the change summary only (faster)")
@click.option(
    "--redline",
    "redlines",
    default="docx",
    show_default=True,
    metavar="FORMATS",
    help="the redlines to write: docx, pdf and/or html, comma-separated",
)
@click.option(
    "--paginate",
    is_flag=True,
    help="fill in the redline's contents page numbers with LibreOffice (slower)",
)
def diff(
    plan: Path,
    from_rev: str,
    to_rev: str | None,
    out: Path,
    fmt: str,
    no_redline: bool,
    redlines: str,
    paginate: bool,
) -> None:
    """Show what changed in PLAN between two git revisions, for reviewers.

    Prints the change summary and writes it into --out as <slug>-changes.md and
    <slug>-changes.json, with <slug>-redline.docx: the new version's Word file with the
    changes as tracked changes; with --redline pdf,html also a marked PDF and HTML page
    (docs/review.md).
    """
    chosen = [] if no_redline else [f.strip().lower() for f in redlines.split(",") if f.strip()]
    for fmt_ in chosen:
        if fmt_ not in ("docx", "pdf", "html"):
            known = "is not one of docx, pdf, html"
            raise click.BadParameter(f"'{fmt_}' {known}", param_hint="--redline")
    from .changes import as_json as changes_json
    from .changes import as_markdown, as_rich, compare, redline_docx, redline_marked
    from .content.reader import PlanFolderError
    from .jobs import EngineFailure
    from .pipeline import write_all
    from .revisions import RevisionError
    from .untrusted import json_for_terminal

    error = _console(stderr=True)
    try:
        comparison = compare(plan, from_rev, to_rev)
        summary = comparison.summary
        files = {
            out / f"{summary.slug}-changes.md": as_markdown(summary).encode("utf-8"),
            out / f"{summary.slug}-changes.json": changes_json(summary).encode("utf-8"),
        }
        for name in chosen:
            path = out / f"{summary.slug}-redline.{name}"
            if name == "docx":
                files[path] = redline_docx(comparison, paginate)
            else:
                files[path] = redline_marked(comparison, name, plan.resolve())
        write_all(files)
    except (RevisionError, PlanFolderError) as exc:
        error.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    except EngineFailure as exc:  # the marked PDF passed its cap: nothing was written
        error.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(EXIT_CONTENT)
    except OSError as exc:
        error.print(f"[red]error:[/red] cannot write into {escape(str(out))}: {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    if fmt == "json":
        click.echo(json_for_terminal(changes_json(summary)), nl=False)
    elif fmt == "markdown":
        click.echo("\n".join(for_terminal(x) for x in as_markdown(summary).split("\n")), nl=False)
    else:
        console = _console()
        for renderable in as_rich(summary):
            console.print(renderable)
    for path in files:
        error.print(f"wrote {escape(str(path))}")
    sys.exit(EXIT_OK)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
def textconv(path: Path) -> None:
    """Print the document of the plan PATH belongs to as plain text, section by section.

    For `git diff`: with `*.yaml diff=bcf` and `*.md diff=bcf` in .gitattributes and
    `git config diff.bcf.textconv "bcf-docgen textconv"`, a diff shows what the change
    does to the document (docs/review.md). A file that is not part of a plan is printed
    as it is.
    """
    from .changes import textconv as document_of

    lines = document_of(path, Path.cwd()).split("\n")  # each line made safe, not the breaks
    click.echo("\n".join(for_terminal(line) for line in lines), nl=False)


# Commands kept in modules of their own.
from .cli_doctor import doctor  # noqa: E402
from .cli_preview import preview  # noqa: E402
from .cli_schema import schema  # noqa: E402
from .cli_summary import summary  # noqa: E402

for _command in (schema, doctor, summary, preview):
    main.add_command(_command)
