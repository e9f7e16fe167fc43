"""The command line: parse arguments, call the library, print findings, set the exit status.

Exit status: 0 no errors, 1 content errors, 2 usage error or no readable plan folder,
3 an internal error in bcf-docgen itself (a bug: the message says so).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from . import __version__
from .build import FORMATS, build_outputs
from .content.reader import PlanFolderError, default_templates
from .findings import Findings, Location, Severity
from .frameworks import available, load_framework
from .pipeline import Checked, check_plan, write_atomic
from .report import as_json, as_text, counts_line

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _console(stderr: bool = False) -> Console:
    # Rich colours a terminal and writes plain text when piped; NO_COLOR is honoured.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_findings(findings: Findings, console: Console) -> None:
    """One `file:line:column: error: message [code]` line per finding, then its hint.

    Everything taken from the plan (paths, messages quoting content) is escaped, so that
    text such as `[/]` in a plan file prints as written instead of being read as markup.
    """
    for finding in findings.sorted():
        colour = "red" if finding.severity is Severity.ERROR else "yellow"
        console.print(
            f"[bold]{escape(str(finding.location))}[/bold]: "
            f"[{colour}]{finding.severity.value}[/{colour}]: {escape(finding.message)} "
            f"[dim]\\[{escape(finding.code)}][/dim]"
        )
        if finding.hint:
            console.print(f"    [cyan]hint:[/cyan] {escape(finding.hint)}")
    errors = len(findings.errors)
    colour = "red" if errors else ("yellow" if findings.warnings else "green")
    console.print(f"[bold {colour}]{counts_line(findings)}[/bold {colour}]")


def _run_check(plan: Path) -> Checked:
    try:
        return check_plan(plan)
    except PlanFolderError as exc:
        _console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
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
    type=click.Choice(["text", "json"]),
    default="text",
    help="text for people (default), json for machines",
)
def check(plan: Path, fmt: str) -> None:
    """Read PLAN, check it, and list every problem with its file and line."""
    result = _run_check(plan)
    if fmt == "json":
        click.echo(as_json(result.findings), nl=False)
    else:
        print_findings(result.findings, _console())
    sys.exit(EXIT_CONTENT if result.findings.errors else EXIT_OK)


def _formats(value: tuple[str, ...]) -> list[str]:
    chosen: list[str] = []
    for item in value:
        for fmt in item.split(","):
            fmt = fmt.strip().lower()
            if fmt not in FORMATS:
                raise click.BadParameter(f"'{fmt}' is not one of {', '.join(FORMATS)}")
            if fmt not in chosen:
                chosen.append(fmt)
    return chosen or ["docx", "pdf"]


@main.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("build"),
    show_default=True,
    help="folder for the outputs",
)
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="FORMATS",
    help="docx, pdf and/or html, comma-separated or repeated (default: docx,pdf)",
)
@click.option("--strict", is_flag=True, help="treat warnings as errors")
@click.option("--verify", is_flag=True, help="check that the Word file and the PDF agree")
def build(plan: Path, out: Path, to: tuple[str, ...], strict: bool, verify: bool) -> None:
    """Check PLAN, then write its documents into --out.

    A draft is built even with errors (they are listed). A final plan, or any plan with
    --strict, is refused while errors (or warnings) remain, and nothing is written.
    """
    formats = _formats(to)
    if verify:
        formats = [*formats, *[f for f in ("docx", "pdf") if f not in formats]]
    result = _run_check(plan)
    console = _console(stderr=True)
    findings = result.findings
    print_findings(findings, console)
    if result.plan is None or result.document is None:
        console.print("[red]nothing built:[/red] the plan could not be read")
        sys.exit(EXIT_CONTENT)
    final = result.plan.meta.status == "final"
    blocking = findings.errors + (findings.warnings if strict else [])
    if blocking and (final or strict):
        why = "final plan" if final else "--strict"
        console.print(
            f"[red]build refused ({why}):[/red] fix the {len(blocking)} problem(s) above; "
            "earlier outputs are left as they were"
        )
        sys.exit(EXIT_CONTENT)
    slug = result.plan.slug
    with console.status(f"building {', '.join(formats)}...") as status:

        def done(fmt: str) -> None:
            status.update(f"built {fmt}")

        built = build_outputs(result.document, result.plan.root, out, slug, formats, progress=done)
    write_atomic(out / f"{slug}-check.txt", as_text(findings).encode())
    write_atomic(out / f"{slug}-check.json", as_json(findings).encode())
    for note in built.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    for path in built.paths.values():
        console.print(f"wrote {escape(str(path))}")
    if verify:
        from .parity import compare_outputs

        differences = compare_outputs(built.paths["docx"], built.paths["pdf"], result.document)
        for difference in differences:
            console.print(f"[red]differs:[/red] {escape(difference)}")
        if differences:
            sys.exit(EXIT_CONTENT)
        console.print("[green]the Word file and the PDF agree[/green]")
    if findings.errors:
        console.print(
            f"[yellow]{len(findings.errors)} error(s) remain:[/yellow] "
            "a final build would be refused"
        )


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
