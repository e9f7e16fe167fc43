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

    def markdown_texts(self) -> list[MarkdownText]:
        """Every Markdown text held in YAML data, with its model and key path.

        Section templates run `{{ }}` inside these (the `expand` filter), so checks look
        at them like narrative files, and report problems at their line in the YAML file.
        """
        found: list[MarkdownText] = []
        for scheme in self.schemes:
            found += _scheme_texts(scheme)
        found += _vision_texts(self.vision)
        for response in self.conditions.conditions:
            found += _text_at(response, "response")
        for metric in self.metrics.metrics:
            found += _text_at(metric, "rationale")
        if self.board_report is not None:
            found += _report_texts(self.board_report)
        return found

    def partner(self, partner_id: str):
        return next((p for p in self.meta.partners if p.id == partner_id), None)

    def partner_name(self, partner_id: str | None) -> str:
        partner = self.partner(partner_id) if partner_id else None
        return partner.name if partner else (partner_id or "")

    def scheme(self, scheme_id: str) -> Scheme | None:
        return next((s for s in self.schemes if s.id == scheme_id), None)


MarkdownText = tuple[str, Model, tuple[str | int, ...]]


def _text_at(model: Model, *keys: str | int) -> list[MarkdownText]:
    """The text at `keys` inside `model`, if there is any: empty values are not texts."""
    value: object = model
    for key in keys:
        if isinstance(value, dict):
            value = value[key]
        elif isinstance(value, list):
            value = value[int(key)]
        else:
            value = getattr(value, str(key))
    return [(value, model, keys)] if isinstance(value, str) and value else []


def _items(model: Model, name: str) -> list[MarkdownText]:
    """Each item of the list of texts called `name`, keyed by its index."""
    found: list[MarkdownText] = []
    for i in range(len(getattr(model, name))):
        found += _text_at(model, name, i)
    return found


def _scheme_texts(scheme: Scheme) -> list[MarkdownText]:
    found = _text_at(scheme, "purpose") + _text_at(scheme, "summary")
    found += _items(scheme, "objectives") + _items(scheme, "benefits")
    for period, items in scheme.activities.items():
        for i in range(len(items)):
            found += _text_at(scheme, "activities", period, i)
    return found


def _vision_texts(vision: Vision) -> list[MarkdownText]:
    found = _text_at(vision, "statement") + _text_at(vision, "for_residents")
    for objective in vision.objectives:
        found += _text_at(objective, "description")
    return found + _items(vision, "principles")


def _report_texts(report: BoardReport) -> list[MarkdownText]:
    found = _text_at(report, "summary")
    for name in ("recommendations", "reasons", "alternatives", "detail"):
        found += _items(report, name)
    for name in type(report.implications).model_fields:
        found += _text_at(report.implications, name)
    return found
