"""The harness of the hostile corpus (issue 11): a plan folder made hostile, run as a user
runs it, and the outputs searched for what must never be there.

Each case copies the small valid plan of `conftest.write_plan`, applies its change, and
plants a canary next to the plan folder (outside it): files whose text is `CANARY`, in
the forms content might try to pull in (Markdown, a template, an image name, a style
sheet, plain text). `run_case` runs `bcf-docgen` on it in a subprocess with a memory
cap, and `assert_clean` asserts what holds for every hostile input:

- the command ends (a generous safety net, never a speed limit), with no Python
  traceback and no exit status 3 (an internal error) or death by a signal;
- the canary is in no output (the bytes of every file, and every part inside a .docx);
- no markup from content reached the HTML (`<script`, an injected `<style`, event
  attributes, `javascript:` URLs).

A case then asserts its own finding (code, file, line) or its own correct output.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import cli_path, write_plan

CANARY = "CANARY-5c1e-outside-the-plan"
# The canary files, planted in a folder beside the plan folder.
CANARY_FILES = {
    "leak.md": f"---\ntitle: Leak\n---\n{CANARY}\n",
    "leak.md.j2": f"---\ntitle: Leak\n---\n{CANARY}\n",
    "leak.txt": CANARY,
    "leak.css": f'body::after {{ content: "{CANARY}"; }}',
    "leak.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f"<text>{CANARY}</text></svg>"
    ),
    "leak.png": CANARY,  # not a PNG: its name only invites a read
}
MEMORY_CAP = 3 * 1024**3  # bytes of address space for the command and its children
SAFETY_NET = 1800  # seconds: only a hung command reaches it


@dataclass
class Case:
    """A hostile plan folder, the canary folder beside it, and the output folder."""

    plan: Path
    canary: Path
    out: Path


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, bytes] = field(default_factory=dict)

    def text(self, suffix: str) -> str:
        """The text of the one output whose name ends with `suffix` ('' if none)."""
        found = [data for name, data in self.outputs.items() if name.endswith(suffix)]
        return found[0].decode("utf-8", "replace") if found else ""


def make_case(
    tmp_path: Path, changes: dict[str, str | bytes | None] | None = None, name: str = "case"
) -> Case:
    """A plan folder with `changes` applied, and the canary planted beside it."""
    root = tmp_path / name
    canary = root / "elsewhere"
    canary.mkdir(parents=True)
    for filename, text in CANARY_FILES.items():
        (canary / filename).write_text(text, encoding="utf-8")
    plan = write_plan(root / "plan", changes)
    return Case(plan, canary, root / "out")


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_case(case: Case, *args: str) -> Outcome:
    """`bcf-docgen ARGS...` on the case's plan (ARGS after the command name's plan)."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "BCF_DOCGEN_DEBUG")}
    env["COLUMNS"] = "200"
    command, *rest = args
    argv = [cli_path(), command, str(case.plan), *rest]
    if command in ("build", "pack", "watch") and "--out" not in rest:
        argv += ["--out", str(case.out)]
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=env,
        timeout=SAFETY_NET,
        preexec_fn=_limits,
        check=False,
    )
    outputs: dict[str, bytes] = {}
    if case.out.is_dir():
        for path in sorted(case.out.iterdir()):
            if path.is_file():
                outputs[path.name] = path.read_bytes()
    return Outcome(result.returncode, result.stdout, result.stderr, outputs)


INJECTED = ("<script", "javascript:", " onerror=", " onload=", "</style><")


def _unpacked(name: str, data: bytes) -> bytes:
    """A .docx's parts joined, so that text inside its XML is searched too."""
    if not name.endswith(".docx"):
        return data
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return b"\n".join(package.read(entry) for entry in package.namelist())


def assert_clean(outcome: Outcome) -> None:
    """What holds for every hostile input, whatever else the case expects."""
    both = outcome.stdout + outcome.stderr
    assert "Traceback (most recent call last)" not in both, both[-3000:]
    assert outcome.returncode not in (3,) and outcome.returncode >= 0, (
        outcome.returncode,
        both[-3000:],
    )
    assert CANARY not in both
    for name, data in outcome.outputs.items():
        assert CANARY.encode() not in _unpacked(name, data), f"the canary is in {name}"
        if name.endswith(".html"):
            html = data.decode("utf-8", "replace").lower()
            for marker in INJECTED:
                assert marker not in html, f"{marker!r} from content is in {name}"


def check_json(case: Case) -> tuple[Outcome, list[dict[str, Any]]]:
    """`check --format json` on the case: the outcome (asserted clean) and its findings."""
    outcome = run_case(case, "check", "--format", "json")
    assert_clean(outcome)
    return outcome, json.loads(outcome.stdout)["findings"]


def one(findings: list[dict[str, Any]], code: str) -> dict[str, Any]:
    """The single finding with `code`."""
    matching = [f for f in findings if f["code"] == code]
    assert len(matching) == 1, (code, findings)
    return matching[0]


def at(finding: dict[str, Any]) -> tuple[str, int]:
    return finding["file"], finding["line"]
