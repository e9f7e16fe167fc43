"""What every command shares: the consoles, findings as the terminal shows them (with the
plan's line and a caret), the common options, and turning SIGTERM into an unwinding
exception. Its own module so that the commands kept in their own modules (cli_*.py) and
cli.py, which registers them, import it without importing each other.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape as escape_markup

from .build import FORMATS
from .engines import DEFAULT_PDF_ENGINE, PDF_ENGINES
from .exits import EXIT_USAGE, interrupted
from .findings import Finding, Findings, Severity
from .report import counts_line
from .untrusted import SourceDateEpochError, for_terminal, source_date_epoch

if TYPE_CHECKING:
    from .pipeline import Checked
    from .watch import Rebuilder


def escape(text: str) -> str:
    """Text from a plan (a message, a hint, a path, a file name) as the console prints it:
    control characters written visibly (`\\x1b`, never sent to the terminal to obey), and
    `[` escaped so that it is not read as Rich markup. Every print of such text uses it."""
    return escape_markup(for_terminal(text))


def _console(stderr: bool = False) -> Console:
    # Rich colours a terminal and writes plain text when piped; NO_COLOR is honoured.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_findings(
    findings: Findings, console: Console, root: Path | None = None, quiet: bool = False
) -> None:
    """Errors first, then warnings (none with `quiet`), each in file and line order: a line
    `file:line:column: severity: message [code]` for editors and scripts, the line of the
    plan it points at with a caret under the column (when `root`, the plan folder, holds
    the file), and its hint; then the counts.

    Everything taken from the plan (paths, messages quoting content, the lines shown) is
    escaped, so that text such as `[/]` in a plan file prints as written instead of being
    read as markup, and an escape sequence in a plan file is shown (`\\x1b[2J`), not obeyed.
    """
    ordered = findings.sorted()
    shown = [f for f in ordered if f.severity is Severity.ERROR]
    if not quiet:
        shown += [f for f in ordered if f.severity is Severity.WARNING]
    sources = _Sources(root)
    for finding in shown:
        colour = "red" if finding.severity is Severity.ERROR else "yellow"
        console.print(
            f"[bold]{escape(str(finding.location))}[/bold]: "
            f"[{colour}]{finding.severity.value}[/{colour}]: {escape(finding.message)} "
            f"[dim]\\[{escape(finding.code)}][/dim]"
        )
        for line in _excerpt(finding, sources.line(finding.file, finding.line), colour):
            console.print(line)
        if finding.hint:
            console.print(f"{' ' * _GUTTER}[cyan]= hint:[/cyan] {escape(finding.hint)}")
        console.print()
    errors = len(findings.errors)
    colour = "red" if errors else ("yellow" if findings.warnings else "green")
    console.print(f"[bold {colour}]{escape(counts_line(findings, quiet))}[/bold {colour}]")


_GUTTER = 4  # the width of the line numbers' column: ` 12 | text`
_EXCERPT_WIDTH = 120  # characters of a long line shown around the column

# Errors only, for `check`, `build` and `pack` (the JSON and SARIF forms keep everything).
quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="show errors only (warnings are counted, not listed)"
)
# What lays out the PDF (docs/engines.md); None leaves it to the plan's theme.
engine_option = click.option(
    "--engine",
    type=click.Choice(PDF_ENGINES),
    default=None,
    help=f"what lays out the PDF (default: the theme's pdf_engine, else {DEFAULT_PDF_ENGINE})",
)


class _Sources:
    """The lines of the plan's files that findings point at: read once each, only from
    inside the plan folder (a path that leaves it, by `..` or a link, shows no line), only
    regular files, and no more than a plan file may hold."""

    def __init__(self, root: Path | None):
        self.root = root
        self.files: dict[str, list[str] | None] = {}

    def line(self, file: str, number: int) -> str | None:
        if self.root is None or number < 1:
            return None
        if file not in self.files:
            self.files[file] = self._read(file)
        lines = self.files[file]
        return lines[number - 1] if lines is not None and number <= len(lines) else None

    def _read(self, file: str) -> list[str] | None:
        from .content.files import ContentError, read_regular, resolve_inside
        from .findings import Location

        assert self.root is not None
        try:
            path = resolve_inside(self.root.resolve(), file, Location(file))
            data = read_regular(path, file)
        except (ContentError, OSError, ValueError):
            return None
        return data.decode("utf-8", "replace").removeprefix("\ufeff").splitlines()


def _excerpt(finding: Finding, text: str | None, colour: str) -> list[str]:
    """The line a finding points at, as ` 12 | text`, and a caret line under the column."""
    if text is None or not text.strip():
        return []
    text = text.replace("\t", "    ")
    start, width = _span(finding, text)
    left = max(0, start - _EXCERPT_WIDTH // 2) if len(text) > _EXCERPT_WIDTH else 0
    before = ("..." if left else "") + for_terminal(text[left:start])
    shown = ("..." if left else "") + for_terminal(text[left : left + _EXCERPT_WIDTH])
    shown += "..." if left + _EXCERPT_WIDTH < len(text) else ""
    carets = "^" * max(1, len(for_terminal(text[start : start + width])))
    gutter = max(_GUTTER - 1, len(str(finding.line)))
    return [
        f"[dim]{str(finding.line).rjust(gutter)} |[/dim] {escape(shown)}",
        f"[dim]{' ' * gutter} |[/dim] {' ' * len(before)}[{colour}]{carets}[/{colour}]",
    ]


_WORD = re.compile(r"[^\s:,\[\]{}()'\"]+")


def _span(finding: Finding, text: str) -> tuple[int, int]:
    """Where the carets go on the line: under the word (or the bracketed or quoted value)
    at the finding's column; for a finding placed at the start of a line, such as a
    template error, under the first name the message quotes that the line holds."""
    start = min(max(finding.column - 1, 0), len(text.rstrip()))
    quoted = re.findall(r"'([^'\n]{2,})'", finding.message)
    for name in quoted:
        if text.startswith(name, start):
            return start, len(name)
    if finding.column == 1:
        for name in quoted:
            if name in text:
                return text.index(name), len(name)
        start = len(text) - len(text.lstrip())
    if text[start : start + 1] in ("[", "{", '"', "'"):
        return start, len(text[start:].rstrip())
    word = _WORD.match(text, start)
    return start, len(word.group()) if word else 1


def check_plan(folder: Path) -> Checked:
    """pipeline.check_plan, imported when a command first needs it (see the imports)."""
    from .pipeline import check_plan as read_and_check

    return read_and_check(folder)


def _run_check(plan: Path) -> Checked:
    from .content.reader import PlanFolderError

    try:
        return check_plan(plan)
    except PlanFolderError as exc:
        _console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)


def _refuse_bad_environment() -> None:
    """Exit 2 with one line when SOURCE_DATE_EPOCH is set but is not a time the outputs can
    carry: before reading the plan, not as an internal error after rendering it."""
    try:
        source_date_epoch()
    except SourceDateEpochError as exc:
        _console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)


class Terminated(BaseException):
    """SIGTERM arrived: unwinds the command like Ctrl-C does, running every `finally`."""


_terminated = threading.Event()  # set by SIGTERM, for code that turns every signal into Ctrl-C


def _terminate(signum: int, frame: FrameType | None) -> None:
    # Once is enough: the clean-up that follows is short and must not be cut off.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _terminated.set()
    raise Terminated


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Handle SIGTERM as `Terminated` while a command runs (in the main thread only, where
    Python runs signal handlers; the previous handler is put back, for tests)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _terminated.clear()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _stopped(how: str, signum: signal.Signals) -> None:
    _console(stderr=True).print(
        f"[yellow]stopped ({how}):[/yellow] earlier outputs are left as they were"
    )
    sys.exit(interrupted(signum))


# The output folder option, the same for every command that writes documents.
out_option = click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("build"),
    show_default=True,
    help="folder for the outputs",
)


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


# -------------------------------------------------------------- watch and preview


def timestamped(console: Console) -> Callable[[str], None]:
    """What `watch` and `preview` print: each message after the time, escaped (messages
    quote the plan)."""

    def say(message: str) -> None:
        console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {escape(message)}")

    return say


def watch_until_stopped(rebuilder: Rebuilder) -> None:
    """Run the watch until Ctrl-C (or SIGTERM, which the file watcher also reports as
    Ctrl-C: it is raised again as `Terminated`, for its exit status); the rebuilder's
    workers end however it ends."""
    from .watch import watch

    try:
        watch(rebuilder)
    except KeyboardInterrupt:
        if _terminated.is_set():
            raise Terminated from None
    finally:
        rebuilder.close()
