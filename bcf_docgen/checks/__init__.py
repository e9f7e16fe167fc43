"""Checks: small functions over a Plan, each adding findings. They never print or exit.

Two kinds of rule:

- `@check`: `rule(plan, findings)`, run on the plan as read (ids, money, completeness,
  placeholders, consistency);
- `@document_check`: `rule(plan, document, findings)`, run on the assembled and resolved
  Document as well, for what only exists once the plan is laid out: stated totals in
  Markdown tables, hard-coded "Table 3" against the real numbering, heading levels,
  alt text, link text, header rows and RAG cells.

`run_checks` and `run_document_checks` run them all in registration order. Adding a rule
is adding a function and its test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..content.plan import Plan
from ..findings import Findings, Severity
from .registry import DOCUMENT_RULES, RULES, by_status, check, document_check, final

if TYPE_CHECKING:
    from ..document.model import Document

__all__ = ["by_status", "check", "document_check", "final", "run_checks", "run_document_checks"]


def _load_rules() -> None:
    # Import the rule modules so their decorators register them.
    from . import (  # noqa: F401
        accessibility,
        characters,
        claims,
        completeness,
        consistency,
        money,
        narrative,
        numbered_refs,
        partners,
        placeholders,
        references,
        structure,
        totals,
    )


def run_checks(plan: Plan) -> Findings:
    _load_rules()
    findings = Findings()
    for rule in RULES:
        rule(plan, findings)
    return findings


def run_document_checks(plan: Plan, document: Document) -> Findings:
    _load_rules()
    findings = Findings()
    for rule in DOCUMENT_RULES:
        rule(plan, document, findings)
    return findings


def warnings_as_errors(findings: Findings) -> Findings:
    """The same findings with every warning made an error (`--strict`)."""
    strict = Findings()
    for finding in findings:
        if finding.severity is Severity.WARNING:
            strict.error(finding.code, finding.message, finding.location, finding.hint)
        else:
            strict.items.append(finding)
    return strict
