"""Money: every source fully allocated, control totals that agree with the data, the
framework's minimum contributions met and the DFG passported in full.

Amounts outside the round's years are `money.year` (structure.py); negative and
fractional pounds are refused when the files are read (`schema.money`).

A figure written `tbc` is `figure.unknown`, once per figure (a warning in a draft, an
error in a final plan, which is then not built). A comparison that needs it is not made
(it could only be wrong), except where the known part already decides it: a ring-fence
whose known planned spend reaches the required amount is met, whatever is to come.
"""

from __future__ import annotations

from ..content.kinds import expects
from ..content.plan import Plan
from ..derived import FundingFigures, funding_figures, rule_planned, unknown_figures
from ..findings import Findings, Location
from ..formatting import money
from ..unknown import SPELLING, TO_BE_CONFIRMED, is_unknown, known_part
from .registry import by_status, check, final


@check
def figures_not_yet_known(plan: Plan, findings: Findings) -> None:
    """Each figure written `tbc`, named and located: what a final plan still needs."""
    hint = (
        "write the figure: a final plan cannot be built while any figure is tbc"
        if final(plan)
        else "fine in a draft, where checks that need it wait for it; write the figure "
        "when it is known, as a final plan cannot be built while any figure is tbc"
    )
    for unknown in unknown_figures(plan):
        findings.add(
            by_status(plan),
            "figure.unknown",
            f"{unknown.what} is {TO_BE_CONFIRMED} ('{SPELLING}')",
            unknown.where or Location("?"),
            hint,
        )


def _unreadable_spend(plan: Plan) -> bool:
    """A scheme file that could not be read leaves its lines out of every sum."""
    return any(name.startswith("schemes/") for name in plan.unreadable)


def _figures(plan: Plan) -> FundingFigures | None:
    if "funding.yaml" in plan.unreadable:
        return None  # its own errors are reported; every sum would be wrong
    return funding_figures(plan)


@check
def sources_fully_allocated(plan: Plan, findings: Findings) -> None:
    figures = _figures(plan)
    if figures is None or _unreadable_spend(plan):
        return
    for source in plan.funding.sources:
        for year in plan.years:
            amount = source.amounts.get(year, 0)
            allocated = figures.allocated.get(source.id, {}).get(year, 0)
            if is_unknown(amount) or is_unknown(allocated) or amount == allocated:
                continue  # a figure not yet known is figure.unknown
            difference = amount - allocated
            state = (
                f"{money(difference)} unallocated"
                if difference > 0
                else f"over-allocated by {money(-difference)}"
            )
            where = (
                source.loc("amounts", year)
                if year in source.amounts
                else source.loc("amounts")
                if source.amounts
                else source.loc("id")
            )
            findings.error(
                "money.unallocated",
                f"funding source '{source.id}' is {money(amount)} in {year} but the scheme "
                f"lines drawing on it add up to {money(allocated)}: {state}",
                where,
                f"make the expenditure lines with 'source: {source.id}' for {year} add up to "
                "the source's amount, or correct the amount",
            )


@check
def control_totals_agree(plan: Plan, findings: Findings) -> None:
    figures = _figures(plan)
    if figures is None:
        return
    for total in plan.funding.control_totals:
        if total.year not in plan.years:
            continue  # money.year
        if total.what == "pool":
            computed, what = figures.pool.get(total.year, 0), "the pool (all sources)"
        elif total.what in figures.by_source:
            computed, what = (
                figures.by_source[total.what].get(total.year, 0),
                (f"funding source '{total.what}'"),
            )
        else:
            continue  # ref.control-total
        if is_unknown(computed) or is_unknown(total.amount) or computed == total.amount:
            continue  # a figure not yet known is figure.unknown
        difference = computed - total.amount
        findings.error(
            "money.control-total",
            f"control total for {what} in {total.year} is {money(total.amount)} but the data "
            f"add up to {money(computed)} ({'+' if difference > 0 else '-'}"
            f"{money(abs(difference))})",
            total.loc("amount"),
            "copy the amount from the allocation letter, then correct the source amounts "
            "in funding.yaml until they agree",
        )


@check
def minimum_rules_met(plan: Plan, findings: Findings) -> None:
    if "funding.yaml" in plan.unreadable or _unreadable_spend(plan):
        return
    minimum = {r.id: r for r in plan.framework.rules if r.kind == "minimum"}
    stated: set[tuple[str, str]] = set()
    for fence in plan.funding.ring_fences:
        rule = minimum.get(fence.rule)
        if rule is None or fence.year not in plan.years:
            continue  # ref.rule, money.year
        stated.add((fence.rule, fence.year))
        planned = rule_planned(plan, rule, fence.year)
        if is_unknown(fence.amount) or known_part(planned) >= fence.amount:
            continue  # met, or waiting on the required amount (figure.unknown)
        if is_unknown(planned):
            continue  # the known part falls short, but what is to come may make it up
        findings.add(
            by_status(plan),
            "money.ring-fence",
            f"'{rule.id}' ({rule.title}) requires at least {money(fence.amount)} in "
            f"{fence.year}; the plan's lines that count towards it add up to "
            f"{money(planned)}, {money(fence.amount - planned)} short",
            fence.loc("amount"),
            "move or add spending that counts towards the rule (see docs/frameworks.md for "
            "which lines count), or correct the required amount",
        )
    if not expects(plan.meta, "ring-fences"):
        return  # stated amounts are checked in any document; only a plan must state them
    where = (
        plan.funding.key_loc("ring_fences")
        if "funding.yaml" in plan.present
        else Location("funding.yaml")
    )
    for rule in minimum.values():
        for year in plan.years:
            if (rule.id, year) in stated:
                continue
            findings.add(
                by_status(plan),
                "money.ring-fence-missing",
                f"funding.yaml gives no required amount for '{rule.id}' ({rule.title}) in "
                f"{year}, so the rule cannot be checked",
                where,
                f"add '- {{rule: {rule.id}, year: {year}, amount: ...}}' under ring_fences: "
                "in funding.yaml, with the amount from the round's allocations",
            )


@check
def passporting_adds_up(plan: Plan, findings: Findings) -> None:
    if "funding.yaml" in plan.unreadable:
        return
    roles = {plan.framework.role(p.kind) for p in plan.meta.partners}
    two_tier = "district-council" in roles  # a role: whatever the round calls its districts
    for rule in plan.framework.rules:
        if rule.kind != "passported" or not rule.source_type:
            continue
        if rule.applies_to == "two-tier" and not two_tier:
            continue
        for source in plan.funding.sources:
            if source.kind != rule.source_type:
                continue
            for year in plan.years:
                amount = source.amounts.get(year, 0)
                passed = sum((p.amounts.get(year, 0) for p in source.passported), 0)
                if is_unknown(amount) or is_unknown(passed) or amount == passed:
                    continue  # a figure not yet known is figure.unknown
                difference = amount - passed
                state = (
                    f"{money(difference)} is not passed on"
                    if difference > 0
                    else f"{money(-difference)} more than the grant is passed on"
                )
                findings.error(
                    f"money.{rule.id}",
                    f"'{source.id}' is {money(amount)} in {year} but the amounts passported "
                    f"to district councils add up to {money(passed)}: {state}",
                    source.loc("passported") if source.passported else source.loc("id"),
                    f"{rule.title}: list each district council under 'passported:' with "
                    f"its amount for {year}, adding up to the grant",
                )
