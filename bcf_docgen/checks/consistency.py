"""Consistency: parts of the plan that must agree with each other.

- the version history ends at the plan's `version`, in date order, and no entry is
  dated after the plan;
- nobody signs before the date of the version they sign;
- a metric's target goes the right way from its baseline;
- risk scores stay within the register's scale, and a stated `rating:` agrees with the
  rating worked out from likelihood x impact and the thresholds.
"""

from __future__ import annotations

from ..content.plan import Plan
from ..derived import metrics_info
from ..findings import Findings
from ..formatting import date as format_date
from ..periods import parse_period, period_problem
from ..unknown import is_unknown
from .completeness import version_key
from .registry import check


@check
def history_agrees_with_version(plan: Plan, findings: Findings) -> None:
    meta = plan.meta
    if not meta.history:
        return
    current = version_key(meta.version)
    for i, entry in enumerate(meta.history):
        later = version_key(entry.version)
        if current is not None and later is not None and later > current:
            findings.error(
                "history.version",
                f"the version history has version {entry.version}, later than the plan's "
                f"version {meta.version}",
                meta.loc("history", i, "version"),
                f"set 'version: \"{entry.version}\"' in plan.yaml if this is that version, "
                "or correct the history entry",
            )
            return  # one finding: the first entry past the plan's version
    last = meta.history[-1]
    if last.version != meta.version and any(e.version == meta.version for e in meta.history):
        findings.error(
            "history.version",
            f"the newest history entry is version {last.version}, but the plan is version "
            f"{meta.version}",
            meta.loc("history", len(meta.history) - 1, "version"),
            "keep the history oldest first, ending with the plan's version",
        )


@check
def history_in_date_order(plan: Plan, findings: Findings) -> None:
    meta = plan.meta
    for i in range(1, len(meta.history)):
        before, entry = meta.history[i - 1], meta.history[i]
        if entry.date < before.date:
            findings.error(
                "history.order",
                f"history entry for version {entry.version} ({entry.date.isoformat()}) is "
                f"dated before the entry above it ({before.version}, "
                f"{before.date.isoformat()})",
                meta.loc("history", i, "date"),
                "list the history oldest first, newest last, and check the dates",
            )
    for i, entry in enumerate(meta.history):
        if entry.date > meta.date:
            findings.error(
                "history.date",
                f"history entry for version {entry.version} is dated "
                f"{entry.date.isoformat()}, after the plan's date {meta.date.isoformat()}",
                meta.loc("history", i, "date"),
                "set the plan's 'date:' to the date of this version, or correct the entry",
            )


@check
def signed_after_the_plan_date(plan: Plan, findings: Findings) -> None:
    if "signoff.yaml" in plan.unreadable:
        return
    for person in plan.signoff.signatories:
        if person.date is not None and person.date < plan.meta.date:
            findings.error(
                "signoff.date",
                f"{person.name} signed on {format_date(person.date)}, before the date of "
                f"this version ({format_date(plan.meta.date)}), so cannot have signed it",
                person.loc("date"),
                "correct the date, or clear it until they sign this version",
            )


PERIOD_KEYS = ("targets", "actuals", "last_year")
PERIOD_HINT = "periods are 2025-26 (a financial year), 2025-26 Q1 (a quarter) or 2025-04 (a month)"


@check
def metric_periods(plan: Plan, findings: Findings) -> None:
    """A metric's baseline period and the keys of its targets, actuals and last_year must
    name periods: one that does not (`2025-13`, `2025-26 Q9`) would be left out of every
    table and chart without a word."""
    if "metrics.yaml" in plan.unreadable:
        return
    for metric in plan.metrics.metrics:
        if metric.baseline is not None:
            problem = period_problem(metric.baseline.period)
            if problem:
                findings.error("metric.period", problem, metric.baseline.loc("period"), PERIOD_HINT)
        for field in PERIOD_KEYS:
            for key in getattr(metric, field):
                problem = period_problem(key)
                if problem:
                    findings.error(
                        "metric.period",
                        f"'{metric.id}' {field}: {problem}",
                        metric.key_loc(field, key),
                        PERIOD_HINT,
                    )


@check
def targets_go_the_right_way(plan: Plan, findings: Findings) -> None:
    if "metrics.yaml" in plan.unreadable:
        return
    for info in metrics_info(plan):
        baseline = info.baseline
        if baseline is None:
            continue
        base_period = parse_period(baseline.period)
        for key, target in info.targets.items():
            period = parse_period(key)
            # Compare like with like: a yearly baseline with yearly targets, and so on.
            if base_period is None or period is None or period.kind != base_period.kind:
                continue
            if is_unknown(target) or is_unknown(baseline.value):
                continue  # figure.unknown: nothing to compare yet
            worse = (
                target > baseline.value if info.direction == "lower" else (target < baseline.value)
            )
            if not worse:
                continue
            better = "lower" if info.direction == "lower" else "higher"
            findings.warning(
                "metric.direction",
                f"'{info.id}': {better} is better, but the {key} target ({target}) is "
                f"{'above' if better == 'lower' else 'below'} the baseline "
                f"({baseline.value} in {baseline.period})",
                info.data.loc("targets", key),
                "check the target and the metric's direction; if it is right, say why in "
                "the metric's rationale",
            )


@check
def risk_scores_and_ratings(plan: Plan, findings: Findings) -> None:
    if "risks.yaml" in plan.unreadable:
        return
    register = plan.risks
    scale = register.scale
    for risk in register.risks:
        in_range = True
        for owner, prefix in ((risk, ()), (risk.residual, ("residual",))):
            if owner is None:
                continue
            for key, top in (("likelihood", scale.likelihood), ("impact", scale.impact)):
                value = getattr(owner, key)
                if not 1 <= value <= top:
                    in_range = False
                    findings.error(
                        "risk.scale",
                        f"risk {risk.id}: {' '.join(prefix + (key,))} {value} is outside the "
                        f"register's scale of 1 to {top}",
                        risk.loc(*prefix, key),
                        f"use a whole number from 1 to {top} (scale: in risks.yaml)",
                    )
        if risk.rating is None or not in_range:
            continue
        computed = register.rating(risk.score)
        if risk.rating != computed:
            thresholds = register.thresholds
            findings.error(
                "risk.rating",
                f"risk {risk.id} is rated {risk.rating}, but likelihood {risk.likelihood} x "
                f"impact {risk.impact} = {risk.score}, which is {computed} (red from "
                f"{thresholds.red}, amber from {thresholds.amber})",
                risk.loc("rating"),
                "remove 'rating:' (it is worked out from the score), or correct the "
                "likelihood or impact",
            )
