"""What each plan says about itself, for the summary: read and checked as `build` does.

Runs in a worker process, one plan at a time, and returns plain data (it crosses back to
the parent): the area and ONS code, the plan's own condition statuses, its findings
counted by family, the pooled fund by source, its metric ambitions and whether the
funding rules are met. Every figure comes from `derived` and every verdict from the
checks' own findings, so the summary and a build of the plan never disagree. The board
pack is left out: its covering report is a paper about the plan, not the plan (and
composing it would cost a second assembly of every plan). A plan that cannot be read is
a `PlanFacts` that says why, never an exception.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import formatting
from ..content.plan import Plan
from ..derived import funding_figures, metric_info, rule_planned
from ..findings import Findings
from ..frameworks import Rule
from ..unknown import TO_BE_CONFIRMED, Partial, Unknown, is_unknown, known_part

Money = int | Unknown | Partial


@dataclass(frozen=True)
class Figure:
    """A figure as the grid shows it (`text`) and as a spreadsheet holds it (`number`,
    None when it is not yet known)."""

    text: str
    number: float | int | None


@dataclass(frozen=True)
class Ambition:
    """A national metric's target for the round's first year against its baseline."""

    metric: str
    text: str  # "3.0% lower (better)", "no target", "to be confirmed"
    change: float | None  # the change as a fraction of the baseline (-0.03)
    better: bool | None


@dataclass(frozen=True)
class RuleState:
    """A funding rule's verdict for the plan: met, not met, not stated, not applicable."""

    rule: str
    title: str
    verdict: str  # met | not-met | not-stated | to-be-confirmed | not-applicable | unchecked
    detail: str


@dataclass
class PlanFacts:
    folder: str  # as given on the command line
    area: str = ""
    code: str = ""
    framework: str = ""
    status: str = ""
    problem: str = ""  # why the plan could not be read; "" when it was
    conditions: dict[str, str] = field(default_factory=dict)  # id -> met | partly-met | not-met
    errors: dict[str, int] = field(default_factory=dict)  # family -> count
    warnings: dict[str, int] = field(default_factory=dict)
    funding: dict[str, dict[str, Figure]] = field(default_factory=dict)  # type -> year -> figure
    pool: dict[str, Figure] = field(default_factory=dict)
    ambitions: dict[str, Ambition] = field(default_factory=dict)
    minimum: list[RuleState] = field(default_factory=list)
    passported: list[RuleState] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return not self.problem

    @property
    def name(self) -> str:
        """How statements name the plan: its area, or its folder when it has none."""
        return self.area or self.folder


def family(code: str) -> str:
    """A finding's family: its code up to the first dot ('money.ring-fence' -> 'money')."""
    return code.split(".", 1)[0]


def plan_facts(folder: str, templates: str | None = None) -> PlanFacts:
    """One plan's facts; a plan that cannot be read (or a bug reading it) says so."""
    from ..content.reader import PlanFolderError
    from ..pipeline import check_plan

    try:
        checked = check_plan(Path(folder), Path(templates) if templates else None, False)
        if checked.plan is None:
            first = checked.findings.sorted()[0] if checked.findings.errors else None
            why = f"{folder}/{first.format()}" if first else "its plan.yaml cannot be read"
            return PlanFacts(folder, problem=f"cannot be read: {why}")
        return _facts(folder, checked.plan, checked.findings)
    except PlanFolderError as exc:
        return PlanFacts(folder, problem=f"cannot be read: {exc}")
    except Exception as exc:  # a bug in bcf-docgen: this plan's row says so, the rest go on
        return PlanFacts(folder, problem=f"internal error: {type(exc).__name__}: {exc}")


def _facts(folder: str, plan: Plan, findings: Findings) -> PlanFacts:
    meta = plan.meta
    facts = PlanFacts(
        folder,
        area=meta.area.name,
        code=(meta.area.code or "").strip(),
        framework=meta.framework,
        status=meta.status,
        conditions={c.id: c.status for c in plan.conditions.conditions},
        errors=dict(Counter(family(f.code) for f in findings.errors)),
        warnings=dict(Counter(family(f.code) for f in findings.warnings)),
    )
    if "funding.yaml" not in plan.unreadable:
        figures = funding_figures(plan)
        for source in plan.framework.funding_sources:
            amounts = figures.by_type.get(source.type, {})
            facts.funding[source.type] = {y: _money(amounts.get(y, 0)) for y in plan.years}
        facts.pool = {y: _money(figures.pool.get(y, 0)) for y in plan.years}
    facts.ambitions = _ambitions(plan)
    spend_readable = not any(
        n == "funding.yaml" or n.startswith("schemes/") for n in plan.unreadable
    )
    codes = {(f.code, f.location) for f in findings}
    for rule in plan.framework.rules:
        if rule.kind == "minimum":
            facts.minimum.append(_minimum(plan, rule, codes, spend_readable))
        elif rule.kind == "passported":
            facts.passported.append(_passported(plan, rule, codes))
    return facts


