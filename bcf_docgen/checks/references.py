"""Ids that must exist: partners, funding sources, metrics, conditions, objectives, and the
framework's scheme types and areas of spend. An unknown id names the ones that exist."""

from __future__ import annotations

from collections.abc import Iterable

from ..content.models import Scheme
from ..content.plan import Plan
from ..content.validation import did_you_mean
from ..findings import Findings, Location
from .registry import check


def _expect(
    findings: Findings,
    code: str,
    what: str,
    value: str | None,
    known: Iterable[str],
    where: Location,
    fix: str = "",
) -> None:
    known = list(known)
    if value is None or value in known:
        return
    hint = did_you_mean(value, known) if known else f"none are defined yet{fix}"
    findings.error(code, f"unknown {what} '{value}'", where, hint)


def _referrers(plan: Plan, defined_in: str) -> list[Scheme]:
    """The schemes to check against ids from `defined_in`: none when that file could not be
    read, as every id would look unknown and only repeat the file's own errors."""
    return [] if defined_in in plan.unreadable else plan.schemes


@check
def partners_exist(plan: Plan, findings: Findings) -> None:
    partners = [p.id for p in plan.meta.partners]
    fix = ": add partners to plan.yaml"
    for scheme in plan.schemes:
        _expect(findings, "ref.partner", "partner", scheme.lead, partners, scheme.loc("lead"), fix)
        for i, line in enumerate(scheme.expenditure):
            _expect(
                findings,
                "ref.partner",
                "partner",
                line.commissioner,
                partners,
                scheme.loc("expenditure", i, "commissioner"),
                fix,
            )
    for source in plan.funding.sources:
        _expect(
            findings,
            "ref.partner",
            "partner",
            source.contributor,
            partners,
            source.loc("contributor"),
            fix,
        )
    for risk in plan.risks.risks:
        _expect(findings, "ref.partner", "partner", risk.owner, partners, risk.loc("owner"), fix)


@check
def funding_sources_exist(plan: Plan, findings: Findings) -> None:
    sources = [s.id for s in plan.funding.sources]
    for scheme in _referrers(plan, "funding.yaml"):
        for i, line in enumerate(scheme.expenditure):
            _expect(
                findings,
                "ref.source",
                "funding source",
                line.source,
                sources,
                scheme.loc("expenditure", i, "source"),
                ": add sources to funding.yaml",
            )
    types = [t.type for t in plan.framework.funding_sources]
    for source in plan.funding.sources:
        if source.kind not in types:
            findings.error(
                "ref.source-type",
                f"'{source.kind}' is not a kind of funding in {plan.framework.id}",
                source.loc("type") if source.type else source.loc("id"),
                did_you_mean(source.kind, types)
                + " (set 'type:' when the source's id is not its kind)",
            )


@check
def framework_lists(plan: Plan, findings: Findings) -> None:
    framework = plan.framework
    for scheme in plan.schemes:
        for i, line in enumerate(scheme.expenditure):
            _expect(
                findings,
                "ref.scheme-type",
                f"scheme type for {framework.id}",
                line.type,
                framework.scheme_types,
                scheme.loc("expenditure", i, "type"),
            )
            _expect(
                findings,
                "ref.area-of-spend",
                "area of spend",
                line.area,
                framework.areas_of_spend,
                scheme.loc("expenditure", i, "area"),
            )


@check
def metrics_exist(plan: Plan, findings: Findings) -> None:
    national = [m.id for m in plan.framework.metrics]
    defined = [m.id for m in plan.metrics.metrics]
    for metric in plan.metrics.metrics:
        if metric.id in national:
            continue
        missing = [k for k in ("name", "unit", "direction") if getattr(metric, k) is None]
        if missing:
            findings.error(
                "metric.local-incomplete",
                f"'{metric.id}' is not a national metric of {plan.framework.id}, so it needs "
                + ", ".join(f"'{k}'" for k in missing),
                metric.loc("id"),
                did_you_mean(metric.id, national) + " (or define it as a local metric)",
            )
    known = sorted(set(national) | set(defined))
    for scheme in _referrers(plan, "metrics.yaml"):
        for i, metric_id in enumerate(scheme.metrics):
            _expect(findings, "ref.metric", "metric", metric_id, known, scheme.loc("metrics", i))


@check
def conditions_exist(plan: Plan, findings: Findings) -> None:
    known = [c.id for c in plan.framework.conditions]
    for response in plan.conditions.conditions:
        _expect(
            findings,
            "ref.condition",
            f"national condition of {plan.framework.id}",
            response.id,
            known,
            response.loc("id"),
        )
    for scheme in plan.schemes:
        for i, condition in enumerate(scheme.conditions):
            _expect(
                findings,
                "ref.condition",
                "national condition",
                condition,
                known,
                scheme.loc("conditions", i),
            )


@check
def objectives_exist(plan: Plan, findings: Findings) -> None:
    known = [o.id for o in plan.vision.objectives]
    for scheme in _referrers(plan, "vision.yaml"):
        for i, objective in enumerate(scheme.vision_objectives):
            _expect(
                findings,
                "ref.objective",
                "vision objective",
                objective,
                known,
                scheme.loc("vision_objectives", i),
                ": add objectives to vision.yaml",
            )


@check
def rules_exist(plan: Plan, findings: Findings) -> None:
    known = [r.id for r in plan.framework.rules]
    for fence in plan.funding.ring_fences:
        _expect(findings, "ref.rule", "funding rule", fence.rule, known, fence.loc("rule"))
    targets = ["pool"] + [s.id for s in plan.funding.sources]
    for total in plan.funding.control_totals:
        _expect(
            findings,
            "ref.control-total",
            "control total subject",
            total.what,
            targets,
            total.loc("what"),
        )
