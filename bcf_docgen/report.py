"""Findings as text for people and as JSON for machines (the CLI prints what these return).

Both are safe to print and to write as UTF-8 (`build` writes them as check.txt and
check.json): a control character quoted from the plan is written visibly (`\\x1b`) in
the text, as a JSON escape in the JSON, never raw.
"""

from __future__ import annotations

import json
from itertools import groupby

from .findings import Finding, Findings
from .untrusted import for_terminal, json_for_terminal


def counts_line(findings: Findings) -> str:
    errors, warnings = len(findings.errors), len(findings.warnings)
    if not errors and not warnings:
        return "no problems found"
    parts = []
    if errors:
        parts.append(f"{errors} error" + ("s" if errors != 1 else ""))
    if warnings:
        parts.append(f"{warnings} warning" + ("s" if warnings != 1 else ""))
    return ", ".join(parts)


def grouped(findings: Findings) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by file, files in name order, findings in line order."""
    return [(file, list(items)) for file, items in groupby(findings.sorted(), key=lambda f: f.file)]


def as_text(findings: Findings) -> str:
    lines = [for_terminal(f.format()) for f in findings.sorted()]
    lines.append(counts_line(findings))
    return "\n".join(lines) + "\n"


def as_json(findings: Findings) -> str:
    data = {
        "findings": [f.as_json() for f in findings.sorted()],
        "errors": len(findings.errors),
        "warnings": len(findings.warnings),
    }
    return json_for_terminal(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
