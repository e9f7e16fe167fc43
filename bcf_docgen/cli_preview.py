"""`bcf-docgen preview`, and what `watch` and `preview` print about findings and opening.

The server and the page are preview.py's; the rebuilding is the watch's (watch.py).
"""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from .cli_common import (
    _console,
    _formats,
    _refuse_bad_environment,
    _run_check,
    engine_option,
    escape,
    out_option,
    print_findings,
    timestamped,
    watch_until_stopped,
)
from .exits import EXIT_USAGE
from .report import counts_line

if TYPE_CHECKING:  # watch.py imports the job modules: not at every worker's start (cli.py)
    from .watch import FindingsChange


def show_change(change: FindingsChange, console: Console) -> None:
    """After a save, only what changed: the new findings in full, the resolved ones in a
    line each, and the count of all that remain (the first build shows everything)."""
    if change.new:
        if change.resolved or len(change.new) != len(change.total):
            console.print("[bold]new since the last build:[/bold]")
        print_findings(change.new, console)
    for finding in change.resolved:
        console.print(
            f"[green]resolved:[/green] {escape(str(finding.location))}: {escape(finding.message)}"
        )
    if change.resolved or len(change.new) != len(change.total):
        console.print(f"now: {escape(counts_line(change.total))}")


def open_output(target: Path | str, console: Console) -> None:
    """Open a built file or the preview's address, or say that nothing here can."""
    from .preview import open_in_viewer

    if not open_in_viewer(target):
        console.print(
            f"[yellow]note:[/yellow] no program to open {escape(str(target))} was found "
            "on this machine; open it yourself"
        )


def opened_output(paths: list[Path]) -> Path | None:
    """The output `--open` opens: the PDF, else the HTML page, else the Word file."""
    for suffix in (".pdf", ".html", ".docx"):
        for path in paths:
            if path.suffix == suffix:
                return path
    return None


@click.command()
@click.argument("plan", type=click.Path(path_type=Path))
@out_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="the port to serve on, on 127.0.0.1 only (0: any free port)",
)
@click.option("--open", "open_browser", is_flag=True, help="open the preview in the browser")
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="FORMATS",
    help="what to build besides the page: docx and/or pdf (default: both)",
)
@engine_option
def preview(
    plan: Path, out: Path, port: int, open_browser: bool, to: tuple[str, ...], engine: str | None
) -> None:
    """Serve PLAN's HTML preview on this machine and reload it on every save.

    The page shows the findings of the newest build over it (file:line and hint) and
    links to the Word file and the PDF as soon as they are ready. Stop with Ctrl-C.
    """
    from .preview import PreviewServer, PreviewState
    from .watch import Rebuilder

    if not (plan / "plan.yaml").is_file():
        _run_check(plan)  # reports the missing plan folder and exits
    formats = ["html", *[f for f in _formats(to or ("docx,pdf",)) if f != "html"]]
    _refuse_bad_environment()
    console = _console(stderr=True)
    state = PreviewState(plan)
    try:
        server = PreviewServer(state, port)
    except OSError as exc:
        in_use = exc.errno == errno.EADDRINUSE
        why = f"port {port} is in use" if in_use else f"cannot serve on port {port}: {exc}"
        console.print(
            f"[red]error:[/red] {escape(why)}; choose another with --port, or --port 0 "
            "for any free port"
        )
        sys.exit(EXIT_USAGE)

    say = timestamped(console)
    rebuilder = Rebuilder(
        plan,
        out,
        formats,
        say=say,
        show_findings=lambda c: show_change(c, console),
        listener=state,
        engine=engine,
    )
    server.serve_in_thread()
    # On stdout too, alone on its line: what a script or a test waits for.
    click.echo(f"preview at {server.url}")
    say(f"preview at {server.url} (Ctrl-C to stop)")
    if open_browser:
        state.after_first_build = lambda: open_output(server.url, console)
    try:
        watch_until_stopped(rebuilder)
    finally:
        server.stop()
    console.print("stopped the preview")
