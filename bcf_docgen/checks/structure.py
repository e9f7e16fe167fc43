"""Structural rules: unique ids, amounts only for the round's years, outline entries that
exist, and a theme whose colours are readable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ..content.base import Model
from ..content.files import ContentError, resolve_inside
from ..content.models import ControlTotal, RingFence
from ..content.plan import Plan
from ..findings import Findings, Location
from ..sections import known_templates
from ..theme import contrast_ratio
from .registry import check


class _Identified(Protocol):
    @property
    def id(self) -> str: ...

    def loc(self, *keys: str | int) -> Location: ...


def _unique(findings: Findings, code: str, what: str, items: Sequence[_Identified]) -> None:
    seen: dict[str, _Identified] = {}
    for item in items:
        item_id = item.id
        if item_id in seen:
            first = seen[item_id].loc("id")
            findings.error(
                code,
                f"{what} id '{item_id}' is used twice (first on line {first.line})",
                item.loc("id"),
                f"give every {what} its own id",
            )
        else:
            seen[item_id] = item


@check
def unique_ids(plan: Plan, findings: Findings) -> None:
    _unique(findings, "id.duplicate", "partner", plan.meta.partners)
    _unique(findings, "id.duplicate", "funding source", plan.funding.sources)
    _unique(findings, "id.duplicate", "metric", plan.metrics.metrics)
    _unique(findings, "id.duplicate", "risk", plan.risks.risks)
    _unique(findings, "id.duplicate", "condition response", plan.conditions.conditions)
    _unique(findings, "id.duplicate", "objective", plan.vision.objectives)


@check
def amounts_in_round_years(plan: Plan, findings: Findings) -> None:
    years = plan.years
    hint = f"the years of {plan.framework.id} are " + ", ".join(years)

    def look(model: Model, amounts: Mapping[str, object], *path: str | int) -> None:
        for year in amounts:
            if year not in years:
                findings.error(
                    "money.year",
                    f"'{year}' is not a year of this planning round",
                    model.key_loc(*path, year),
                    hint,
                )

    for source in plan.funding.sources:
        look(source, source.amounts, "amounts")
        for i, passport in enumerate(source.passported):
            look(source, passport.amounts, "passported", i, "amounts")
    for scheme in plan.schemes:
        for i, line in enumerate(scheme.expenditure):
            look(scheme, line.amounts, "expenditure", i, "amounts")
    dated: list[ControlTotal | RingFence] = [
        *plan.funding.control_totals,
        *plan.funding.ring_fences,
    ]
    for item in dated:
        if item.year not in years:
            findings.error(
                "money.year",
                f"'{item.year}' is not a year of this planning round",
                item.loc("year"),
                hint,
            )


@check
def outline_templates_exist(plan: Plan, findings: Findings) -> None:
    known = known_templates(plan.root)
    for i, entry in enumerate(plan.meta.outline):
        if entry.is_markdown:
            continue
        if entry.target not in known:
            from ..content.validation import did_you_mean

            findings.error(
                "outline.unknown-template",
                f"no section template called '{entry.target}'",
                plan.meta.loc("outline", i),
                did_you_mean(entry.target, known),
            )


@check
def theme_is_readable(plan: Plan, findings: Findings) -> None:
    theme = plan.theme
    for name, foreground, background in theme.colours.text_pairs():
        ratio = contrast_ratio(foreground, background)
        if ratio < 4.5:
            findings.error(
                "theme.contrast",
                f"{name}: {foreground} on {background} has contrast {ratio:.1f}:1, "
                "below the 4.5:1 that WCAG AA requires",
                theme.loc("colours"),
                "choose a darker text colour or a lighter background",
            )
    if theme.logo:
        try:
            path = resolve_inside(plan.root, theme.logo, theme.loc("logo"))
        except ContentError as exc:
            findings.error(exc.code, exc.message, exc.location, exc.hint)
            return
        if not path.is_file():
            findings.error(
                "file.missing",
                f"logo '{theme.logo}' does not exist",
                theme.loc("logo"),
                "put the image in the plan's assets/ folder",
            )
