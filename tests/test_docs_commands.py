"""Every command in the docs runs as written.

The shell blocks of README.md and docs/*.md (fenced ```sh, ```bash, ```shell or
```console) are run, each document's in order, in a fresh workspace that stands for a
clone of the repository. The rules, so that a reader can tell what is checked:

- **The workspace** holds a copy of the repository's `content/` (so `content/example`
  and `content/examples/...` exist, and nothing else does: a command that names
  `content/kingsmere` fails, as it would for a reader) and `.venv/bin/bcf-docgen`, a link
  to the installed command, which is also first on PATH, so `bcf-docgen ...` and
  `.venv/bin/bcf-docgen ...` both run as written. It is a git repository on branch
  `main` with two commits tagged `v1.1` (the example plan at version 1.1) and `v1.2`
  (as shipped), for `bcf-docgen diff` and the `git config` lines of docs/review.md.
- **Lines run**: in ```sh/```bash/```shell blocks every line (a trailing `\\` joins the
  next); in ```console blocks the lines starting with `$ ` (the rest is output). Each
  is run by bash in the workspace and must exit with status 0. A line whose program is
  not `bcf-docgen`, `make` or `git` fails the test unless it is one of NOT_RUN.
- **make** lines run as `make -n TARGET` in the repository itself: `make build` would
  install system packages and `make test` would run this test again, so the test checks
  that the target exists and what it would run, not its effect.
- **Long-running commands** (`watch`, `preview`) run until they say they are watching
  or serving (WAITING_FOR), then get Ctrl-C and must stop cleanly (status 0 or 130).
  BROWSER is set to `true`, so `--open` opens nothing.
- **LibreOffice** is hidden (a `soffice` that fails comes first on PATH): its pass, which
  fills in the Word contents' page numbers, is the slowest part of a build and is tested
  on its own elsewhere; the builds here say "no LibreOffice" in a note, as documented.
- **Repeats**: a command already run successfully by an earlier document on the same
  untouched example folders (not a folder made by `new` in its own document) is not
  run again, so the docs can show the same build without costing the suite twice. All
  docs run in one test, so that this holds under pytest-xdist too.

Blocks that only illustrate (a synopsis with `PLAN`, output of a plan with mistakes) are
fenced as ```text in the docs; a fence without a language whose lines look like
commands is an error, so that a real command cannot escape this test by accident.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN_LANGUAGES = {"sh", "bash", "shell", "console"}
PROGRAMS = {"bcf-docgen", ".venv/bin/bcf-docgen", "make", "git"}
# Programs the docs may show in runnable blocks that the test does not run, and why.
NOT_RUN = {
    "apt-get": "installs system packages",
    "sudo": "needs a password",
    "pip": "installs packages",
    ".venv/bin/pip": "installs packages",
}
LONG_RUNNING = {"watch", "preview"}
WAITING_FOR = re.compile(r"watching |https?://(?:localhost|127\.0\.0\.1)")
LOOKS_LIKE_COMMAND = re.compile(r"^(?:\$ |bcf-docgen |\.venv/bin/|make )", re.MULTILINE)
FENCE = re.compile(r"^(```+|~~~+)[ \t]*([\w+-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.DOTALL | re.MULTILINE)
SAFETY_NET = 1800  # seconds: only a hung command reaches it
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Command:
    doc: str  # README.md, docs/commands.md
    line: int  # where the command stands in the doc
    text: str

    @property
    def words(self) -> list[str]:
        try:
            return shlex.split(self.text, comments=True)
        except ValueError:
            return self.text.split()

    @property
    def program(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def subcommand(self) -> str:
        return self.words[1] if len(self.words) > 1 else ""

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {self.text}"


def blocks(path: Path) -> list[tuple[str, int, str]]:
    """(language, line of the first line inside the fence, text) of every fenced block."""
    text = path.read_text(encoding="utf-8")
    return [
        (m.group(2).lower(), text[: m.start(3)].count("\n") + 1, m.group(3))
        for m in FENCE.finditer(text)
    ]


def commands(path: Path) -> list[Command]:
    """The commands of a doc's runnable blocks, in order."""
    doc = path.relative_to(ROOT).as_posix()
    found: list[Command] = []
    for language, first, body in blocks(path):
        if language not in RUN_LANGUAGES:
            continue
        pending, start = "", 0
        for offset, raw in enumerate(body.splitlines()):
            line = raw.rstrip()
            if language == "console" and not pending:
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if not pending:
                start = first + offset
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            found.append(Command(doc, start, (pending + line).strip()))
            pending = ""
    return found


def unlabelled_commands(path: Path) -> list[str]:
    doc = path.relative_to(ROOT).as_posix()
    return [
        f"{doc}:{first}: a fence without a language holds commands: fence it as ```sh "
        "(run by this test) or ```text (illustrative)"
        for language, first, body in blocks(path)
        if not language and LOOKS_LIKE_COMMAND.search(body)
    ]


