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


def counts_line(findings: Findings, quiet: bool = False) -> str:
    """'2 errors, 1 warning'; with `quiet` (errors only) the warnings are counted as not
    shown, so that a quiet run never reads as a clean one."""
    errors, warnings = len(findings.errors), len(findings.warnings)
    if not errors and not warnings:
        return "no problems found"
    parts = []
    if errors:
        parts.append(_plural(errors, "error"))
    if warnings and quiet:
        parts.append(f"{_plural(warnings, 'warning')} not shown (without -q they are)")
    elif warnings:
        parts.append(_plural(warnings, "warning"))
    return ", ".join(parts)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("s" if count != 1 else "")


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


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def as_sarif(findings: Findings, base: str = "", version: str = "") -> str:
    """Findings as SARIF 2.1.0, the format code review tools (GitHub code scanning, GitLab,
    Azure DevOps) read to show each finding on its line in a pull request.

    `base` is the plan folder as the repository names it ("content/example"), put before
    each file, whose path is relative to the plan folder.
    """
    prefix = base.strip("/").replace("\\", "/")
    codes = sorted({f.code for f in findings})
    results = []
    for finding in findings.sorted():
        text = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
        uri = f"{prefix}/{finding.file}" if prefix and prefix != "." else finding.file
        region = {"startLine": max(1, finding.line), "startColumn": max(1, finding.column)}
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": codes.index(finding.code),
                "level": "error" if finding.severity.value == "error" else "warning",
                "message": {"text": text},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}
                ],
            }
        )
    driver = {
        "name": "bcf-docgen",
        "version": version,
        "rules": [{"id": code, "name": code} for code in codes],
    }
    data = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json_for_terminal(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
