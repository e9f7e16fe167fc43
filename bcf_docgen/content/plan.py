"""The Plan: everything read from one plan folder, typed, with where each part came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..findings import Location
from ..frameworks import Framework
from ..theme import Theme
from .base import Model
from .models import (
    BoardReport,
    Conditions,
    Funding,
    Metrics,
    PlanMeta,
    Risks,
    Scheme,
    SectionFront,
    Signoff,
    Vision,
)
from .yamlsource import SourceMap


@dataclass
class Section:
    """A narrative Markdown file: front matter plus body, with the body's first line number."""

    path: str
    id: str
    title: str
    body: str
    body_line: int
    location: Location
    front: SectionFront = field(default_factory=SectionFront)

    def at(self, line_in_body: int) -> Location:
        """The file location of a line of the body (0-based, as markdown-it maps count)."""
        return Location(self.path, self.body_line + line_in_body, 1)


@dataclass
class Plan:
    root: Path
    meta: PlanMeta
    framework: Framework
    theme: Theme = field(default_factory=Theme)
    sections: dict[str, Section] = field(default_factory=dict)
    vision: Vision = field(default_factory=Vision)
    schemes: list[Scheme] = field(default_factory=list)
    funding: Funding = field(default_factory=Funding)
    metrics: Metrics = field(default_factory=Metrics)
    risks: Risks = field(default_factory=Risks)
    conditions: Conditions = field(default_factory=Conditions)
    signoff: Signoff = field(default_factory=Signoff)
    board_report: BoardReport | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    facts_map: SourceMap | None = None
    present: set[str] = field(default_factory=set)  # data files that exist
    # Data files that exist but could not be read (their errors are already reported):
    # checks that look ids up in them stay quiet rather than repeat those errors.
    unreadable: set[str] = field(default_factory=set)

    @property
    def years(self) -> list[str]:
        return list(self.framework.years)

    @property
    def slug(self) -> str:
        """A file-name stem for outputs: the area and the round, e.g. kingsmere-bcf-2025-26."""
        from ..formatting import slugify

        return slugify(f"{self.meta.area.name} {self.meta.framework}")

    def markdown_texts(self) -> list[tuple[str, Model, tuple[str | int, ...]]]:
        """Every Markdown text held in YAML data, with its model and key path.

        Section templates run `{{ }}` inside these (the `expand` filter), so checks look
        at them like narrative files, and report problems at their line in the YAML file.
        """
        found: list[tuple[str, Model, tuple[str | int, ...]]] = []

        def add(model: Model | None, *keys: str | int) -> None:
            if model is None:
                return
            value: Any = model
            for key in keys:
                value = value[key] if isinstance(value, dict | list) else getattr(value, key)
            if isinstance(value, str) and value:
                found.append((value, model, keys))

        for scheme in self.schemes:
            add(scheme, "purpose")
            add(scheme, "summary")
            for name in ("objectives", "benefits"):
                for i in range(len(getattr(scheme, name))):
                    add(scheme, name, i)
            for period, items in scheme.activities.items():
                for i in range(len(items)):
                    add(scheme, "activities", period, i)
        add(self.vision, "statement")
        add(self.vision, "for_residents")
        for objective in self.vision.objectives:
            add(objective, "description")
        for i in range(len(self.vision.principles)):
            add(self.vision, "principles", i)
        for response in self.conditions.conditions:
            add(response, "response")
        for metric in self.metrics.metrics:
            add(metric, "rationale")
        report = self.board_report
        if report is not None:
            add(report, "summary")
            for name in ("recommendations", "reasons", "alternatives", "detail"):
                for i in range(len(getattr(report, name))):
                    add(report, name, i)
            for name in type(report.implications).model_fields:
                add(report.implications, name)
        return found

    def partner(self, partner_id: str):
        return next((p for p in self.meta.partners if p.id == partner_id), None)

    def partner_name(self, partner_id: str | None) -> str:
        partner = self.partner(partner_id) if partner_id else None
        return partner.name if partner else (partner_id or "")

    def scheme(self, scheme_id: str) -> Scheme | None:
        return next((s for s in self.schemes if s.id == scheme_id), None)
