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

from . import __version__
from .content.reader import PlanFolderError, default_templates
from .findings import Findings, Location, Severity
from .frameworks import available, load_framework
from .pipeline import Checked, check_plan, write_atomic
from .report import as_json, as_text, counts_line, grouped

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _console(stderr: bool = False) -> Console:
    # Rich colours a terminal and writes plain text when piped; NO_COLOR is honoured.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_findings(findings: Findings, console: Console) -> None:
    for file, items in grouped(findings):
        console.print(f"[bold]{file}[/bold]")
        for finding in items:
            colour = "red" if finding.severity is Severity.ERROR else "yellow"
            text = (
                f"  {finding.line}:{finding.column}: [{colour}]{finding.severity.value}[/{colour}]"
                f": {finding.message} [dim]\\[{finding.code}][/dim]"
            )
            console.print(text)
            if finding.hint:
                console.print(f"      [cyan]hint:[/cyan] {finding.hint}")
    errors = len(findings.errors)
    colour = "red" if errors else ("yellow" if findings.warnings else "green")
    console.print(f"[bold {colour}]{counts_line(findings)}[/bold {colour}]")


def _run_check(plan: Path) -> Checked:
    try:
        return check_plan(plan)
    except PlanFolderError as exc:
        _console(stderr=True).print(f"[red]error:[/red] {exc}")
        sys.exit(EXIT_USAGE)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug in bcf-docgen, not in the content
            _console(stderr=True).print(
                f"[red]internal error:[/red] {type(exc).__name__}: {exc}\n"
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


@main.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("build"),
    show_default=True,
    help="folder for the outputs",
)
def build(plan: Path, out: Path) -> None:
    """Check PLAN and write its outputs into --out (the check report, then the documents)."""
    result = _run_check(plan)
    console = _console(stderr=True)
    print_findings(result.findings, console)
    if result.plan is None:
        console.print("[red]nothing built:[/red] the plan could not be read")
        sys.exit(EXIT_CONTENT)
    slug = result.plan.slug
    write_atomic(out / f"{slug}-check.txt", as_text(result.findings).encode())
    write_atomic(out / f"{slug}-check.json", as_json(result.findings).encode())
    console.print(f"wrote {out / (slug + '-check.txt')}")
    sys.exit(EXIT_CONTENT if result.findings.errors else EXIT_OK)


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
        console.print(f"[red]error:[/red] unknown framework '{framework_id}' (known: {known})")
        sys.exit(EXIT_USAGE)
    try:
        written = scaffold(plan, area, framework, dt.date.today())
    except ScaffoldError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(EXIT_USAGE)
    console.print(f"created {plan} ({len(written)} files); next: bcf-docgen check {plan}")
