"""Checks: small functions over a Plan, each adding findings. They never print or exit.

A rule is a function `rule(plan, findings)` registered with `@check`; `run_checks` runs
them all in registration order. Adding a rule is adding a function and its test.
"""

from __future__ import annotations

from collections.abc import Callable

from ..content.plan import Plan
from ..findings import Findings

Rule = Callable[[Plan, Findings], None]
RULES: list[Rule] = []


def check(rule: Rule) -> Rule:
    RULES.append(rule)
    return rule


def run_checks(plan: Plan) -> Findings:
    # Import the rule modules so their @check decorators register them.
    from . import narrative, references, structure  # noqa: F401

    findings = Findings()
    for rule in RULES:
        rule(plan, findings)
    return findings
