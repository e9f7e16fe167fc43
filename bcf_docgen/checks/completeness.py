"""Completeness against the framework: what the round expects every plan to contain.

Framework completeness (every national condition answered, every national metric with a
baseline and a target for each year, every scheme with spending and a metric, every risk
with an owner and a mitigation, the required narrative sections, no empty required
text): a warning in a draft, so that `check` lists what is still to do, and an error in
a final plan.

Sign-off completeness (every signatory dated, no outstanding decisions, a history entry
for the current version) is only asked of a final plan: a draft is expected to be
unsigned and to have open decisions, so drafts are not told about these at all.

What the framework expects of a whole plan is not asked of an appendix, a report or a
briefing: each rule below that asks for something absent names its expectation, and
the document's kind (`content/kinds.py`, one table) says whether it applies. What is
present is still checked in every kind (an empty response, a risk without an owner).
"""

from __future__ import annotations

import re

from ..content.kinds import Expectation, expects, kind_of
from ..content.plan import Plan
from ..findings import Findings, Location
from ..periods import parse_period
from .prose import JINJA
from .registry import by_status, check, final


def _where(plan: Plan, file: str, model, key: str) -> Location:
    """The key that a missing entry belongs under, or the file itself if it is absent."""
    if file in plan.present and model is not None:
        return model.key_loc(key)
    return Location(file)


@check
def conditions_answered(plan: Plan, findings: Findings) -> None:
    if "conditions.yaml" in plan.unreadable:
        return
    severity = by_status(plan)
    answered = {c.id for c in plan.conditions.conditions}
    expected = plan.framework.conditions if expects(plan.meta, "conditions") else []
    for condition in expected:
        if condition.id in answered:
            continue
        findings.add(
            severity,
            "condition.missing",
            f"national condition {condition.id} ({condition.title}) has no response",
            _where(plan, "conditions.yaml", plan.conditions, "conditions"),
            f"add '- {{id: {condition.id}, status: met, response: ...}}' under conditions: "
            "in conditions.yaml, saying how the plan meets it",
        )
    for response in plan.conditions.conditions:
        if not (response.response or "").strip():
            findings.add(
                severity,
                "text.empty",
                f"the response to national condition {response.id} is empty",
                response.loc("response") if response.response is not None else response.loc("id"),
                "write under 'response: |' how the plan meets the condition",
            )


def _covers(period_keys, year: str) -> bool:
    """A target for the year itself, or for any quarter or month within it."""
    for key in period_keys:
        if key == year:
            return True
        period = parse_period(key)
        if period is not None and period.kind != "year" and period.financial_year == year:
            return True
    return False


@check
def national_metrics_complete(plan: Plan, findings: Findings) -> None:
    if "metrics.yaml" in plan.unreadable or not expects(plan.meta, "national-metrics"):
        return
    severity = by_status(plan)
    given = {m.id: m for m in plan.metrics.metrics}
    for national in plan.framework.metrics:
        metric = given.get(national.id)
        if metric is None:
            findings.add(
                severity,
                "metric.missing",
                f"national metric '{national.id}' ({national.name}) is not in metrics.yaml",
                _where(plan, "metrics.yaml", plan.metrics, "metrics"),
                f"add '- id: {national.id}' with its baseline and targets under metrics:",
            )
            continue
        if metric.baseline is None:
            findings.add(
                severity,
                "metric.baseline",
                f"national metric '{metric.id}' has no baseline",
                metric.loc("id"),
                "add 'baseline: {period: 2024-25, value: ...}' (the latest full year)",
            )
        for year in plan.years:
            if not _covers(metric.targets, year):
                findings.add(
                    severity,
                    "metric.target",
                    f"national metric '{metric.id}' has no target for {year}",
                    metric.key_loc("targets") if metric.targets else metric.loc("id"),
                    f"add a target under 'targets:', e.g. {year}: ... (or quarterly or "
                    "monthly targets within the year)",
                )


# A scheme's texts that a document may expect, with how findings name them.
SCHEME_TEXTS: tuple[tuple[str, str, Expectation], ...] = (
    ("purpose", "purpose ('I statement')", "scheme-purpose"),
    ("summary", "summary", "scheme-summary"),
)


@check
def schemes_complete(plan: Plan, findings: Findings) -> None:
    severity = by_status(plan)
    texts = [(key, what) for key, what, wanted in SCHEME_TEXTS if expects(plan.meta, wanted)]
    for scheme in plan.schemes:
        # A file read in part may have lost its lines to a mistake already reported.
        dropped = scheme.loc("id").file in plan.unreadable
        if not scheme.expenditure and not dropped and expects(plan.meta, "scheme-spending"):
            findings.add(
                severity,
                "scheme.no-expenditure",
                f"scheme {scheme.id} ({scheme.name}) has no expenditure lines",
                scheme.loc("id"),
                "add at least one line under 'expenditure:' with its type, area, "
                "commissioner, source and amounts",
            )
        if not scheme.metrics and expects(plan.meta, "scheme-metrics"):
            findings.add(
                severity,
                "scheme.no-metric",
                f"scheme {scheme.id} ({scheme.name}) names no metric",
                scheme.loc("id"),
                "list the metrics it is expected to move, e.g. metrics: [discharge-delay]",
            )
        for key, what in texts:
            if not (getattr(scheme, key) or "").strip():
                findings.add(
                    severity,
                    "text.empty",
                    f"scheme {scheme.id} ({scheme.name}) has no {what}",
                    scheme.loc(key) if getattr(scheme, key) is not None else scheme.loc("id"),
                    f"write the scheme's {key} under '{key}:'",
                )


