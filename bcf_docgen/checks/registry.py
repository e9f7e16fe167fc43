"""Where rules register themselves, apart from the package so that rule modules do not
import the package that imports them (no import cycle)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..content.plan import Plan
from ..findings import Findings, Severity

if TYPE_CHECKING:
    from ..document.model import Document

Rule = Callable[[Plan, Findings], None]
DocumentRule = Callable[[Plan, "Document", Findings], None]
RULES: list[Rule] = []
DOCUMENT_RULES: list[DocumentRule] = []


def check(rule: Rule) -> Rule:
    RULES.append(rule)
    return rule


def document_check(rule: DocumentRule) -> DocumentRule:
    DOCUMENT_RULES.append(rule)
    return rule


def final(plan: Plan) -> bool:
    return plan.meta.status == "final"


def by_status(plan: Plan) -> Severity:
    """Warning in a draft, error in a final plan: for what a draft may still lack
    (placeholders, missing parts, alt text) but a final plan may not."""
    return Severity.ERROR if final(plan) else Severity.WARNING
