"""`bcf-docgen doctor`: the pieces this machine has for building plans (doctor.py).

Exit status 0 when everything a build needs is there (optional pieces may be missing:
each line says what it turns off), 1 otherwise.
"""

from __future__ import annotations

import json
import sys

import click

from .cli_common import _console, escape
from .exits import EXIT_CONTENT, EXIT_OK


@click.command("doctor")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="text for people (default), json for machines",
)
def doctor(fmt: str) -> None:
    """Check that this machine can build plans: versions, fonts, LibreOffice, Pango.

    Lists each piece with its version and what is lost without it; exits 1 when a piece
    a build needs is missing.
    """
    from .doctor import diagnose, ready

    checks = diagnose()
    ok = ready(checks)
    if fmt == "json":
        result = {"ready": ok, "checks": [check.as_json() for check in checks]}
        click.echo(json.dumps(result, indent=2))
    else:
        console = _console()
        for check in checks:
            if check.ok:
                mark = "[green]ok[/green]     "
            elif check.needed:
                mark = "[red]missing[/red]"
            else:
                mark = "[yellow]absent[/yellow] "
            console.print(f"{mark} [bold]{escape(check.name)}[/bold]: {escape(check.found)}")
            if not check.ok:
                what = "needed for" if check.needed else "without it, no"
                console.print(f"         {what}: {escape(check.disables)}")
        if ok:
            console.print("[green]ready to build[/green]")
        else:
            console.print("[red]not ready: install the missing pieces above[/red]")
    sys.exit(EXIT_OK if ok else EXIT_CONTENT)
