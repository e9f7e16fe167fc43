"""Figures computed from the plan's data, once, for templates, checks and writers.

Totals are never typed by authors: the pool, spend by source, by scheme type and by area,
risk scores and ratings, and a metric's merged definition all come from here, so a table
in the Word file, a sentence in the PDF and a check can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .content.models import ExpenditureLine, FundingSource, Metric, Risk, Scheme
from .content.plan import Plan
from .periods import latest
from .unknown import Partial, Unknown, is_unknown, parts_of

# A sum of amounts: a plain number, or a Partial when some of its parts are `tbc`.
Total = int | Partial


def _by_year(years: list[str]) -> dict[str, Total]:
    return dict.fromkeys(years, 0)


def _add(target: dict[str, Total], amounts: dict[str, int | Unknown]) -> None:
    for year, amount in amounts.items():
        target[year] = target.get(year, 0) + amount


@dataclass
class FundingFigures:
    """Income and spend of the pooled fund, by year (years of the round first)."""

    years: list[str]
    sources: list[FundingSource]
    pool: dict[str, Total]
    by_type: dict[str, dict[str, Total]]
    by_source: dict[str, dict[str, Total]]
    allocated: dict[str, dict[str, Total]]
    spend: dict[str, Total]
    by_scheme: dict[str, dict[str, Total]]
    by_scheme_type: dict[str, dict[str, Total]]
    by_area: dict[str, dict[str, Total]]
    by_commissioner: dict[str, dict[str, Total]]
    passported: dict[str, dict[str, Total]] = field(default_factory=dict)

    def unallocated(self, source_id: str, year: str) -> Total:
        return self.by_source.get(source_id, {}).get(year, 0) - self.allocated.get(
            source_id, {}
        ).get(year, 0)

    def schemes_to_confirm(self, year: str) -> list[str]:
        """The schemes whose spend in `year` has a figure not yet known (`tbc`), for
        sentences such as "at least £570,000 (1 of 6 schemes to be confirmed)"."""
        return [s for s, amounts in self.by_scheme.items() if is_unknown(amounts.get(year, 0))]

    def sources_to_confirm(self, year: str) -> list[str]:
        """The funding sources whose amount in `year` is not yet known (`tbc`)."""
        return [s for s, amounts in self.by_source.items() if is_unknown(amounts.get(year, 0))]


def expenditure_lines(plan: Plan) -> list[tuple[Scheme, ExpenditureLine]]:
    return [(scheme, line) for scheme in plan.schemes for line in scheme.expenditure]


def funding_figures(plan: Plan) -> FundingFigures:
    years = plan.years
    by_type: dict[str, dict[str, Total]] = defaultdict(lambda: _by_year(years))
    by_source: dict[str, dict[str, Total]] = {}
    passported: dict[str, dict[str, Total]] = {}
    pool = _by_year(years)
    for source in plan.funding.sources:
        by_source[source.id] = _by_year(years)
        _add(by_source[source.id], source.amounts)
        _add(by_type[source.kind], source.amounts)
        _add(pool, source.amounts)
        passported[source.id] = _by_year(years)
        for passport in source.passported:
            _add(passported[source.id], passport.amounts)

    allocated: dict[str, dict[str, Total]] = defaultdict(lambda: _by_year(years))
    by_scheme: dict[str, dict[str, Total]] = {}
    by_scheme_type: dict[str, dict[str, Total]] = defaultdict(lambda: _by_year(years))
    by_area: dict[str, dict[str, Total]] = defaultdict(lambda: _by_year(years))
    by_commissioner: dict[str, dict[str, Total]] = defaultdict(lambda: _by_year(years))
    spend = _by_year(years)
    for scheme in plan.schemes:
        by_scheme[scheme.id] = _by_year(years)
        for line in scheme.expenditure:
            _add(by_scheme[scheme.id], line.amounts)
            _add(allocated[line.source], line.amounts)
            _add(by_scheme_type[line.type], line.amounts)
            _add(by_area[line.area], line.amounts)
            _add(by_commissioner[line.commissioner], line.amounts)
            _add(spend, line.amounts)
    return FundingFigures(
        years=years,
        sources=list(plan.funding.sources),
        pool=pool,
        by_type=dict(by_type),
        by_source=by_source,
        allocated=dict(allocated),
        spend=spend,
        by_scheme=by_scheme,
        by_scheme_type=dict(by_scheme_type),
        by_area=dict(by_area),
        by_commissioner=dict(by_commissioner),
        passported=passported,
    )


@dataclass
class MetricInfo:
    """A metric as the plan uses it: the framework's definition merged with the plan's data."""

    id: str
    name: str
    unit: str
    decimals: int
    direction: str
    national: bool
    data: Metric

    @property
    def baseline(self):
        return self.data.baseline

    @property
    def targets(self) -> dict[str, float | Unknown]:
        return self.data.targets

    @property
    def actuals(self) -> dict[str, float | Unknown]:
        return self.data.actuals

    @property
    def latest(self) -> tuple[str, float | Unknown] | None:
        """The most recent actual as (period, value), periods ordered by time."""
        period = latest(self.data.actuals)
        if period is None:
            return None
        return period, self.data.actuals[period]

    @property
    def rationale(self) -> str | None:
        return self.data.rationale


def metric_info(plan: Plan, metric: Metric) -> MetricInfo:
    national = plan.framework.metric(metric.id)
    return MetricInfo(
        id=metric.id,
        name=metric.name or (national.name if national else metric.id),
        unit=metric.unit or (national.unit if national else ""),
        decimals=metric.decimals
        if metric.decimals is not None
        else (national.decimals if national else 0),
        direction=metric.direction or (national.direction if national else "higher"),
        national=national is not None,
        data=metric,
    )


def metrics_info(plan: Plan) -> list[MetricInfo]:
    return [metric_info(plan, m) for m in plan.metrics.metrics]


@dataclass
class RiskInfo:
    """A risk with its score and RAG rating computed from likelihood x impact."""

    data: Risk
    score: int
    rating: str
    residual_score: int | None
    residual_rating: str | None
    out_of: int

    def __getattr__(self, name: str) -> Any:
        return getattr(self.data, name)


def risks_info(plan: Plan) -> list[RiskInfo]:
    """Risks sorted by score, highest first (ties keep the register's order)."""
    register = plan.risks
    out_of = register.scale.likelihood * register.scale.impact
    result = []
    for risk in register.risks:
        residual = risk.residual.score if risk.residual else None
        result.append(
            RiskInfo(
                data=risk,
                score=risk.score,
                rating=register.rating(risk.score),
                residual_score=residual,
                residual_rating=register.rating(residual) if residual is not None else None,
                out_of=out_of,
            )
        )
    return sorted(result, key=lambda r: -r.score)


def rule_planned(plan: Plan, rule, year: str) -> Total:
    """Planned spend that counts towards a minimum rule (a ring-fence) in `year`."""
    measure = rule.measure
    if measure is None:
        return 0
    kinds = {s.id: s.kind for s in plan.funding.sources}
    partner_kinds = {p.id: p.kind for p in plan.meta.partners}
    total: Total = 0
    for _scheme, line in expenditure_lines(plan):
        if measure.source_types and kinds.get(line.source) not in measure.source_types:
            continue
        if measure.areas and line.area not in measure.areas:
            continue
        if line.area in measure.exclude_areas:
            continue
        kind = partner_kinds.get(line.commissioner)  # by role: a CCG and an ICB alike
        if not measure.counts_commissioner(kind, plan.framework.role(kind)):
            continue
        total += line.amounts.get(year, 0)
    return total


# How far worse than target a metric may be before amber turns red (5%).
AMBER_TOLERANCE = 0.05


def metric_rag(info: MetricInfo) -> str | None:
    """RAG of the latest actual against the target for the same period.

    Green: on target or better, in the metric's direction. Amber: worse by no more than
    5% of the target. Red: worse than that. None when there is no actual, or no target
    for the actual's period (a monthly actual is never compared with a yearly target),
    or when either is not yet known (`tbc`): that is no rating, never red.
    """
    latest = info.latest
    if latest is None:
        return None
    period, actual = latest
    target = info.targets.get(period)
    if target is None or is_unknown(target) or is_unknown(actual):
        return None
    return rag(info.direction, actual, target)  # type: ignore[arg-type]


def metric_unknown(info: MetricInfo) -> bool:
    """Whether the metric's rating waits on a figure not yet known (latest actual or its
    target), so that it is shown as to be confirmed rather than "not yet known"."""
    latest = info.latest
    if latest is None:
        return False
    return is_unknown(latest[1]) or is_unknown(info.targets.get(latest[0]))


def unknown_figures(plan: Plan) -> list[Unknown]:
    """Every figure written `tbc` in the plan's data, in file order: what checks name
    (`figure.unknown`) and a final build refuses while any is left."""
    found: list[Unknown] = []
    for source in plan.funding.sources:
        found += _unknowns(source.amounts)
        for passport in source.passported:
            found += _unknowns(passport.amounts)
    for total in plan.funding.control_totals:
        found += _unknowns({total.year: total.amount})
    for fence in plan.funding.ring_fences:
        found += _unknowns({fence.year: fence.amount})
    for scheme in plan.schemes:
        for line in scheme.expenditure:
            found += _unknowns(line.amounts)
    for metric in plan.metrics.metrics:
        if metric.baseline is not None:
            found += _unknowns({"": metric.baseline.value})
        for values in (metric.targets, metric.actuals, metric.last_year):
            found += _unknowns(values)
    return found


def _unknowns(values: dict[str, Any]) -> list[Unknown]:
    return [u for value in values.values() for u in parts_of(value)]


def rag(direction: str, actual: float, plan: float) -> str:
    """The one RAG rule for metrics: green on plan or better in the metric's direction;
    amber up to 5% worse; red beyond (the latest actual, the year to date alike)."""
    worse = actual - plan if direction == "lower" else plan - actual
    if worse <= 0:
        return "green"
    return "amber" if worse <= abs(plan) * AMBER_TOLERANCE else "red"
