"""Planning-round packs: a round's years, conditions, metrics, funding and rules, as data.

A pack is `templates/frameworks/<id>.yaml`. Adding a round is adding a file; nothing in
the code names a round. See docs/frameworks.md for the format.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from .content.base import Model, attach_sources
from .content.files import ContentError, read_text
from .content.validation import validation_findings
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


class FrameworkMetric(Model):
    id: str
    name: str
    unit: str
    decimals: int = 0
    direction: Literal["higher", "lower"]
    frequency: Literal["monthly", "quarterly", "annual"] = "annual"
    description: str | None = None


class SourceType(Model):
    type: str
    name: str
    contributor: Literal["icb", "local-authority"]
    mandatory: bool = False
    description: str | None = None


class Measure(Model):
    source_types: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    exclude_areas: list[str] = Field(default_factory=list)
    commissioner_kinds: list[str] = Field(default_factory=list)


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
    metrics: list[FrameworkMetric] = Field(default_factory=list)
    funding_sources: list[SourceType] = Field(default_factory=list)
    scheme_types: list[str] = Field(default_factory=list)
    areas_of_spend: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

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
    return framework
