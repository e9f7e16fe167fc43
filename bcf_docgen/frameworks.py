"""Planning-round packs: a round's years, conditions, metrics, funding and rules, as data.

A pack is `templates/frameworks/<id>.yaml`. Adding a round is adding a file; nothing in
the code names a round. See docs/frameworks.md for the format.

Partners differ between rounds (CCGs until 2022, ICBs since), but the rules do not: the
NHS minimum is "NHS-commissioned" whoever the commissioner was. So a pack names its own
partner kinds (`ccg`, `icb`, ...) and gives each a *role* from a fixed list; rules, funding
contributors and code speak of roles, plans of kinds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError

from .content.base import Model, attach_sources
from .content.files import ContentError, read_text
from .content.validation import did_you_mean, validation_findings
from .content.yamlsource import load_yaml
from .findings import Findings, Location

FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


class NarrativeSection(Model):
    id: str
    title: str
    required: bool = False
    hint: str | None = None


class Condition(Model):
    id: str
    title: str
    requirement: str


class KeyLine(Model):
    """A key line of enquiry: what the round's assurers rated in every plan besides the
    conditions (deliverability, engagement...). An assessment rates each R, A or G, so the
    lines are the pack's, like the conditions, and no code names one (docs/assurance.md)."""

    id: str
    title: str
    description: str | None = None


class FrameworkMetric(Model):
    id: str
    name: str
    unit: str
    decimals: int = 0
    direction: Literal["higher", "lower"]
    frequency: Literal["monthly", "quarterly", "annual"] = "annual"
    description: str | None = None


# What a partner does in the fund, the same in every round. Code and rules test roles,
# never kind ids, so that a round's own names for its partners need no code.
PartnerRole = Literal[
    "nhs-commissioner",
    "nhs-provider",
    "local-authority",
    "district-council",
    "voluntary-sector",
    "other",
]
ROLES: tuple[str, ...] = get_args(PartnerRole)


class PartnerKind(Model):
    id: str
    name: str
    role: PartnerRole
    # Kinds of earlier rounds that this one took over (an ICB replaces `ccg`): a plan
    # that writes one of them is told to use this kind instead.
    replaces: list[str] = Field(default_factory=list)
    description: str | None = None


def default_partner_kinds() -> list[PartnerKind]:
    """The kinds a pack without `partner_kinds` has: those of the current rounds, so that
    packs written before partner kinds were data keep working unchanged."""
    return [
        PartnerKind(id="local-authority", name="Local authority", role="local-authority"),
        PartnerKind(id="district-council", name="District council", role="district-council"),
        PartnerKind(
            id="icb", name="Integrated Care Board", role="nhs-commissioner", replaces=["ccg"]
        ),
        PartnerKind(id="nhs-trust", name="NHS trust", role="nhs-provider"),
        PartnerKind(id="voluntary-sector", name="Voluntary sector", role="voluntary-sector"),
        PartnerKind(id="other", name="Other", role="other"),
    ]


class SourceType(Model):
    type: str
    name: str
    # The role of the partner that pays this money in (`nhs-commissioner`,
    # `local-authority`), or one of the pack's partner kinds (older packs wrote `icb`).
    contributor: str
    mandatory: bool = False
    description: str | None = None


class Measure(Model):
    source_types: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    exclude_areas: list[str] = Field(default_factory=list)
    # Which commissioners count: by role (any round), or by the pack's own kind ids.
    commissioner_roles: list[PartnerRole] = Field(default_factory=list)
    commissioner_kinds: list[str] = Field(default_factory=list)

    def counts_commissioner(self, kind: str | None, role: str | None) -> bool:
        """Whether a line commissioned by a partner of `kind` (with `role`) passes the
        commissioner filter: always when the measure has none, else by role or by kind."""
        if not self.commissioner_roles and not self.commissioner_kinds:
            return True
        return (role is not None and role in self.commissioner_roles) or (
            kind is not None and kind in self.commissioner_kinds
        )


class Rule(Model):
    id: str
    title: str
    description: str | None = None
    kind: Literal["minimum", "passported"]
    measure: Measure | None = None
    source_type: str | None = None
    applies_to: Literal["all", "two-tier"] = "all"