def _money(value: Money) -> Figure:
    text = formatting.money(value, "millions")
    return Figure(text, None if isinstance(value, Unknown | Partial) else int(value))


def previous_year(year: str) -> str:
    """'2025-26' -> '2024-25': the financial year before a round's first."""
    first = int(year[:4]) - 1
    return f"{first}-{(first + 1) % 100:02d}"


def _ambitions(plan: Plan) -> dict[str, Ambition]:
    """Each national metric's target for the round's first year against its baseline."""
    year = plan.years[0]
    previous = previous_year(year)
    found: dict[str, Ambition] = {}
    for metric in plan.metrics.metrics:
        national = plan.framework.metric(metric.id)
        if national is None:
            continue
        info = metric_info(plan, metric)
        target, baseline = info.targets.get(year), info.baseline
        if baseline is None or target is None:
            text = "no baseline" if baseline is None else f"no target for {year}"
            found[metric.id] = Ambition(metric.id, text, None, None)
            continue
        if is_unknown(target) or is_unknown(baseline.value) or not baseline.value:
            text = TO_BE_CONFIRMED if baseline.value else "baseline is 0"
            found[metric.id] = Ambition(metric.id, text, None, None)
            continue
        change = (float(target) - float(baseline.value)) / abs(float(baseline.value))
        if change == 0:
            found[metric.id] = Ambition(metric.id, f"no change on {baseline.period}", 0.0, None)
            continue
        better = change < 0 if info.direction == "lower" else change > 0
        way = "lower" if change < 0 else "higher"
        # The baseline is the year before the round's, as a rule: named only when not.
        against = "" if baseline.period == previous else f" than {baseline.period}"
        verdict = "better" if better else "worse"
        text = f"{formatting.pct(abs(change) * 100)} {way}{against} ({verdict})"
        found[metric.id] = Ambition(metric.id, text, change, better)
    return found


def _minimum(plan: Plan, rule: Rule, codes: set, spend_readable: bool) -> RuleState:
    """A minimum rule's verdict, from the check's own findings (`money.ring-fence` at the
    stated amount, `money.ring-fence-missing`), with its figures from `derived`."""
    if not spend_readable:
        return RuleState(rule.id, rule.title, "unchecked", "the funding cannot be read")
    fences = [f for f in plan.funding.ring_fences if f.rule == rule.id and f.year in plan.years]
    if not fences:
        return RuleState(rule.id, rule.title, "not-stated", "no required amount is stated")
    verdicts, details = [], []
    for fence in fences:
        planned = rule_planned(plan, rule, fence.year)
        required = formatting.money(fence.amount, "millions")
        figures = f"{formatting.money(planned, 'millions')} / {required}"
        details.append(figures if len(plan.years) == 1 else f"{fence.year}: {figures}")
        if ("money.ring-fence", fence.loc("amount")) in codes:
            verdicts.append("not-met")
        elif is_unknown(fence.amount) or (
            is_unknown(planned) and known_part(planned) < known_part(fence.amount)
        ):
            verdicts.append("to-be-confirmed")
        else:
            verdicts.append("met")
    verdict = next((v for v in ("not-met", "to-be-confirmed") if v in verdicts), "met")
    return RuleState(rule.id, rule.title, verdict, "; ".join(details))


def _passported(plan: Plan, rule: Rule, codes: set) -> RuleState:
    """A passporting rule's verdict, from the check's findings (`money.<rule id>`)."""
    roles = {plan.framework.role(p.kind) for p in plan.meta.partners}
    if rule.applies_to == "two-tier" and "district-council" not in roles:
        return RuleState(rule.id, rule.title, "not-applicable", "no district councils")
    if "funding.yaml" in plan.unreadable:
        return RuleState(rule.id, rule.title, "unchecked", "the funding cannot be read")
    figures = funding_figures(plan)
    sources = [s for s in plan.funding.sources if s.kind == rule.source_type]
    several = len(plan.years) > 1
    details = [
        ("" if not several else f"{y}: ")
        + f"{formatting.money(figures.passported.get(s.id, {}).get(y, 0), 'millions')} / "
        f"{formatting.money(figures.by_source.get(s.id, {}).get(y, 0), 'millions')}"
        for s in sources
        for y in plan.years
    ]
    failed = any(code == f"money.{rule.id}" for code, _ in codes)
    return RuleState(rule.id, rule.title, "not-met" if failed else "met", "; ".join(details))
