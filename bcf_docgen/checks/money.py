"""Money: every source fully allocated, control totals that agree with the data, the
framework's minimum contributions met and the DFG passported in full.

Amounts outside the round's years are `money.year` (structure.py); negative and
fractional pounds are refused when the files are read (`schema.money`).
"""

from __future__ import annotations

from ..content.plan import Plan
from ..derived import FundingFigures, funding_figures, rule_planned
from ..findings import Findings, Location
from ..formatting import money
from .registry import by_status, check


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
            if amount == allocated:
                continue
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
        if computed == total.amount:
            continue
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
        if planned >= fence.amount:
            continue
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
    two_tier = any(p.kind == "district-council" for p in plan.meta.partners)
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
                passed = sum(p.amounts.get(year, 0) for p in source.passported)
                if amount == passed:
                    continue
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