class Framework(Model):
    id: str
    name: str
    years: list[str]
    period: str | None = None
    narrative_sections: list[NarrativeSection] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    key_lines_of_enquiry: list[KeyLine] = Field(default_factory=list)
    metrics: list[FrameworkMetric] = Field(default_factory=list)
    funding_sources: list[SourceType] = Field(default_factory=list)
    scheme_types: list[str] = Field(default_factory=list)
    areas_of_spend: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    partner_kinds: list[PartnerKind] = Field(default_factory=default_partner_kinds)

    def partner_kind(self, kind_id: str | None) -> PartnerKind | None:
        return next((k for k in self.partner_kinds if k.id == kind_id), None)

    def role(self, kind_id: str | None) -> str | None:
        """The role of a partner kind of this round; None for a kind it does not have."""
        kind = self.partner_kind(kind_id)
        return kind.role if kind else None

    def kinds_with_role(self, role: str) -> list[PartnerKind]:
        return [k for k in self.partner_kinds if k.role == role]

    def contributor_role(self, source: SourceType) -> str | None:
        """The role that pays a kind of funding in: its `contributor` is a role or a kind."""
        if source.contributor in ROLES:
            return source.contributor
        return self.role(source.contributor)

    def metric(self, metric_id: str) -> FrameworkMetric | None:
        return next((m for m in self.metrics if m.id == metric_id), None)

    def condition(self, condition_id: str) -> Condition | None:
        return next((c for c in self.conditions if c.id == condition_id), None)

    def source_type(self, type_id: str) -> SourceType | None:
        return next((s for s in self.funding_sources if s.type == type_id), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def frameworks_dir(templates: Path) -> Path:
    return templates / "frameworks"


def available(templates: Path) -> list[str]:
    return sorted(p.stem for p in frameworks_dir(templates).glob("*.yaml"))


def load_framework(
    framework_id: str, templates: Path, where: Location, findings: Findings
) -> Framework | None:
    """The pack named by a plan's `framework:`; findings (at `where`) if it is unknown or broken."""
    known = available(templates)
    if not FRAMEWORK_ID.match(framework_id) or framework_id not in known:
        findings.error(
            "framework.unknown",
            f"unknown framework '{framework_id}'",
            where,
            "known frameworks: " + ", ".join(known)
            if known
            else "no framework packs are installed",
        )
        return None
    path = frameworks_dir(templates) / f"{framework_id}.yaml"
    display = f"templates/frameworks/{framework_id}.yaml"
    try:
        data, smap = load_yaml(read_text(path, display), display)
    except ContentError as exc:
        findings.error(exc.code, exc.message, exc.location, exc.hint)
        return None
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        findings.extend(validation_findings(exc, Framework, smap))
        return None
    attach_sources(framework, smap)
    problems = pack_findings(framework)
    findings.extend(problems)
    return None if problems.errors else framework


def pack_findings(framework: Framework) -> Findings:
    """What a pack says about partners that it cannot mean: a duplicate kind, a funding
    contributor or a rule's commissioner kind that is neither a role nor one of its kinds."""
    found = Findings()
    kinds = [k.id for k in framework.partner_kinds]
    roles_and_kinds = [*ROLES, *kinds]
    for i, kind in enumerate(framework.partner_kinds):
        if kind.id in kinds[:i]:
            found.error(
                "framework.partner-kind",
                f"partner kind '{kind.id}' is listed twice",
                kind.loc("id"),
                "give each partner kind its own id",
            )
    for source in framework.funding_sources:
        if framework.contributor_role(source) is None:
            found.error(
                "framework.partner-kind",
                f"contributor '{source.contributor}' of '{source.type}' is neither a "
                "partner role nor a partner kind of this pack",
                source.loc("contributor"),
                did_you_mean(source.contributor, roles_and_kinds),
            )
    for rule in framework.rules:
        measure = rule.measure
        for j, kind_id in enumerate(measure.commissioner_kinds if measure else []):
            if kind_id not in kinds:
                found.error(
                    "framework.partner-kind",
                    f"rule '{rule.id}' names partner kind '{kind_id}', which this pack "
                    "does not have",
                    rule.loc("measure", "commissioner_kinds", j),
                    did_you_mean(kind_id, kinds)
                    + " (or use commissioner_roles, e.g. [nhs-commissioner])",
                )
    return found


def summary(framework: Framework) -> dict[str, Any]:
    """A pack in brief, for `bcf-docgen frameworks` (a table, or JSON for machines)."""
    return {
        "id": framework.id,
        "name": framework.name,
        "years": list(framework.years),
        "period": framework.period,
        "conditions": len(framework.conditions),
        "metrics": len(framework.metrics),
        "funding_sources": len(framework.funding_sources),
        "partner_kinds": [
            {"id": k.id, "name": k.name, "role": k.role} for k in framework.partner_kinds
        ],
    }


def installed(templates: Path) -> list[tuple[str, Framework | None, Findings]]:
    """Every pack in `templates/frameworks/`, read and checked: (id, pack or None, findings)."""
    result = []
    for framework_id in available(templates):
        findings = Findings()
        where = Location(f"templates/frameworks/{framework_id}.yaml")
        result.append(
            (framework_id, load_framework(framework_id, templates, where, findings), findings)
        )
    return result