def make_workspace(folder: Path) -> Path:
    """A stand-in for a clone: content/, .venv/bin/bcf-docgen, git history v1.1 -> v1.2."""
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "content", folder / "content")
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "bcf-docgen").symlink_to(BIN / "bcf-docgen")
    (folder / ".gitignore").write_text(".venv/\nbuild/\n", encoding="utf-8")
    plan = folder / "content" / "example" / "plan.yaml"
    shipped = plan.read_text(encoding="utf-8")
    git = ["git", "-c", "user.name=Docs", "-c", "user.email=docs@example.invalid"]

    def run(*args: str) -> None:
        subprocess.run([*git, *args], cwd=folder, check=True, capture_output=True)

    run("init", "-q", "-b", "main")
    plan.write_text(shipped.replace('version: "1.2"', 'version: "1.1"'), encoding="utf-8")
    run("add", "-A")
    run("commit", "-q", "-m", "v1.1")
    run("tag", "v1.1")
    plan.write_text(shipped, encoding="utf-8")
    run("commit", "-q", "-am", "v1.2")
    run("tag", "v1.2")
    return folder


def environment(stubs: Path) -> dict[str, str]:
    """The commands' environment: the venv first on PATH, and LibreOffice stood in for
    by a `soffice` that fails (see the module's docstring)."""
    stubs.mkdir(parents=True)
    soffice = stubs / "soffice"
    soffice.write_text("#!/bin/sh\necho 'LibreOffice: hidden by the docs test' >&2\nexit 1\n")
    soffice.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTEST_"))}
    env["PATH"] = os.pathsep.join((str(stubs), str(BIN), env.get("PATH", "")))
    env["BROWSER"] = "true"  # `--open` opens nothing
    env["NO_COLOR"] = "1"
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    for who in ("AUTHOR", "COMMITTER"):  # `git tag -a` and `git commit` in the docs
        env[f"GIT_{who}_NAME"] = "Docs"
        env[f"GIT_{who}_EMAIL"] = "docs@example.invalid"
    return env


def run_until_waiting(command: Command, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """A watching or serving command: run until it says so, then Ctrl-C."""
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command.text}"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if WAITING_FOR.search(line):
                ready.set()
        ready.set()  # it ended without waiting

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(SAFETY_NET)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    status = process.wait(SAFETY_NET)
    reader.join(SAFETY_NET)
    output = "".join(seen)
    if not WAITING_FOR.search(output):
        return status or 1, output + "\n(it never said it was watching or serving)"
    return (0 if status in (0, 130) else status), output


def run_command(command: Command, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    if command.program == "make":
        target = command.words[1:]
        done = subprocess.run(
            ["make", "-n", *target], cwd=ROOT, capture_output=True, text=True, timeout=SAFETY_NET
        )
        return done.returncode, done.stdout + done.stderr
    if command.subcommand in LONG_RUNNING:
        return run_until_waiting(command, cwd, env)
    done = subprocess.run(
        ["bash", "-c", command.text],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=SAFETY_NET,
    )
    return done.returncode, done.stdout + done.stderr


# Commands already run on the untouched example folders, by their words: run once.
_already_run: dict[tuple[str, ...], Command] = {}


def _key(command: Command) -> tuple[str, ...]:
    words = command.words
    if words and words[0] == ".venv/bin/bcf-docgen":
        words = ["bcf-docgen", *words[1:]]
    return tuple(words)


def run_doc(doc: Path, workspace: Path, env: dict[str, str]) -> list[str]:
    """Run a doc's commands in order in `workspace`; the failures, described."""
    made: set[str] = set()  # folders this doc's `new` commands made
    failures = []
    for command in commands(doc):
        if command.program in NOT_RUN:
            continue
        if command.program not in PROGRAMS:
            failures.append(f"{command}\n    '{command.program}' is not a command this test runs")
            continue
        touches_new = any(w.rstrip("/") in made for w in command.words)
        key = _key(command)
        if not touches_new and key in _already_run:
            continue
        status, output = run_command(command, workspace, env)
        if command.subcommand == "new" and len(command.words) > 2:
            made.add(command.words[2].rstrip("/"))
        if status != 0:
            tail = "\n".join(output.strip().splitlines()[-8:])
            failures.append(f"{command}\n    exit status {status}:\n{tail}")
        elif not touches_new and command.program != "make" and command.subcommand != "new":
            _already_run[key] = command
    return failures


def test_doc_commands_run(tmp_path: Path) -> None:
    """All docs in one test, so that a command repeated by another doc runs once (one
    worker holds the record of what ran), each doc in its own fresh workspace."""
    env = environment(tmp_path / "stubs")
    failures = []
    for doc in DOCS:
        if commands(doc):
            workspace = make_workspace(tmp_path / doc.relative_to(ROOT).as_posix())
            failures += run_doc(doc, workspace, env)
    assert not failures, "\n\n".join(failures)


def test_command_blocks_say_whether_they_run() -> None:
    problems = [problem for doc in DOCS for problem in unlabelled_commands(doc)]
    assert not problems, "\n".join(problems)


def test_the_docs_hold_commands_to_run() -> None:
    """The extraction finds the commands it should (so an empty run cannot pass)."""
    readme = [c.text for c in commands(ROOT / "README.md")]
    assert any(text.startswith(".venv/bin/bcf-docgen new ") for text in readme)
    assert any(text.startswith("make build") for text in readme)
    sample = ROOT / "docs" / "board-pack.md"
    assert [c.text for c in commands(sample)][0] == "bcf-docgen pack content/example --out build"