@check
def risks_complete(plan: Plan, findings: Findings) -> None:
    if "risks.yaml" in plan.unreadable:
        return
    severity = by_status(plan)
    for risk in plan.risks.risks:
        if not (risk.owner or "").strip():
            findings.add(
                severity,
                "risk.owner",
                f"risk {risk.id} has no owner",
                risk.loc("id"),
                "add 'owner:' with the id of the partner who manages the risk",
            )
        if risk.status == "open" and not [m for m in risk.mitigations if m.strip()]:
            findings.add(
                severity,
                "risk.mitigation",
                f"risk {risk.id} has no mitigation",
                risk.key_loc("mitigations") if risk.mitigations else risk.loc("id"),
                "list what partners are doing about it under 'mitigations:'",
            )


def _has_text(body: str) -> bool:
    return bool(JINJA.sub(lambda m: "" if m.group(0).startswith("{##") else "x", body).strip())


@check
def narrative_sections_present(plan: Plan, findings: Findings) -> None:
    severity = by_status(plan)
    present = {section.id for section in plan.sections.values()}
    present |= {e.target for e in plan.meta.outline if not e.is_markdown}
    expected = plan.framework.narrative_sections if expects(plan.meta, "narrative-sections") else []
    for required in expected:
        if not required.required or required.id in present:
            continue
        findings.add(
            severity,
            "section.missing",
            f"{plan.framework.name} expects a section '{required.title}' (id "
            f"'{required.id}'), which the outline does not have",
            plan.meta.key_loc("outline"),
            (required.hint + " " if required.hint else "")
            + f"Add sections/{required.id}.md (or a file with 'id: {required.id}') "
            "to the outline. If this is not a whole plan, say what it is in plan.yaml "
            "('document: appendix', 'report' or 'briefing').",
        )
    for section in plan.sections.values():
        if not _has_text(section.body):
            findings.add(
                severity,
                "text.empty",
                f"section '{section.title}' has no text yet",
                section.location,
                f"write the section in {section.path}",
            )


# ------------------------------------------------------------- final plans only


@check
def final_plan_signed(plan: Plan, findings: Findings) -> None:
    if not final(plan) or "signoff.yaml" in plan.unreadable or not expects(plan.meta, "sign-off"):
        return
    signatories = plan.signoff.signatories
    if not signatories:
        findings.error(
            "signoff.undated",
            "a final plan needs its signatories, and signoff.yaml lists none",
            _where(plan, "signoff.yaml", plan.signoff, "signatories"),
            "list who signs the plan under 'signatories:' with the date each signed",
        )
    for person in signatories:
        if person.date is None:
            findings.error(
                "signoff.undated",
                f"{person.name} ({person.for_}) has not signed: a final plan needs every "
                "signatory's date",
                person.loc("date") if "date" in person.model_fields_set else person.loc("name"),
                "add 'date: YYYY-MM-DD' when they have signed, or set 'status: draft'",
            )


@check
def final_plan_has_no_open_decisions(plan: Plan, findings: Findings) -> None:
    if not final(plan):
        return
    noun = kind_of(plan.meta).noun
    for i, item in enumerate(plan.meta.outstanding):
        findings.error(
            "plan.outstanding",
            f"a final {noun} has an outstanding decision: '{' '.join(item.split())[:80]}'",
            plan.meta.loc("outstanding", i),
            "record the decision and remove it from 'outstanding:' in plan.yaml, or set "
            "'status: draft'",
        )


def version_key(version: str) -> tuple[int, ...] | None:
    """'1.2' -> (1, 2); None for a version that is not dotted numbers."""
    if not re.fullmatch(r"\d+(?:\.\d+)*", version.strip()):
        return None
    return tuple(int(p) for p in version.strip().split("."))


@check
def final_plan_history_records_this_version(plan: Plan, findings: Findings) -> None:
    if not final(plan) or not expects(plan.meta, "version-history"):
        return
    meta = plan.meta
    if any(entry.version == meta.version for entry in meta.history):
        return
    if meta.history_from == "git-tags":  # the history is the tags: the fix is a tag
        where = meta.loc("history_from")
        hint = (
            f'tag the commit being issued: git tag -a v{meta.version} -m "..." '
            "(annotated tags make the history; lightweight ones are left out)"
        )
    else:
        where = meta.key_loc("history") if meta.history else meta.loc("version")
        hint = (
            f'add \'- {{version: "{meta.version}", date: {meta.date.isoformat()}, author: ..., '
            "summary: ...}' at the end of 'history:' in plan.yaml"
        )
    findings.error(
        "history.current",
        f"the version history has no entry for version {meta.version}, the plan's version",
        where,
        hint,
    )
